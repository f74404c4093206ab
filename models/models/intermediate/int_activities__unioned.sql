-- Every source's activities in one vocabulary. Each new source adds one `union all`.
select * from {{ ref('stg_github__activities') }}
