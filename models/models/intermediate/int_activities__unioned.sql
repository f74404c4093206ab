-- Every source's activities in one vocabulary. Each new source adds one line.
select * from {{ ref('stg_github__activities') }}
union all by name
select * from {{ ref('stg_slack__activities') }}
union all by name
select * from {{ ref('stg_discourse__activities') }}
union all by name
select * from {{ ref('stg_reddit__activities') }}
union all by name
select * from {{ ref('stg_stackexchange__activities') }}
union all by name
select * from {{ ref('stg_events__activities') }}
