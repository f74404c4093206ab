-- One row per event: what it was (from the event list: place, format, organizers,
-- links), who came (attendees, speakers, organizers, first-timers, members already,
-- who came to a later event, who may be named), its feedback (responses, the average
-- rating on its survey's scale), the attendees' own activity around it,
-- and its impact on the community (README, Events):
--
--   The community's activity by people on each of the events.trend_days days before
--   the event (every source but events) is fitted with a straight line (least squares,
--   day -trend_days .. -1). Summed over the events.after_days days after it, the line
--   (never below zero) is the activity it predicted; the impact is the activity there
--   actually was against it: actual / predicted - 1.
--
-- An event whose after window has not passed is "too early to tell"; one with less
-- history before it than the trend needs has "no history before it". Both have no
-- impact figure, never a guess.
{%- set trend, after, retention = event_setting('trend_days'), event_setting('after_days'), event_setting('retention_days') %}
with rows as (
    select * from {{ ref('stg_event_attendance') }}
),

details as (
    select
        event_id,
        min(event) as event,
        min(event_date) as event_date,
        -- Every row of an event carries its list row (or, unlisted, its location): the
        -- latest import's, so the same rows always give the same details.
        {{ arg_max('format', row_of(['fetched_at', 'activity_id'])) }} as format,
        {{ arg_max('city', row_of(['fetched_at', 'activity_id'])) }} as city_given,
        {{ arg_max('country', row_of(['fetched_at', 'activity_id'])) }} as country_given,
        {{ arg_max('organizers', row_of(['fetched_at', 'activity_id'])) }} as organizers,
        {{ arg_max('notes_url', row_of(['fetched_at', 'activity_id'])) }} as notes_url,
        {{ arg_max('report_url', row_of(['fetched_at', 'activity_id'])) }} as report_url,
        {{ arg_max('photos_url', row_of(['fetched_at', 'activity_id'])) }} as photos_url,
        {{ arg_max('recording_url', row_of(['fetched_at', 'activity_id'])) }} as recording_url
    from rows
    group by event_id
),

placed as (
    select
        d.*,
        -- Read as members' locations are (int_places, connectors/core/places.py).
        case when pl.country_code is not null then pl.city end as city,
        pl.country,
        pl.region
    from details as d
    left join {{ intermediate('int_places') }} as pl
        on pl.kind = 'location' and pl.value = concat_ws(', ', d.city_given, d.country_given)
),

people as (
    select
        event_id,
        count(*) as attendees,
        count(*) filter (where role = 'speaker') as speakers,
        count(*) filter (where role = 'organizer') as organizer_members,
        count(*) filter (where not is_named) as unnamed_attendees,
        count(*) filter (where is_first_timer) as first_timers,
        count(*) filter (where not is_first_timer) as already_members,
        count(*) filter (where came_back) as came_back,
        sum(activities_before)::bigint as attendee_activities_before,
        sum(activities_after)::bigint as attendee_activities_after,
        sum(activities_retention)::bigint as attendee_activities_retention,
        count(*) filter (where activities_after > 0) as active_after,
        count(*) filter (where activities_retention > 0) as retained
    from {{ ref('event_attendance') }}
    group by event_id
),

feedback as (
    -- One survey per event, one scale: the average is on it.
    select
        event_id,
        count(*) as feedback_responses,
        count(rating) as feedback_ratings,
        avg(rating) as rating_average,
        min(scale_min) as rating_scale_min,
        max(scale_max) as rating_scale_max,
        count(*) filter (where may_quote) as quotable_responses
    from {{ ref('event_feedback') }}
    group by event_id
),

community as (
    select activity_date, sum(activities) as activities
    from {{ ref('daily_activity') }}
    where not is_bot and not {{ is_attendance('source') }}
    group by activity_date
),

first_day as (
    select min(activity_date) as first_day from community
),

daily as (
    select d.event_id, r.day, coalesce(c.activities, 0) as activities
    from details as d
    cross join {{ integers('day', -trend, after) }} as r
    left join community as c on c.activity_date = d.event_date + r.day
    where r.day <> 0
),

trend as (
    select
        event_id,
        regr_slope(activities, day) filter (where day < 0) as trend_slope,
        regr_intercept(activities, day) filter (where day < 0) as trend_intercept,
        sum(activities) filter (where day < 0)::bigint as community_before,
        sum(activities) filter (where day > 0)::bigint as community_after
    from daily
    group by event_id
),

predicted as (
    select
        t.event_id,
        sum(greatest(0, t.trend_intercept + t.trend_slope * r.day)) as predicted_after
    from trend as t
    cross join {{ integers('day', 1, after) }} as r
    group by t.event_id
),

measured as (
    select
        p.*,
        case
            when p.event_date + {{ after }} > {{ as_of_date() }} then 'too early to tell'
            when p.event_date - {{ trend }} < (select first_day from first_day)
                then 'no history before it'
            else 'measured'
        end as impact_status
    from placed as p
)

select
    m.event_id,
    m.event,
    m.event_date,
    m.format,
    m.city,
    m.country,
    m.region,
    -- How the place reads: the normalized city and country, else as written.
    case
        when m.country is not null then concat_ws(', ', m.city, m.country)
        else nullif(concat_ws(', ', m.city_given, m.country_given), '')
    end as place,
    {{ is_priority('m.region', 'm.country', 'm.city') }} and m.region is not null as is_priority,
    m.organizers,
    m.notes_url,
    m.report_url,
    m.photos_url,
    m.recording_url,
    coalesce(p.attendees, 0) as attendees,
    coalesce(p.speakers, 0) as speakers,
    coalesce(p.organizer_members, 0) as organizer_members,
    coalesce(p.unnamed_attendees, 0) as unnamed_attendees,
    coalesce(p.first_timers, 0) as first_timers,
    coalesce(p.already_members, 0) as already_members,
    coalesce(p.came_back, 0) as came_back,
    coalesce(fb.feedback_responses, 0) as feedback_responses,
    coalesce(fb.feedback_ratings, 0) as feedback_ratings,
    fb.rating_average,
    fb.rating_scale_min,
    fb.rating_scale_max,
    coalesce(fb.quotable_responses, 0) as quotable_responses,
    p.attendee_activities_before,
    p.attendee_activities_after,
    p.attendee_activities_retention,
    p.active_after,
    p.retained,
    m.event_date + {{ after }} as after_until,
    m.event_date + {{ retention }} as retention_until,
    m.event_date + {{ after }} <= {{ as_of_date() }} as after_measured,
    m.event_date + {{ retention }} <= {{ as_of_date() }} as retention_measured,
    {{ trend }} as trend_days,
    {{ event_setting('before_days') }} as before_days,
    {{ after }} as after_days,
    {{ retention }} as retention_days,
    m.impact_status,
    t.community_before,
    t.community_after,
    t.trend_slope,
    t.trend_intercept,
    pr.predicted_after,
    case
        when m.impact_status = 'measured' and pr.predicted_after > 0
            then t.community_after / pr.predicted_after - 1
    end as impact
from measured as m
left join people as p using (event_id)
left join trend as t using (event_id)
left join predicted as pr using (event_id)
left join feedback as fb using (event_id)
