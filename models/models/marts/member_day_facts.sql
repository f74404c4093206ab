-- What the dashboard and the monthly update count from when a figure is not one the
-- marts precompute (a source, a type, an organization, a tag, a date range): per member
-- and day, their activities by source, type, place (channel), organization, bot and
-- staff (the member_daily rollup), with each type's category, weight and points. Every
-- filter is a column here, so any figure is this mart filtered and summed. A view: the
-- weights are read as they are now, and nothing is stored twice. The view names its
-- tables without the database, so it reads the same in the published snapshot.
{{ config(materialized='view') }}
select
    d.member_id,
    d.activity_date,
    d.source,
    d.activity_type,
    d.channel,
    d.organization,
    d.is_bot,
    d.is_staff,
    d.activities,
    coalesce(t.category, 'conversation') as category,
    coalesce(t.weight, 0) as weight,
    d.activities * coalesce(t.weight, 0) as points
from {{ ref('member_daily').include(database=False) }} as d
left join {{ ref('activity_types').include(database=False) }} as t using (activity_type)
