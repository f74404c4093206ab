-- The ledger of the landing zone: every landed file of every registered source, with the
-- batch of the build that first saw it. The incremental models read the files the ledger
-- saw after their own watermark (macros/incremental.sql), so a night's build reads that
-- night's files, not the history. Files are never rewritten, except when a member is
-- forgotten, and that rebuilds everything (pipelines/storage/forget.py).
{{ config(materialized=incremental_materialization(), incremental_strategy='append') }}
{%- set found = [] %}
{%- for source_name in acacia_sources() %}
  {%- for table in setting('landing_columns') %}
    {%- do found.append(
        "select '" ~ source_name ~ "' as source, '" ~ table ~ "' as table_name, file from ("
        ~ landed_files_in(setting('landing') ~ "/" ~ source_name ~ "/" ~ table ~ "/") ~ ")") %}
  {%- endfor %}
{%- endfor %}
with found as (
    {{ found | join('\n    union all\n    ') }}
)

select source, table_name, file, cast({{ setting('batch') }} as bigint) as batch
from found
where file not like '%/_contract.parquet'
{%- if is_incremental() %}
    and file not in (select file from {{ this }})
{%- endif %}
