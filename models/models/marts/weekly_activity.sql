-- Weekly series (weeks start on Monday) by source and activity type, people only.
-- Incremental: a build recounts the weeks whose activities changed.
{{ config(
    materialized=incremental_materialization(),
    unique_key='week',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark(weights_print()) }}"
) }}
{{ weekly_series(['source', 'activity_type']) }}
