-- The rollup the marts count from: per member and day, their activities by source, type,
-- place (channel), organization, bot and staff, with the first and last moment of the
-- day's activity. Deletions left out. Incremental: a build recounts only the member-days
-- whose activities changed since its last one (new and changed activities, the days of
-- an account that moved to another member, for the old member and the new).
{{ config(
    materialized=incremental_materialization(),
    unique_key=['member_id', 'activity_date'],
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark() }}"
) }}
{%- set since = watermark() %}
with facts as (
    select * from {{ ref('activity_facts') }}
),

{%- if is_incremental() %}
changed_facts as (
    select member_id, source, source_user_id, activity_date
    from facts
    where _batch > {{ since }}
),

-- The member-days to recount: those of the activities that changed, and, for accounts
-- that moved, the same days of the member they left.
changed as (
    select member_id, activity_date from changed_facts where member_id is not null
    union
    select m.old_member_id, f.activity_date
    from changed_facts as f
    join {{ identity_moves(since) }} as m
        on m.identity_key = f.source || ':' || f.source_user_id
    where m.old_member_id is not null
),
{%- endif %}

counted as (
    select
        member_id,
        activity_date,
        source,
        activity_type,
        channel,
        organization,
        is_bot,
        is_staff,
        count(*)::integer as activities,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at
    from facts
    {%- if is_incremental() %}
    semi join changed using (member_id, activity_date)
    {%- endif %}
    where not is_deleted and member_id is not null
    group by all
)

{{ replaced_rows('counted', 'changed', ['member_id', 'activity_date']) }}
