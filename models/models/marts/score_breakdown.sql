-- Why a member's score is what it is: per activity type, how many activities in the
-- score window, the weight of each, their plain points and their decayed points.
-- The decayed points of a member add up to their activity_score in member_scores.
{% set s = setting('scoring') %}
select
    member_id,
    activity_type,
    any_value(category) as category,
    any_value(weight) as weight,
    sum(activities)::bigint as activities,
    sum(points) as points,
    {{ rounded('sum(' ~ decayed('points', 'activity_date') ~ ')', 4) }} as decayed_points,
    min(activity_date) as first_activity_date,
    max(activity_date) as last_activity_date
from {{ member_days() }}
where not is_bot and activity_date <= {{ as_of_date() }}
    and {{ in_window('activity_date', s['score_window_days']) }}
group by member_id, activity_type
-- Stored by member: a member's page finds its rows in a block or two (DuckDB's min/max
-- per block of rows) instead of reading them all.
order by member_id
