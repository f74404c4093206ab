-- Per member and standard window (the last 30, 90, 180 and 365 days up to the build
-- date): points, activities and contributions, people only, with staff included and left
-- out (staff_included), with each window's first and last day. The dashboard's
-- leaderboard reads it with those filters; the sums are kept, from build to build, in
-- member_window_sums.
{{ config(materialized='view') }}
select
    member_id,
    days,
    staff_included,
    {{ as_of_date() }} - days + 1 as start_date,
    {{ as_of_date() }} as end_date,
    points,
    activities,
    contributions
from {{ ref('member_window_sums') }}
