{#
  How Acacia's incremental models keep up with the landing zone and with each other.

  Every build has a batch number (the build setting `batch`, larger for every later
  build). An incremental model records the batch it last built at (its watermark, in
  staging.build_watermarks, written in the same transaction as its rows) and reads only
  what changed after it: landed files the ledger first saw later, rows stamped with a
  later `_batch`, identities whose attribution changed later. A build that failed half
  way leaves each model at its own watermark, so the next one catches up where each
  stopped. `dbt build --full-refresh` (acacia rebuild) builds everything from the whole
  landing zone instead.
#}

{# The batch this model last built at (0 when it never did, or is being built whole). #}
{% macro watermark() %}
  {%- if not execute or not is_incremental() -%}
    {{ return(0) }}
  {%- endif -%}
  {%- set found = run_query(
      "select coalesce(max(batch), 0) from " ~ watermarks_table() ~ " where model = '" ~ this.identifier ~ "'") -%}
  {{ return(found.columns[0].values()[0] | int) }}
{% endmacro %}

{% macro watermarks_table() -%}
  {{ this.database ~ '.' if this.database }}staging.build_watermarks
{%- endmacro %}

{#
  Post-hook of every incremental model: record this build's batch as its watermark, a
  print of the settings its stored rows depend on (weights_print(), for the series that
  keep points), if any, and the print of its code (setting code_prints: a build whose
  models' code differs from the recorded rebuilds everything, pipelines/build/__init__.py).
#}
{% macro record_watermark(settings_print='') %}
  {{ write_watermark(this.identifier, setting('batch'), settings_print,
                     setting('code_prints').get(this.identifier, '')) }}
{% endmacro %}

{#
  Whether the settings this model's stored rows depend on changed since it last built
  (`settings_print` against the print its watermark recorded): then it rebuilds every
  key, as a full build would.
#}
{% macro settings_changed(settings_print) %}
  {%- if not execute or not is_incremental() -%}
    {{ return(true) }}
  {%- endif -%}
  {%- set found = run_query(
      "select settings from " ~ watermarks_table() ~ " where model = '" ~ this.identifier ~ "'") -%}
  {{ return(found.rows | length == 0 or found.columns[0].values()[0] != settings_print) }}
{% endmacro %}

{# A print of the weights and categories (what points and contributions depend on). #}
{% macro weights_print() -%}
  {{ local_md5(tojson([setting('activity_weights'), setting('contribution_types')])) }}
{%- endmacro %}

{#
  The activity days to recount in a series that does not depend on today: the days of
  the activities written since this model's watermark (new, changed, deleted, moved to
  another member), or every day when its settings changed or in a full build.
#}
{% macro changed_days(settings_print) %}
  {%- set everything = settings_changed(settings_print) -%}
  (select distinct activity_date from {{ ref('activity_facts') }}
   {%- if not everything %} where _batch > {{ watermark() }}{% endif %})
{% endmacro %}

{#
  The incremental strategy of Acacia's models: the model's rows replace every stored row
  that shares their key (`unique_key`: a column or a list), and a row whose `_removed` is
  true only removes. So a model emits, for each key that changed since its watermark,
  its rows now, or one `_removed` row when none are left. (`_removed` is only emitted in
  incremental builds, so the stored table never has it.)
#}
{% macro get_incremental_replace_keys_sql(arg_dict) %}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set source = arg_dict['temp_relation'] -%}
  {%- set keys = arg_dict['unique_key'] -%}
  {%- if keys is string -%}{%- set keys = [keys] -%}{%- endif -%}
  {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
  delete from {{ target }} as stored
  using (select distinct {{ keys | join(', ') }} from {{ source }}) as changed
  where {% for key in keys %}stored.{{ key }} = changed.{{ key }}{{ ' and ' if not loop.last }}{% endfor %};
  insert into {{ target }} ({{ columns }})
  select {{ columns }} from {{ source }} where not _removed
{% endmacro %}

{#
  Every landed file of one source's `table` (of every source's, `source_name` none), from
  the ledger (all, not only the unread): what the models built whole each time read (the
  events' attendance and feedback, the listings).
#}
{% macro all_landed_files(source_name, table) %}
  {%- set ledger = ref('stg_landed_files') -%}
  {%- if not execute -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set query -%}
    select file from {{ ledger }} where table_name = '{{ table }}'
    {%- if source_name is not none %} and source = '{{ source_name }}'{% endif %} order by file
  {%- endset -%}
  {{ return(run_query(query).columns[0].values()) }}
{% endmacro %}

{#
  In an incremental build, leaves out the rows of `alias` that a stored row of this model
  with the same `key` fetched later (then from a later file) beats: a later fetch stays.
#}
{% macro later_fetch_stays(alias, key) %}
  {%- if is_incremental() %}
    anti join {{ this }} as stored
        on stored.{{ key }} = {{ alias }}.{{ key }}
        and (stored.fetched_at > {{ alias }}.fetched_at
             or stored.fetched_at = {{ alias }}.fetched_at and stored._file >= {{ alias }}._file)
  {%- endif %}
{% endmacro %}

{#
  The landed files of `table` (activities or identities) that this model has not read:
  those the ledger (stg_landed_files) first saw after the model's watermark; every file in
  a full build. Paths are relative to the data folder.
#}
{% macro unread_files(table) %}
  {%- set ledger = ref('stg_landed_files') -%}
  {%- if not execute -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set query -%}
    select file from {{ ledger }} where table_name = '{{ table }}' and batch > {{ watermark() }} order by file
  {%- endset -%}
  {{ return(run_query(query).columns[0].values()) }}
{% endmacro %}

{#
  `files` read as the contract's `table`, with each row's file name (`_file`). A column
  that no file has (one the contract gained later, like is_deleted) reads as null.
#}
{% macro read_landed(files, table) %}
  {{- return(read_files(files, landing_columns(table))) -}}
{% endmacro %}

{#
  The member_daily rollup with each row's category, weight and points (its activities
  times the type's weight, from activity_types): what the marts count from.
#}
{% macro member_days() -%}
(select d.*, coalesce(t.category, 'conversation') as category,
        coalesce(t.weight, 0) as weight, d.activities * coalesce(t.weight, 0) as points
 from {{ ref('member_daily') }} as d
 left join {{ ref('activity_types') }} as t using (activity_type))
{%- endmacro %}

{# The number of activities (a rollup's `column`) of the rows where `condition` holds. #}
{% macro counted(column, condition) -%}
coalesce(sum({{ column }}) filter (where {{ condition }}), 0)::bigint
{%- endmacro %}

{#
  Accounts that moved to another member (identity resolution writes them at every
  build, data/resolution/moves/*.parquet): identity_key, old_member_id, member_id and the
  batch of the build that moved them; only those after `since`.
#}
{% macro identity_moves(since) -%}
  {%- set columns = [('identity_key', 'varchar'), ('old_member_id', 'varchar'),
                     ('member_id', 'varchar'), ('batch', 'bigint')] -%}
(select * from {{ read_or_empty('resolution/moves/*.parquet', columns) }} where batch > {{ since }})
{%- endmacro %}

{#
  The rows a test checks (dbt's get_where_subquery, which a project may override): its
  `where` config, with `__batch__` standing for this build's batch. So the tests of an
  incremental model check the rows this build wrote, not every row of the history.
#}
{% macro default__get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- if where -%}
    {%- set where = where | replace('__batch__', setting('batch') | string) -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
  {%- endif -%}
  {%- do return(relation) -%}
{%- endmacro %}

{#
  What an incremental model on `replace_keys` emits: the rows of `relation`, stamped with
  this build's batch, and in an incremental build a `_removed` row for each key of
  `changed` (a relation of the `keys` columns) that has no row left.
#}
{% macro replaced_rows(relation, changed, keys) %}
select *, {{ setting('batch') }}::bigint as _batch
{%- if is_incremental() %}, false as _removed{% endif %}
from {{ relation }}
{%- if is_incremental() %}
union all by name
select {{ keys | join(', ') }}, true as _removed
from {{ changed }}
anti join {{ relation }} using ({{ keys | join(', ') }})
{%- endif %}
{% endmacro %}

{#
  A weekly series (weeks start on Monday) by `dimensions`, people only: activities,
  active members, contributions and points. Incremental: a build recounts the weeks
  whose activities changed (every week when the weights or categories changed).
#}
{% macro weekly_series(dimensions) %}
with changed as (
    select distinct cast(date_trunc('week', activity_date) as date) as week
    from {{ changed_days(weights_print()) }}
),

counted as (
    select
        cast(date_trunc('week', activity_date) as date) as week,
        {{ dimensions | join(', ') }},
        sum(activities)::bigint as activities,
        count(distinct member_id) as active_members,
        {{ counted('activities', "category = 'contribution'") }} as contributions,
        sum(points) as points
    from {{ member_days() }}
    where not is_bot
        and cast(date_trunc('week', activity_date) as date) in (select week from changed)
    group by all
)

{{ replaced_rows('counted', 'changed', ['week']) }}
{% endmacro %}

{#
  Windows that end on the as-of day, kept between builds. A model of them (keyed by
  member, or by place) records `window_print()` with its watermark: the weights and the
  as-of day it was computed for. `moved_days(windows)` is then the condition on a
  rollup row's `column` (a date) that its day entered or left one of `windows` since
  that build (the day moved on: a day came in at the end, one went out at the start);
  none when every key is to be computed again: a full build, the weights or categories
  changed, or no build recorded yet. So a night recomputes the keys whose windows moved
  (those active on the days that came in or went out) and those whose activities
  changed, and keeps the others' rows as they are, which is what computing them again
  would give.
#}
{% macro window_print() -%}
  {{ weights_print() }}@{{ setting('as_of_date') }}
{%- endmacro %}

{% macro moved_days(windows, column='activity_date') %}
  {%- set before = kept_as_of(weights_print() | trim) -%}
  {%- if before is none -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set conditions = [] -%}
  {%- for days in windows -%}
    {%- do conditions.append(
        "((" ~ column ~ " > " ~ before ~ " - " ~ days ~ " and " ~ column ~ " <= " ~ before
        ~ ") <> " ~ in_window(column, days) ~ ")") -%}
  {%- endfor -%}
  {{ return('(' ~ (conditions | join(' or ')) ~ ')') }}
{% endmacro %}

{#
  The as-of day this model's stored rows were computed for (a SQL date), from the print
  its watermark recorded (`<settings print>@<as-of day>`, as window_print()); none when
  they must all be computed again: a full build, no build recorded yet, or settings
  (`settings_print`) other than the recorded.
#}
{% macro kept_as_of(settings_print) %}
  {%- if not execute or not is_incremental() -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set found = run_query(
      "select settings from " ~ watermarks_table() ~ " where model = '" ~ this.identifier ~ "'") -%}
  {%- if found.rows | length == 0 -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set stored = (found.columns[0].values()[0] or '').split('@') -%}
  {%- if stored | length != 2 or stored[0] != settings_print -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return("date '" ~ stored[1] ~ "'") }}
{% endmacro %}

{#
  The members a model of windows keyed by member recomputes (see moved_days): those
  whose activities were written since its watermark (new, changed, deleted, moved to
  them), those an account left, and those active on a day that moved (`moved`); or, when
  `moved` is none, every member it holds or could hold.
#}
{% macro window_members(moved) -%}
  {%- set since = watermark() -%}
  {%- if moved is none %}
    select member_id from {{ this }}
    union
    select member_id from {{ ref('member_daily') }}
  {%- else %}
    select member_id from {{ ref('activity_facts') }}
    where _batch > {{ since }} and member_id is not null
    union
    select old_member_id from {{ identity_moves(since) }} where old_member_id is not null
    union
    select member_id from {{ ref('member_daily') }} where {{ moved }}
  {%- endif %}
{%- endmacro %}
