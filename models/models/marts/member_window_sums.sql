-- Per member and standard window (the last 30, 90, 180 and 365 days up to the build
-- date): points, activities and contributions, people only, with staff included and left
-- out (staff_included); the member_windows view adds each window's dates. One pass over
-- the member-days. Incremental: the day moving on changes only the members active on the
-- days that came in or went out of a window, so a build recomputes those and the members
-- whose activities changed (macros/incremental.sql moved_days, window_members), and
-- every member when the weights changed.
{{ config(
    materialized=incremental_materialization(),
    unique_key='member_id',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark(window_print()) }}"
) }}
-- depends_on: {{ ref('activity_facts') }}
{%- set windows = standard_windows() %}
{%- set moved = moved_days(windows) %}
with
{%- if is_incremental() %}
changed as (
    {{ window_members(moved) }}
),
{%- endif %}

humans as (
    select member_id, activity_date, category, activities, points, is_staff
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
    {%- if is_incremental() %}
        and member_id in (select member_id from changed)
    {%- endif %}
),

per_member as (
    select
        member_id
        {%- for _, suffix, condition in staff_variants() %}
        {%- for days in windows %},
        sum(points) filter (where {{ condition }} and {{ in_window('activity_date', days) }})
            as points_{{ days }}{{ suffix }}
        {%- endfor %}
        {{- window_counts(windows, suffix, condition) }}
        {%- endfor %}
    from humans
    group by member_id
),

windowed as (
{%- for staff_included, suffix, _ in staff_variants() %}
{%- set outer_loop = loop %}
{%- for days in windows %}
    select
        member_id,
        {{ days }} as days,
        {{ staff_included }} as staff_included,
        points_{{ days }}{{ suffix }} as points,
        activities_{{ days }}{{ suffix }} as activities,
        contributions_{{ days }}{{ suffix }} as contributions
    from per_member
    where activities_{{ days }}{{ suffix }} > 0
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
{%- endfor %}
{%- endfor %}
)

{{ replaced_rows('windowed', 'changed', ['member_id']) }}
