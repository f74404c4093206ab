{#
  How events are measured (acacia.yml events:, connectors/core/config.py EventSettings): the
  days before an event its trend is fitted on, the days after it its impact is measured
  over, and the days an attendee must be active within to count as retained.
#}
{% macro event_setting(name) -%}
    {{ return(setting('events')[name]) }}
{%- endmacro %}

{# A print of what event_attendance's stored rows depend on besides the activities: the
   events' days and the attendance sources (the as-of day is added to it, as window_print()). #}
{% macro attendance_settings_print() -%}
  {{ local_md5(tojson([event_setting('before_days'), event_setting('after_days'),
                       event_setting('retention_days'), setting('attendance_sources') or []])) }}
{%- endmacro %}

{#
  Whether a place (region, country, city columns) is one of acacia.yml's priority places
  (events.priority_places, each a region, a country, or a city with its country).
#}
{% macro is_priority(region, country, city) -%}
    {%- set found = [] -%}
    {%- for place in setting('events')['priority_places'] -%}
        {%- set parts = [] -%}
        {%- for column, value in [(region, place['region']), (country, place['country']), (city, place['city'])] -%}
            {%- if value -%}{%- do parts.append(column ~ " = '" ~ value | replace("'", "''") ~ "'") -%}{%- endif -%}
        {%- endfor -%}
        {%- if parts -%}{%- do found.append('(' ~ parts | join(' and ') ~ ')') -%}{%- endif -%}
    {%- endfor -%}
    coalesce({{ found | join(' or ') if found else 'false' }}, false)
{%- endmacro %}

{#
  Whether `column` (a source's name) is an attendance source (the events folder, Meetup:
  the sources declaring the events' activity types), whose activities are attendance,
  not online activity in the community.
#}
{% macro is_attendance(column) -%}
  {%- set names = setting('attendance_sources') or [] -%}
  {%- if names | length == 0 -%}
    false
  {%- else -%}
    ({{ column }} in ('{{ names | join("', '") }}'))
  {%- endif -%}
{%- endmacro %}
