{#
  The staging of every source is the same: read the landed files, keep the latest fetch
  of each natural key, type the columns. Each source's staging models call these.
#}
{% macro stage_activities(source_name) %}
-- Read where it is used (the files are cheap to read again; the grouping reads one column).
with landed as not materialized (
    select * from {{ landed(source_name, 'activities') }}
),

-- An activity fetched more than once (a re-read, an edit picked up later): the latest
-- fetch wins. Only the repeated ones are ranked: finding them is a cheap grouping of one
-- column, and ranking every activity cost ~0.5 s a million.
repeated as (
    select activity_id from landed group by activity_id having count(*) > 1
),

latest as (
    select landed.* from landed anti join repeated using (activity_id)
    union all by name
    (
        select landed.* from landed semi join repeated using (activity_id)
        qualify row_number() over (partition by activity_id order by fetched_at desc) = 1
    )
)

select
    source,
    activity_id,
    type as activity_type,
    timezone('UTC', occurred_at) as occurred_at,
    actor as source_user_id,
    channel,
    url,
    title,
    thread_id,
    parent_id,
    body,
    extra,
    timezone('UTC', fetched_at) as fetched_at
from latest
{% endmacro %}

{% macro stage_identities(source_name) %}
-- A full profile beats a short user object, then the latest fetch wins.
with landed as (
    select * from {{ landed(source_name, 'identities') }}
),

latest as (
    select *
    from landed
    qualify row_number() over (
        partition by source_user_id order by has_profile desc, fetched_at desc
    ) = 1
)

select
    source,
    source_user_id,
    username,
    display_name,
    lower(email) as email,
    company,
    location,
    timezone,
    is_bot or username like '%[bot]' as is_bot,
    coalesce(is_deleted, false) as is_deleted,
    coalesce(is_staff, false) as is_staff,
    profile_url,
    avatar_url,
    has_profile,
    extra,
    timezone('UTC', fetched_at) as fetched_at
from latest
{% endmacro %}

{#
  The registered sources (connectors/registry.py), in the order their profiles are
  preferred: the pipeline passes them as the acacia_sources var.
#}
{% macro acacia_sources() %}
  {%- set names = setting('acacia_sources') -%}
  {%- if execute and names | length == 0 -%}
    {{ exceptions.raise_compiler_error("acacia_sources is not set: build through acacia (acacia rebuild), or pass --vars with the registered sources") }}
  {%- endif -%}
  {{ return(names) }}
{% endmacro %}

{# Every source's staged activities or identities (`kind`), in one relation. #}
{% macro for_each_source(kind) %}
  {%- for source_name in acacia_sources() %}
    select * from (
      {%- if kind == 'activities' %}{{ stage_activities(source_name) }}
      {%- else %}{{ stage_identities(source_name) }}{% endif %}
    )
    {% if not loop.last %}union all by name{% endif %}
  {%- endfor %}
{% endmacro %}
