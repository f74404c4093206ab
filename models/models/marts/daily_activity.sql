-- Activity per day, source, type and staff or not (humans only; bot activity counted
-- apart).
-- Incremental: a build recounts the days whose activities changed (every day when the
-- weights or categories changed).
{{ config(
    materialized='incremental',
    unique_key='activity_date',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark(weights_print()) }}"
) }}
with changed as {{ changed_days(weights_print()) }},

counted as (
    select
        activity_date,
        source,
        activity_type,
        is_staff,
        any_value(category) as category,
        coalesce(sum(activities) filter (where not is_bot), 0)::bigint as activities,
        count(distinct member_id) filter (where not is_bot) as active_members,
        coalesce(sum(points) filter (where not is_bot), 0) as points,
        coalesce(sum(activities) filter (where is_bot), 0)::bigint as bot_activities
    from {{ member_days() }}
    semi join changed using (activity_date)
    group by activity_date, source, activity_type, is_staff
)

{{ replaced_rows('counted', 'changed', ['activity_date']) }}
