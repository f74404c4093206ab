-- One row per response to an event's feedback survey (README, Events, Feedback): its
-- rating on the survey's scale, whether its answers may be quoted, its free-text
-- answers by question (JSON), and the member who answered when the response names them
-- (null for an anonymous one). The answers of a response that may not be quoted are not
-- published at all (only its rating counts); public mode shows counts and ratings only.
select
    f.response_id,
    f.event_id,
    i.member_id,
    f.rating,
    f.scale_min,
    f.scale_max,
    f.may_quote,
    case when f.may_quote then f.answers end as answers
from {{ ref('stg_event_feedback') }} as f
left join {{ ref('identities') }} as i
    on i.source = 'events' and i.source_user_id = f.source_user_id
