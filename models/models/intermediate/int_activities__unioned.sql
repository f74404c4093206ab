-- Every source's activities in one vocabulary (the sources are listed once, in the
-- acacia_sources var of dbt_project.yml).
{{ union_staging('activities') }}
