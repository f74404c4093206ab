{#
  Every check of a model's rows, in one test: one row for each check that fails, saying
  which (`failed_check`) and on how many rows (`failing_rows`); none when all hold.

  A model has one such test rather than one per column and check: dbt pays 0.03–0.05 s a
  test node before it reads a row, which made the data tests a third of a small build,
  and the checks of a column share one scan of the table here. When it fails, the build
  runs the test's query again and names the failed checks (pipelines/build `explained`).

  not_null         columns that hold a value in every row
  unique           columns whose values (those set) appear once each
  unique_together  lists of columns whose values together appear once
  accepted         column -> the values it may hold (or null)
  in_registry      column -> the build setting naming what it may hold (a source, an
                   activity type: connectors/core/registry.py, passed by the pipeline)
  related          column -> {to: a model, field: its column, where: a condition}: each
                   value set (of the rows `where` keeps) is a `field` of `to`

  The test's `where` config (with `__batch__`, this build's batch) chooses the rows
  checked, as for any dbt test (macros/incremental.sql, default__get_where_subquery).
#}
{% test checks(model, not_null=[], unique=[], unique_together=[], accepted={}, in_registry={}, related={}) %}
{#- (label, how many rows fail it): over the rows in one scan, or a query of its own -#}
{%- set scanned = [] -%}
{%- set queried = [] -%}
{%- for column in not_null -%}
  {%- do scanned.append((column ~ ' is null', 'sum(case when ' ~ column ~ ' is null then 1 else 0 end)')) -%}
{%- endfor -%}
{%- for column in unique -%}
  {%- do scanned.append((column ~ ' repeats', 'count(' ~ column ~ ') - count(distinct ' ~ column ~ ')')) -%}
{%- endfor -%}
{%- for column, values in accepted.items() -%}
  {%- set listed = [] -%}
  {%- for value in values -%}
    {%- do listed.append(value if value is number else "'" ~ value ~ "'") -%}
  {%- endfor -%}
  {%- do scanned.append((column ~ ' not in ' ~ (values | join(', ')),
      'sum(case when ' ~ column ~ ' not in (' ~ (listed | join(', ')) ~ ') then 1 else 0 end)')) -%}
{%- endfor -%}
{%- for column, setting_name in in_registry.items() -%}
  {%- do scanned.append((column ~ ' not in the registry (' ~ setting_name ~ ')',
      'sum(case when ' ~ column ~ ' not in (' ~ sql_list(setting(setting_name)) ~ ') then 1 else 0 end)')) -%}
{%- endfor -%}
{%- for columns in unique_together -%}
  {%- set listed = columns | join(', ') -%}
  {%- do queried.append(('(' ~ listed ~ ') repeats',
      '(select count(*) from (select ' ~ listed ~ ' from ' ~ model ~ ' group by ' ~ listed
      ~ ' having count(*) > 1) repeated)')) -%}
{%- endfor -%}
{%- for column, parent in related.items() -%}
  {%- set to = ref(parent.to) -%}
  {%- do queried.append((column ~ ' not in ' ~ parent.to ~ '.' ~ parent.field,
      '(select count(*) from (select ' ~ column ~ ' as value from ' ~ model ~ ' where '
      ~ column ~ ' is not null' ~ (' and (' ~ parent.where ~ ')' if parent.where else '')
      ~ ') child left join ' ~ to ~ ' parent on parent.' ~ parent.field
      ~ ' = child.value where parent.' ~ parent.field ~ ' is null)')) -%}
{%- endfor %}
{%- if scanned %}
with counted as (
    select
    {%- for label, counting in scanned %}
        {{ counting }} as check_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- endif %}
select failed_check, failing_rows
from (
    {%- for label, counting in scanned %}
    select '{{ label | replace("'", "''") }}' as failed_check, check_{{ loop.index }} as failing_rows
    from counted
    union all
    {%- endfor %}
    {%- for label, counting in queried %}
    select '{{ label | replace("'", "''") }}' as failed_check, {{ counting }} as failing_rows
    union all
    {%- endfor %}
    select 'nothing' as failed_check, 0 as failing_rows
) found
where failing_rows > 0
{% endtest %}
