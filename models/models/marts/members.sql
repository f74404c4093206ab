-- One row per person: their accounts merged (see identities), best name, where they are,
-- which organization they are with now, and their activity.
with identities as (
    select
        *,
        -- Which source's profile to prefer for names and places.
        -- (the registered sources' order: connectors/sources/<source>/source.py, profile_rank),
        -- then the account key, so two accounts on one source always give the same answer.
        {%- set rank -%}
            case source
                {%- for source_name in acacia_sources() %} when '{{ source_name }}' then {{ loop.index }}
                {%- endfor %} else 999 end
        {%- endset %}
        {{ row_of([rank, 'identity_key']) }} as preference
    from {{ ref('identities') }}
),

people as (
    select
        member_id,
        coalesce(
            {{ arg_min("nullif(display_name, '')", 'preference') }}
                filter (where nullif(display_name, '') is not null),
            {{ arg_min("username", 'preference') }}
        ) as display_name,
        {{ arg_min("location", 'preference') }} filter (where location is not null) as location,
        {{ arg_min("timezone", 'preference') }} filter (where timezone is not null) as timezone,
        {{ arg_min("company", 'preference') }} filter (where company is not null) as company,
        {{ arg_min("profile_url", 'preference') }} filter (where profile_url is not null) as profile_url,
        {{ arg_min("avatar_url", 'preference') }} filter (where avatar_url is not null) as avatar_url,
        {{ sorted_set('source') }} as sources,
        count(*) as identity_count,
        bool_or(is_bot) as is_bot,
        bool_and(is_deleted) as is_deleted,
        bool_or(is_staff) as is_staff
    from identities
    group by member_id
),

-- Their organization today: a dated affiliation covering today, else the strongest rule.
current_organization as (
    select member_id, organization, is_staff_organization
    from {{ ref('member_organizations') }}
    where (valid_from is null or valid_from <= {{ as_of_date() }})
        and (valid_to is null or valid_to >= {{ as_of_date() }})
    qualify row_number() over (
        partition by member_id order by valid_from is null, rule_rank, organization
    ) = 1
),

activity_summary as (
    select
        member_id,
        min(first_at) as first_seen_at,
        min(activity_date) filter (where category = 'contribution')
            as first_contribution_date,
        max(last_at) as last_seen_at,
        sum(activities)::bigint as activity_count,
        {{ counted('activities', "category = 'contribution'") }} as contribution_count,
        -- The 90 days up to the as-of day, as every other mart counts them (in_window);
        -- a timestamp comparison here counted 91 days, and later ones too.
        {{ counted('activities', in_window('activity_date', 90)) }} as activities_90d,
        coalesce(sum(points) filter (where {{ in_window('activity_date', 90) }}), 0)
            as points_90d
    from {{ member_days() }}
    group by member_id
)

select
    p.member_id,
    p.display_name,
    p.sources,
    p.identity_count,
    o.organization,
    coalesce(o.is_staff_organization, false) as is_staff_organization,
    p.company,
    p.location,
    p.timezone,
    -- Where they are, to compare local communities (int_places, connectors/core/places.py
    -- place()): the city and country their location names, else their time zone's
    -- country, else the continent their location names; Unknown when none.
    case when pl.country_code is not null then pl.city end as city,
    coalesce(case when pl.country_code is not null then pl.country end, pt.country)
        as country,
    coalesce(
        case when pl.country_code is not null then pl.region end, pt.region, pl.region,
        'Unknown'
    ) as region,
    p.is_bot,
    p.is_deleted,
    p.is_staff,
    p.profile_url,
    p.avatar_url,
    s.first_seen_at,
    -- The one definition of a new member: the day of their first activity ever. A
    -- deleted account is never new (there is nobody to welcome), so it has none.
    case when not p.is_deleted then cast(s.first_seen_at as date) end as joined_on,
    s.first_contribution_date,
    s.last_seen_at,
    coalesce(s.activity_count, 0) as activity_count,
    coalesce(s.contribution_count, 0) as contribution_count,
    coalesce(s.activities_90d, 0) as activities_90d,
    coalesce(s.points_90d, 0) as points_90d
from people as p
left join {{ intermediate('int_places') }} as pl on pl.kind = 'location' and pl.value = p.location
left join {{ intermediate('int_places') }} as pt on pt.kind = 'timezone' and pt.value = p.timezone
left join current_organization as o using (member_id)
left join activity_summary as s using (member_id)
-- Stored by member: a member's page finds its rows in a block or two (DuckDB's min/max
-- per block of rows) instead of reading them all.
order by member_id
