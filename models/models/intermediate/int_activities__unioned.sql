-- Every source's activities in one vocabulary (the sources are listed once, in the
-- acacia_sources var of dbt_project.yml). A view: the activities mart is the one
-- materialization of ten million rows, and its tests check this layer's contract.
{{ union_staging('activities') }}
