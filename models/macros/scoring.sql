{# The weight of each activity type, from acacia.yml via the activity_weights var. #}
{% macro activity_weights() %}
  {%- set weights = var('activity_weights') -%}
  {%- if weights | length == 0 -%}
    (select null::varchar as activity_type, null::double as weight where false)
  {%- else -%}
    (select * from (values
      {%- for name, weight in weights.items() %}
      ('{{ name }}', {{ weight }}::double){% if not loop.last %},{% endif %}
      {%- endfor %}
    ) as w(activity_type, weight))
  {%- endif -%}
{% endmacro %}

{% macro as_of_date() -%}
  {%- if var('as_of_date') -%} date '{{ var("as_of_date") }}' {%- else -%} current_date {%- endif -%}
{%- endmacro %}

{# A member's id: stable across runs because it only depends on the identity. #}
{% macro member_id(source_col, user_col) -%}
    'm_' || substr(md5({{ source_col }} || ':' || {{ user_col }}), 1, 16)
{%- endmacro %}

{# Contribution types (connectors/records.py CONTRIBUTION_TYPES); the rest are conversations. #}
{% macro contribution_types() -%}
    'pr_opened', 'pr_merged', 'pr_review', 'answer', 'answer_accepted',
    'solution_accepted', 'event_spoke', 'event_organized'
{%- endmacro %}
