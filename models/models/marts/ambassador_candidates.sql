-- Who could carry the project in their place (README, Ambassadors and liaisons): over
-- the last ambassadors.window_days, each member's five reasons, with the figures behind
-- them: active across sources, answering others (different people replied to in their
-- threads), first to answer newcomers, accepted answers, organizing or speaking at
-- events. A candidate was active in the last recent_days and meets at least
-- ambassadors.reasons of the five. Members meeting none are left out; bots and deleted
-- accounts always. The dashboard groups them by place (the members' city, country and
-- region) and flags the priority places (events.priority_places) with no candidate.
{%- set a = setting('ambassadors') %}
{%- set w = a['window_days'] %}
{%- set openers = setting('thread_openers').keys() | list %}
{%- set if_replied = setting('thread_openers_if_replied').keys() | list %}
with days as (
    select * from {{ member_days() }}
    where not is_bot and {{ in_window('activity_date', w) }}
),

per_member as (
    select
        member_id,
        count(distinct source) as sources_active,
        {{ counted('activities', 'activity_type in (' ~ sql_list(setting('accepted_answer_types')) ~ ')') }}
            as accepted_answers,
        {{ counted('activities', "activity_type = 'event_organized'") }} as events_organized,
        {{ counted('activities', "activity_type = 'event_spoke'") }} as events_spoke,
        {{ counted('activities', "category = 'contribution'") }} as contributions,
        sum(activities)::bigint as activities,
        sum(points) as points,
        max(activity_date) as last_active_on
    from days
    group by member_id
),

-- Who opened each thread: an issue, a pull request, a topic, a question, or a chat
-- message that others replied to in its thread (as response_times reads them).
askers as (
    select source, thread_id, member_id as asker_id
    from {{ ref('activities') }}
    where not is_bot and thread_id is not null
        and (activity_type in ({{ sql_list(openers) }})
             or (activity_type in ({{ sql_list(if_replied) }})
                 and source || ':' || thread_id = activity_key))
),

replies as (
    select distinct source, thread_id, member_id
    from {{ ref('activities') }}
    where not is_bot and thread_id is not null
        and activity_type in ({{ sql_list(setting('thread_replies')) }})
        and {{ in_window('activity_date', w) }}
),

answered as (
    select r.member_id, count(distinct k.asker_id) as people_answered
    from replies as r
    join askers as k on k.source = r.source and k.thread_id = r.thread_id
    where k.asker_id <> r.member_id
    group by r.member_id
),

-- The first response to an item whose author was new then (their first activity at most
-- newcomer_days before they asked).
newcomers as (
    select t.responder_id as member_id, count(distinct t.author_id) as newcomers_answered
    from {{ ref('response_times') }} as t
    join {{ ref('members') }} as m on m.member_id = t.author_id
    where t.responder_id is not null
        and {{ in_window('cast(t.opened_at as date)', w) }}
        and {{ date_diff('day', 'm.joined_on', 'cast(t.opened_at as date)') }}
            <= {{ a['newcomer_days'] }}
    group by t.responder_id
),

scored as (
    select
        p.*,
        coalesce(q.people_answered, 0) as people_answered,
        coalesce(n.newcomers_answered, 0) as newcomers_answered,
        p.events_organized + p.events_spoke as events_led,
        p.last_active_on > {{ as_of_date() }} - {{ a['recent_days'] }} as is_recent
    from per_member as p
    left join answered as q using (member_id)
    left join newcomers as n using (member_id)
),

reasoned as (
    select
        *,
        (case when sources_active >= {{ a['sources'] }} then 1 else 0 end
         + case when people_answered >= {{ a['people_answered'] }} then 1 else 0 end
         + case when newcomers_answered >= {{ a['newcomers_answered'] }} then 1 else 0 end
         + case when accepted_answers >= {{ a['accepted_answers'] }} then 1 else 0 end
         + case when events_led >= {{ a['events_led'] }} then 1 else 0 end) as reasons_met
    from scored
)

select
    r.member_id,
    m.display_name,
    {{ member_filter_columns('m') }},
    r.sources_active,
    r.people_answered,
    r.newcomers_answered,
    r.accepted_answers,
    r.events_organized,
    r.events_spoke,
    r.events_led,
    r.contributions,
    r.activities,
    r.points,
    r.last_active_on,
    r.is_recent,
    r.reasons_met,
    r.is_recent and r.reasons_met >= {{ a['reasons'] }} as is_candidate
from reasoned as r
join {{ ref('members') }} as m using (member_id)
where r.reasons_met > 0 and not m.is_bot and not m.is_deleted
order by r.member_id
