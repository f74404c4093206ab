-- Activity per day, source, type, staff or not and bot or not: the filters of the
-- dashboard's trends (staff, bots, source, type) are its columns, so a trend with any of
-- them is this mart filtered and summed (connectors/core/figures.py).
-- Incremental: a build recounts the days whose activities changed (every day when the
-- weights or categories changed).
{{ config(
    materialized=incremental_materialization(),
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
        is_bot,
        any_value(category) as category,
        sum(activities)::bigint as activities,
        count(distinct member_id) as active_members,
        sum(points) as points
    from {{ member_days() }}
    semi join changed using (activity_date)
    group by activity_date, source, activity_type, is_staff, is_bot
)

{{ replaced_rows('counted', 'changed', ['activity_date']) }}
