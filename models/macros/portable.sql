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
  {#- Reading a folder without files fails on Spark: the Spark build lists those with. -#}
  {%- if folder not in setting('landed_folders') -%}
    {{- return("select cast(null as string) as file where false") -}}
  {%- endif -%}
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

{#
  The intermediate model `name`. On DuckDB a dbt model (Python); on Spark, where
  dbt-spark's session method runs no Python model, the table the Spark build writes
  between the staging and marts layers (pipelines/build/spark.py), in the same schema.
#}
{% macro intermediate(name) %}
  {{- return(adapter.dispatch('intermediate', 'acacia')(name)) -}}
{% endmacro %}

{% macro default__intermediate(name) %}
  {{- return(ref(name)) -}}
{% endmacro %}

{% macro spark__intermediate(name) %}
  {{- return('intermediate.' ~ name) -}}
{% endmacro %}

{# A JSON text column's list of texts at `path` ('$.key'), as a list of strings. #}
{% macro json_text_list(column, path) %}
  {{- return(adapter.dispatch('json_text_list', 'acacia')(column, path)) -}}
{% endmacro %}

{% macro default__json_text_list(column, path) %}
  {{- return("cast(json_extract(" ~ column ~ ", '" ~ path ~ "') as varchar[])") -}}
{% endmacro %}

{% macro spark__json_text_list(column, path) %}
  {{- return("from_json(get_json_object(" ~ column ~ ", '" ~ path ~ "'), 'array<string>')") -}}
{% endmacro %}

{#
  `as` of a common table expression, with DuckDB's hint whether to compute it once
  (`materialized`) or inline it (`not materialized`) where a model measured it matters;
  an engine without the hint plans it itself.
#}
{% macro cte_as(hint) %}
  {{- return(adapter.dispatch('cte_as', 'acacia')(hint)) -}}
{% endmacro %}

{% macro default__cte_as(hint) %}
  {{- return('as ' ~ hint) -}}
{% endmacro %}

{% macro spark__cte_as(hint) %}
  {{- return('as') -}}
{% endmacro %}

{# The number of `unit` ('day' or 'second') boundaries from `start` to `end`. #}
{% macro date_diff(unit, start, end) %}
  {%- if unit not in ('day', 'second') -%}
    {{ exceptions.raise_compiler_error("date_diff counts days or seconds, not " ~ unit) }}
  {%- endif -%}
  {{- return(adapter.dispatch('date_diff', 'acacia')(unit, start, end)) -}}
{% endmacro %}

{% macro default__date_diff(unit, start, end) %}
  {{- return("date_diff('" ~ unit ~ "', " ~ start ~ ", " ~ end ~ ")") -}}
{% endmacro %}

{% macro spark__date_diff(unit, start, end) %}
  {%- if unit == 'day' -%}
    {{- return("datediff(" ~ end ~ ", " ~ start ~ ")") -}}
  {%- endif -%}
  {#- Each instant floored to its second, as DuckDB counts second boundaries. -#}
  {{- return("(unix_timestamp(" ~ end ~ ") - unix_timestamp(" ~ start ~ "))") -}}
{% endmacro %}

{# The `value` of the row with the smallest (arg_min) or largest (arg_max) `key`. #}
{% macro arg_min(value, key) %}
  {{- return(adapter.dispatch('arg_min', 'acacia')(value, key)) -}}
{% endmacro %}

{% macro default__arg_min(value, key) %}
  {{- return("arg_min(" ~ value ~ ", " ~ key ~ ")") -}}
{% endmacro %}

{% macro spark__arg_min(value, key) %}
  {{- return("min_by(" ~ value ~ ", " ~ key ~ ")") -}}
{% endmacro %}

{% macro arg_max(value, key) %}
  {{- return(adapter.dispatch('arg_max', 'acacia')(value, key)) -}}
{% endmacro %}

{% macro default__arg_max(value, key) %}
  {{- return("arg_max(" ~ value ~ ", " ~ key ~ ")") -}}
{% endmacro %}

{% macro spark__arg_max(value, key) %}
  {{- return("max_by(" ~ value ~ ", " ~ key ~ ")") -}}
{% endmacro %}

{# A row of `values`, compared field by field (a sort key of several columns). #}
{% macro row_of(values) %}
  {{- return(adapter.dispatch('row_of', 'acacia')(values)) -}}
{% endmacro %}

{% macro default__row_of(values) %}
  {{- return("row(" ~ values | join(", ") ~ ")") -}}
{% endmacro %}

{% macro spark__row_of(values) %}
  {{- return("struct(" ~ values | join(", ") ~ ")") -}}
{% endmacro %}

{# The distinct values of `column` in a group, as a sorted list. #}
{% macro sorted_set(column) %}
  {{- return(adapter.dispatch('sorted_set', 'acacia')(column)) -}}
{% endmacro %}

{% macro default__sorted_set(column) %}
  {{- return("list(distinct " ~ column ~ " order by " ~ column ~ ")") -}}
{% endmacro %}

{% macro spark__sorted_set(column) %}
  {{- return("array_sort(collect_set(" ~ column ~ "))") -}}
{% endmacro %}

{# A list's texts joined by `separator`. #}
{% macro list_join(column, separator) %}
  {{- return(adapter.dispatch('list_join', 'acacia')(column, separator)) -}}
{% endmacro %}

{% macro default__list_join(column, separator) %}
  {{- return("array_to_string(" ~ column ~ ", '" ~ separator ~ "')") -}}
{% endmacro %}

{% macro spark__list_join(column, separator) %}
  {{- return("array_join(" ~ column ~ ", '" ~ separator ~ "')") -}}
{% endmacro %}

{# One row per element of a list column (in a select list). #}
{% macro unnest_list(column) %}
  {{- return(adapter.dispatch('unnest_list', 'acacia')(column)) -}}
{% endmacro %}

{% macro default__unnest_list(column) %}
  {{- return("unnest(" ~ column ~ ")") -}}
{% endmacro %}

{% macro spark__unnest_list(column) %}
  {{- return("explode(" ~ column ~ ")") -}}
{% endmacro %}

{# A relation of one column, `name`: the integers from `first` to `last`, both included. #}
{% macro integers(name, first, last) %}
  {{- return(adapter.dispatch('integers', 'acacia')(name, first, last)) -}}
{% endmacro %}

{% macro default__integers(name, first, last) %}
  {{- return("(select cast(unnest(generate_series(" ~ first ~ ", " ~ last ~ ")) as integer) as " ~ name ~ ")") -}}
{% endmacro %}

{% macro spark__integers(name, first, last) %}
  {{- return("(select explode(sequence(" ~ first ~ ", " ~ last ~ ")) as " ~ name ~ ")") -}}
{% endmacro %}

{#
  A relation of one column, `name`: the dates from `first` to `last`, both included,
  every `step` (an interval: '1 day', '1 month').
#}
{% macro dates(name, first, last, step) %}
  {{- return(adapter.dispatch('dates', 'acacia')(name, first, last, step)) -}}
{% endmacro %}

{% macro default__dates(name, first, last, step) %}
  {{- return("(select cast(unnest(generate_series(cast(" ~ first ~ " as date), cast(" ~ last
             ~ " as date), interval " ~ step ~ ")) as date) as " ~ name ~ ")") -}}
{% endmacro %}

{% macro spark__dates(name, first, last, step) %}
  {{- return("(select explode(sequence(cast(" ~ first ~ " as date), cast(" ~ last
             ~ " as date), interval " ~ step ~ ")) as " ~ name ~ ")") -}}
{% endmacro %}

{# The continuous quantile `fraction` of `column` in a group (linear interpolation). #}
{% macro quantile_cont(column, fraction) %}
  {{- return(adapter.dispatch('quantile_cont', 'acacia')(column, fraction)) -}}
{% endmacro %}

{% macro default__quantile_cont(column, fraction) %}
  {{- return("quantile_cont(" ~ column ~ ", " ~ fraction ~ ")") -}}
{% endmacro %}

{% macro spark__quantile_cont(column, fraction) %}
  {{- return("percentile(" ~ column ~ ", " ~ fraction ~ ")") -}}
{% endmacro %}

{# A group's `key` and `value` pairs as a JSON object text, keys in order. #}
{% macro json_object_agg(key, value) %}
  {{- return(adapter.dispatch('json_object_agg', 'acacia')(key, value)) -}}
{% endmacro %}

{% macro default__json_object_agg(key, value) %}
  {{- return("to_json(map(list(" ~ key ~ " order by " ~ key ~ "), list(" ~ value ~ " order by " ~ key ~ ")))") -}}
{% endmacro %}

{% macro spark__json_object_agg(key, value) %}
  {{- return("to_json(map_from_entries(array_sort(collect_list(struct(" ~ key ~ ", " ~ value ~ ")))))") -}}
{% endmacro %}

{#
  `value` rounded to `digits` decimals, half up on its decimal value, as a person
  rounds (5.005 hours is 5.01): the same on every engine. A double's own rounding
  depends on its binary value (DuckDB gives 5.0) and Spark rounds its shortest text.
#}
{% macro rounded(value, digits) %}
  {{- return("cast(round(cast(" ~ value ~ " as decimal(38, 9)), " ~ digits ~ ") as double)") -}}
{% endmacro %}
