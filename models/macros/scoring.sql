{# The weight of each activity type, from acacia.yml via the activity_weights var. #}
{% macro activity_weights() %}
  {%- set weights = setting('activity_weights') -%}
  {%- if weights | length == 0 -%}
    (select null::string as activity_type, null::double as weight where false)
  {%- else -%}
    (select * from (values
      {%- for name, weight in weights.items() %}
      ('{{ name }}', {{ weight }}::double){% if not loop.last %},{% endif %}
      {%- endfor %}
    ) as w(activity_type, weight))
  {%- endif -%}
{% endmacro %}

{#
  The day every window and decayed score ends on: the clock's today (connectors/core/clock.py),
  passed by the pipeline (the build setting as_of_date). Never the database's
  current_date, which is a second clock (and follows the session's time zone).
#}
{% macro as_of_date() -%}
  date '{{ setting('as_of_date') }}'
{%- endmacro %}

{# A member's id: stable across runs because it only depends on the identity. #}
{% macro member_id(source_col, user_col) -%}
    'm_' || substr(md5({{ source_col }} || ':' || {{ user_col }}), 1, 16)
{%- endmacro %}

{#
  The activity types that count as contributions (each source's defaults, overridden by
  acacia.yml's `categories`); the rest are conversations. Passed by the pipeline.
#}
{% macro contribution_types() -%}
    {%- for name in setting('contribution_types') -%}
    '{{ name }}'{% if not loop.last %}, {% endif %}
    {%- else -%}
    null
    {%- endfor -%}
{%- endmacro %}

{# `types` (a list of activity type names) as an SQL list, `null` when empty. #}
{% macro sql_list(types) -%}
    {%- for name in types -%}
    '{{ name }}'{% if not loop.last %}, {% endif %}
    {%- else -%}
    null
    {%- endfor -%}
{%- endmacro %}

{#
  An activity's decayed points on the as-of day: its weight halved every
  scoring.half_life_days days of age.
#}
{% macro decayed(weight_col, date_col) -%}
    {{ weight_col }} * pow(0.5, {{ date_diff('day', date_col, as_of_date()) }}
        / {{ setting('scoring')['half_life_days'] }})
{%- endmacro %}

{# The days of a window of `days` days ending on the as-of day `offset` windows ago. #}
{% macro in_window(date_col, days, offset=0) -%}
    ({{ date_col }} > {{ as_of_date() }} - {{ days * (offset + 1) }}
     and {{ date_col }} <= {{ as_of_date() }} - {{ days * offset }})
{%- endmacro %}

{# The dashboard's standard windows: the last 30, 90, 180 and 365 days up to the as-of day. #}
{% macro standard_windows() -%}
    {{ return([30, 90, 180, 365]) }}
{%- endmacro %}

{#
  For each window of `windows` (days up to the as-of day), the grouped rollup rows'
  activities (activities_<days><suffix>) and contributions (contributions_<days><suffix>)
  where `condition` holds, each column preceded by a comma.
#}
{% macro window_counts(windows, suffix='', condition='true') -%}
    {%- for days in windows %},
        {{ counted('activities', condition ~ ' and ' ~ in_window('activity_date', days)) }}
            as activities_{{ days }}{{ suffix }},
        {{ counted('activities', condition ~ " and category = 'contribution' and "
                   ~ in_window('activity_date', days)) }} as contributions_{{ days }}{{ suffix }}
    {%- endfor %}
{%- endmacro %}

{# The engagement level from a window's contributions and conversations. #}
{% macro engagement_level(contributions, conversations, activities) -%}
    {%- set s = setting('scoring') -%}
    case
        when {{ contributions }} >= {{ s['core_contributions'] }} then 'Core'
        when {{ contributions }} >= {{ s['contributor_contributions'] }} then 'Contributor'
        when {{ conversations }} >= {{ s['participant_conversations'] }} then 'Participant'
        when {{ activities }} > 0 then 'Observer'
    end
{%- endmacro %}

{#
  The dashboard's staff switch as a dimension of its precomputed marts: for each value
  of staff_included, the suffix of the columns that count it and the condition on the
  rollup's rows (is_staff: the activity's, of a staff member or of an organization
  marked staff at the time). A mart counts both in one pass (filtered aggregates) and
  emits a row set per value.
#}
{% macro staff_variants() -%}
  {{ return([(true, '', 'true'), (false, '_ns', 'not is_staff')]) }}
{%- endmacro %}

{#
  The members' own filter columns (of the members mart as `alias`), copied into a mart of
  people so the dashboard filters it without a join (figures.Filters.member_where), and
  their place.
#}
{% macro member_filter_columns(alias) -%}
    {%- for column in ['organization', 'sources', 'is_bot', 'is_staff', 'is_staff_organization', 'city', 'country', 'region'] -%}
    {{ alias }}.{{ column }}{{ ',' if not loop.last }}
    {% endfor -%}
{%- endmacro %}
