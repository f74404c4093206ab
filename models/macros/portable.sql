{#
  What differs between the engines the project builds on: DuckDB, the default, and
  Spark (dbt-spark; docs/scale.md). Each construct that one of them spells its own way
  is a macro dispatched on the adapter (adapter.dispatch): a model names the construct,
  never the dialect, and there is one copy of every model.
#}

{# The engine's name of a type of the record contract (landing_columns). #}
{% macro sql_type(name) %}
  {{- return(adapter.dispatch('sql_type', 'acacia')(name)) -}}
{% endmacro %}

{% macro default__sql_type(name) %}
  {{- return(name) -}}
{% endmacro %}

{% macro spark__sql_type(name) %}
  {{- return({'varchar': 'string', 'timestamptz': 'timestamp'}.get(name, name)) -}}
{% endmacro %}

{# Where the engine finds a path of the data folder ('landing/...'), or a URL. #}
{% macro data_path(path) %}
  {%- if '://' in path or path.startswith('/') -%}
    {{- return(path) -}}
  {%- endif -%}
  {{- return(env_var('ACACIA_DATA_DIR', '../data') ~ '/' ~ path) -}}
{% endmacro %}

{#
  The landed files in `folder` (a landing folder, 'landing/<source>/<table>/'), one row
  each: `file`, the folder and the file's name.
#}
{% macro landed_files_in(folder) %}
  {{- return(adapter.dispatch('landed_files_in', 'acacia')(folder | replace("'", "''"))) -}}
{% endmacro %}

{% macro default__landed_files_in(folder) %}
  {{- return("select '" ~ folder ~ "' || parse_filename(file) as file from glob('" ~ folder ~ "*.parquet')") -}}
{% endmacro %}

{% macro spark__landed_files_in(folder) %}
  {{- return("select distinct '" ~ folder ~ "' || _metadata.file_name as file from parquet.`"
             ~ data_path(folder) ~ "*.parquet`") -}}
{% endmacro %}

{#
  The rows of landed `files` with the columns `columns` (name, contract type), typed,
  and `_file`, the name of each row's file. A column a file lacks (one the contract
  gained later) reads as null.
#}
{% macro read_files(files, columns) %}
  {{- return(adapter.dispatch('read_files', 'acacia')(files, columns)) -}}
{% endmacro %}

{% macro default__read_files(files, columns) %}
  {%- set empty = "select " ~ typed_columns(columns, false) ~ ", null::varchar as filename where false" -%}
  {%- if files | length == 0 -%}
    {{ return("(select " ~ typed_columns(columns, true) ~ ", filename as _file from (" ~ empty ~ "))") }}
  {%- endif -%}
  {%- set listed = [] -%}
  {%- for file in files -%}{%- do listed.append("'" ~ file | replace("'", "''") ~ "'") -%}{%- endfor -%}
  {{ return("(select " ~ typed_columns(columns, true) ~ ", parse_filename(filename) as _file from ("
            ~ "select * from read_parquet([" ~ listed | join(', ') ~ "], union_by_name = true, filename = true)"
            ~ " union all by name " ~ empty ~ "))") }}
{% endmacro %}

{% macro spark__read_files(files, columns) %}
  {%- if files | length == 0 -%}
    {{ return("(select " ~ typed_columns(columns, false) ~ ", cast(null as string) as _file where false)") }}
  {%- endif -%}
  {#- One read of every file: a Hadoop glob of the alternatives, under the data folder's
      path (the profile merges the files' schemas). -#}
  {{ return("(select " ~ typed_columns(columns, true) ~ ", _metadata.file_name as _file from parquet.`"
            ~ data_path("{" ~ files | join(',') ~ "}") ~ "`)") }}
{% endmacro %}

{# A timestamp with time zone as the UTC wall clock (a timestamp without one). #}
{% macro utc_timestamp(column) %}
  {{- return(adapter.dispatch('utc_timestamp', 'acacia')(column)) -}}
{% endmacro %}

{% macro default__utc_timestamp(column) %}
  {{- return("timezone('UTC', " ~ column ~ ")") -}}
{% endmacro %}

{% macro spark__utc_timestamp(column) %}
  {#- Spark's timestamps are instants shown in the session's time zone, UTC (profile). -#}
  {{- return(column) -}}
{% endmacro %}

{# on-run-start: the incremental models' watermarks (macros/incremental.sql). #}
{% macro create_watermarks() %}
  {{- return(adapter.dispatch('create_watermarks', 'acacia')()) -}}
{% endmacro %}

{% macro default__create_watermarks() %}
  create table if not exists staging.build_watermarks (model varchar primary key, batch bigint);
  alter table staging.build_watermarks add column if not exists settings varchar;
  alter table staging.build_watermarks add column if not exists code varchar
{% endmacro %}

{% macro spark__create_watermarks() %}
  create table if not exists staging.build_watermarks
    (model string, batch bigint, settings string, code string) using parquet
{% endmacro %}

{# Post-hook of an incremental model: record its watermark (macros/incremental.sql). #}
{% macro write_watermark(model, batch, settings_print, code) %}
  {{- return(adapter.dispatch('write_watermark', 'acacia')(model, batch, settings_print, code)) -}}
{% endmacro %}

{% macro default__write_watermark(model, batch, settings_print, code) %}
  insert or replace into {{ watermarks_table() }} (model, batch, settings, code)
  values ('{{ model }}', {{ batch }}, '{{ settings_print }}', '{{ code }}')
{% endmacro %}

{% macro spark__write_watermark(model, batch, settings_print, code) %}
  {#- No key to replace on a Parquet table: the latest batch is the watermark. -#}
  insert into {{ watermarks_table() }} values ('{{ model }}', {{ batch }}, '{{ settings_print }}', '{{ code }}')
{% endmacro %}

{#
  The materialization of an incremental model: incremental on DuckDB; on Spark, whose
  Parquet tables have no delete to replace keys with, a table built whole every time.
#}
{% macro incremental_materialization() %}
  {{- return(adapter.dispatch('incremental_materialization', 'acacia')()) -}}
{% endmacro %}

{% macro default__incremental_materialization() %}
  {{- return('incremental') -}}
{% endmacro %}

{% macro spark__incremental_materialization() %}
  {{- return('table') -}}
{% endmacro %}

{# The text at `path` ('$.key') of a JSON text column; null where there is none. #}
{% macro json_text(column, path) %}
  {{- return(adapter.dispatch('json_text', 'acacia')(column, path)) -}}
{% endmacro %}

{% macro default__json_text(column, path) %}
  {{- return("json_extract_string(" ~ column ~ ", '" ~ path ~ "')") -}}
{% endmacro %}

{% macro spark__json_text(column, path) %}
  {{- return("get_json_object(" ~ column ~ ", '" ~ path ~ "')") -}}
{% endmacro %}
