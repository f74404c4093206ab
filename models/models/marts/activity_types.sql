-- Every activity type the registry knows, with its category (contribution or
-- conversation) and its weight, as acacia.yml sets them (connectors/sources/<source>/source.py
-- gives the defaults). Small, and rebuilt by every build: the stored activities and
-- rollups keep counts per type, and the points are these weights times those counts.
{%- set weights = setting('activity_weights') %}
{%- set contributions = setting('contribution_types') %}
select * from (values
{%- for name in setting('acacia_activity_types') %}
    ('{{ name }}',
     '{{ 'contribution' if name in contributions else 'conversation' }}',
     {{ weights.get(name, 0) }}::double){{ ',' if not loop.last }}
{%- endfor %}
) as t(activity_type, category, weight)
