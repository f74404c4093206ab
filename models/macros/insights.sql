{#
  For the insights (models/marts/insights.sql), on the spine's day `s.day`: the sum of
  `counted` over the `recent` days up to it (recent), and over the `usual` days before
  those, scaled to `recent` days (usual: what those days would usually hold).
#}
{% macro recent_and_usual(date_column, counted, recent, usual) -%}
    coalesce(sum(case when {{ date_column }} > s.day - {{ recent }}
                      then {{ counted }} end), 0) as recent,
    coalesce(sum(case when {{ date_column }} <= s.day - {{ recent }}
                      then {{ counted }} end), 0) * {{ recent }} / cast({{ usual }} as double)
        as usual
{%- endmacro %}
