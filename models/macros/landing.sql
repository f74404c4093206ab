{#
  The columns of the landed files of one table, typed as the record contract. Paths the
  models read are relative to the workspace's data folder (storage.data_dir), which dbt's
  profile makes DuckDB's file_search_path: the SQL is the same for every workspace.
#}
{% macro landing_columns(table) %}
  {#- The record contract (connectors/core/records.py CONTRACT), passed by the build. -#}
  {{ return(passed_columns('landing_columns', table)) }}
{% endmacro %}

{# Columns the build passes as a setting, by table; a clear error when dbt runs alone. #}
{% macro passed_columns(name, table) %}
  {%- set columns = setting(name) -%}
  {%- if execute and table not in columns -%}
    {{ exceptions.raise_compiler_error(name ~ " has no " ~ table ~ ": run dbt through Acacia (acacia sync), which passes it.") }}
  {%- endif -%}
  {{ return(columns.get(table, [])) }}
{% endmacro %}

{#
  Results of identity resolution (pipelines/identity), written by the
  int_identities__resolved model (data/resolution/<table>.parquet) before the marts build.
#}
{% macro resolution_columns(table) %}
  {#- pipelines/identity/results.py SCHEMAS, passed by the build. -#}
  {{ return(passed_columns('resolution_columns', table)) }}
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
