-- Median and 90th percentile of the time to first response, per source and week opened.
select
    source,
    opened_week,
    count(*) as items,
    count(first_response_at) as responded,
    count(*) - count(first_response_at) as without_response,
    {{ rounded(quantile_cont('hours_to_first_response', 0.5), 2) }} as median_hours,
    {{ rounded(quantile_cont('hours_to_first_response', 0.9), 2) }} as p90_hours
from {{ ref('response_times') }}
group by source, opened_week
