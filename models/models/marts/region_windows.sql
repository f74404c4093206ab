-- Active members per place (members.region, country and city) and standard window (the
-- last 30, 90, 180 and 365 days up to the build date), people only, with staff included
-- and left out (staff_included): the Channels and places page's places with those
-- filters.
select
    w.days,
    w.staff_included,
    w.start_date,
    w.end_date,
    m.region,
    m.country,
    m.city,
    count(*) as members
from {{ ref('member_windows') }} as w
join {{ ref('members') }} as m using (member_id)
group by all
