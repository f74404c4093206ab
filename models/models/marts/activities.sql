-- Every activity of every source, with the member behind it, the organization they were
-- with on that day, its category and its weight (points): the stored activity_facts
-- (deletions left out) with acacia.yml's categories and weights, so a change of weights
-- shows at the next build without rebuilding ten million rows. The view names its tables
-- without the database, so it reads the same in the published snapshot (another file).
{{ config(materialized='view') }}
select
    f.activity_key,
    f.source,
    f.activity_id,
    f.activity_type,
    coalesce(t.category, 'conversation') as category,
    f.occurred_at,
    f.activity_date,
    f.member_id,
    f.source_user_id,
    f.is_bot,
    f.organization,
    f.is_staff,
    f.channel,
    f.url,
    f.title,
    f.thread_id,
    f.parent_id,
    coalesce(t.weight, 0) as weight
from {{ ref('activity_facts').include(database=False) }} as f
left join {{ ref('activity_types').include(database=False) }} as t using (activity_type)
where not f.is_deleted
