{#
  The columns of the landed files of one table, typed as the record contract
  (connectors/core/records.py). Paths the models read are relative to the workspace's data
  folder (storage.data_dir), which dbt's profile makes DuckDB's file_search_path: the SQL
  is the same for every workspace.
#}
{% macro landing_columns(table) %}
  {% if table == 'activities' %}
    {{ return([
      ('source', 'varchar'), ('activity_id', 'varchar'), ('type', 'varchar'),
      ('occurred_at', 'timestamptz'), ('actor', 'varchar'), ('channel', 'varchar'),
      ('url', 'varchar'), ('title', 'varchar'), ('thread_id', 'varchar'),
      ('parent_id', 'varchar'), ('body', 'varchar'), ('extra', 'varchar'),
      ('is_deleted', 'boolean'), ('fetched_at', 'timestamptz'), ('run_id', 'varchar')]) }}
  {% else %}
    {{ return([
      ('source', 'varchar'), ('source_user_id', 'varchar'), ('username', 'varchar'),
      ('display_name', 'varchar'), ('email', 'varchar'), ('company', 'varchar'),
      ('location', 'varchar'), ('timezone', 'varchar'), ('is_bot', 'boolean'), ('is_deleted', 'boolean'),
      ('is_staff', 'boolean'),
      ('profile_url', 'varchar'), ('avatar_url', 'varchar'), ('has_profile', 'boolean'), ('extra', 'varchar'),
      ('fetched_at', 'timestamptz'), ('run_id', 'varchar')]) }}
  {% endif %}
{% endmacro %}

{#
  Results of identity resolution (pipelines/identity), written by the
  int_identities__resolved model (data/resolution/<table>.parquet) before the marts build.
#}
{% macro resolution_columns(table) %}
  {#- From pipelines/build/identity_step.py SCHEMAS, passed by the pipeline (dbt_vars). -#}
  {%- set columns = setting('resolution_columns') -%}
  {%- if execute and table not in columns -%}
    {{ exceptions.raise_compiler_error("resolution_columns has no " ~ table ~ ": run dbt through Acacia (acacia sync), which passes it.") }}
  {%- endif -%}
  {{ return(columns.get(table, [])) }}
{% endmacro %}

{% macro resolved(table) %}
  {{- return(adapter.dispatch('resolved', 'acacia')(table)) -}}
{% endmacro %}

{% macro default__resolved(table) %}
  {#- The model that writes the files: read after it, in dbt's lineage and Dagster's. -#}
  {%- do ref('int_identities__resolved') -%}
  {{ return(read_or_empty('resolution/' ~ table ~ '.parquet', resolution_columns(table))) }}
{% endmacro %}

{% macro spark__resolved(table) %}
  {#- The Spark build copies the files to tables beside the intermediate models'. -#}
  {{ return(intermediate('resolution_' ~ table)) }}
{% endmacro %}

{# Files matching a glob, typed as ``columns``; an empty relation when there are none. #}
{% macro read_or_empty(pattern, columns) %}
  {%- set found = 0 -%}
  {%- if execute -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')").columns[0].values()[0] -%}
  {%- endif -%}
  {%- if found > 0 -%}
    {{ return("(select " ~ typed_columns(columns, true) ~ " from read_parquet('" ~ pattern | replace("'", "''") ~ "', union_by_name = true))") }}
  {%- else -%}
    {{ return("(select " ~ typed_columns(columns, false) ~ " where false)") }}
  {%- endif -%}
{% endmacro %}

{% macro typed_columns(columns, from_files) -%}
  {%- set parts = [] -%}
  {%- for name, type in columns -%}
    {%- do parts.append("cast(" ~ (name if from_files else "null") ~ " as " ~ sql_type(type) ~ ") as " ~ name) -%}
  {%- endfor -%}
  {{ return(parts | join(", ")) }}
{%- endmacro %}
