-- Weekly series per organization ("Unaffiliated" for people with none), people only.
-- Incremental: a build recounts the weeks whose activities changed.
{{ config(
    materialized='incremental',
    unique_key='week',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark(weights_print()) }}"
) }}
with changed as (
    select distinct cast(date_trunc('week', activity_date) as date) as week
    from {{ changed_days(weights_print()) }}
),

counted as (
    select
        cast(date_trunc('week', activity_date) as date) as week,
        coalesce(organization, 'Unaffiliated') as organization,
        sum(activities)::bigint as activities,
        count(distinct member_id) as active_members,
        coalesce(sum(activities) filter (where category = 'contribution'), 0)::bigint
            as contributions,
        sum(points) as points
    from {{ member_days() }}
    where not is_bot
        and cast(date_trunc('week', activity_date) as date) in (select week from changed)
    group by all
)

select *, {{ setting('batch') }}::bigint as _batch
{%- if is_incremental() %}, false as _removed{% endif %}
from counted
{%- if is_incremental() %}
union all by name
select week, true as _removed from changed anti join counted using (week)
{%- endif %}
