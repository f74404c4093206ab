"""A large synthetic community written straight into the landing zone (no APIs), for
benchmarks: ``n`` activities across the six sources, long-tailed over about ``n / 50``
people, a third of whom share an email across two sources. Built with DuckDB SQL (hashes
of row numbers instead of a random generator), so ten million rows take seconds and the
same size always gives the same community."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from connectors.records import SOURCE_ACTIVITY_TYPES


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_synthetic_community(
    landing: Path,
    activities: int,
    *,
    end: datetime | None = None,
    days: int = 365,
    part: str = "synthetic",
) -> dict[str, int]:
    """Write ``activities`` activities (and their people) under ``landing``; returns the
    activities written per source. ``part`` names the files, so a later call with another
    part appends (a nightly increment)."""
    end = end or datetime.now(UTC)
    people = max(activities // 50, 10)
    per_source = activities // len(SOURCE_ACTIVITY_TYPES)
    written = {}
    with duckdb.connect() as con:
        for number, (source, types) in enumerate(SOURCE_ACTIVITY_TYPES.items()):
            folder = landing / source
            (folder / "activities").mkdir(parents=True, exist_ok=True)
            (folder / "identities").mkdir(parents=True, exist_ok=True)
            type_list = "[" + ", ".join(f"'{t}'" for t in types) + "]"
            offset = number * per_source + zlib.crc32(part.encode()) * 1_000_000_000
            con.execute(f"""
                copy (
                    select
                        '{source}' as source,
                        '{part}-' || i as activity_id,
                        {type_list}[1 + cast(hash(i, 1) % {len(types)} as bigint)] as type,
                        timestamptz '{end.isoformat()}'
                            - to_seconds(cast(hash(i, 2) % {days * 86400} as bigint))
                            as occurred_at,
                        -- Long tail: a few people do most of the work.
                        'u' || cast(floor(pow(cast(hash(i, 3) % 1000000 as bigint) / 1e6, 3)
                                          * {people}) as bigint) as actor,
                        'channel-' || cast(hash(i, 4) % 20 as bigint) as channel,
                        null::varchar as url, null::varchar as title,
                        '{source}-thread-' || cast(hash(i, 5) % {max(per_source // 8, 1)} as bigint)
                            as thread_id,
                        null::varchar as parent_id, null::varchar as body,
                        '{{}}' as extra,
                        now() as fetched_at, '{part}' as run_id
                    from range({offset}, {offset + per_source}) as t(i)
                ) to {_quote(folder / "activities" / f"{part}.parquet")} (format parquet)""")
            con.execute(f"""
                copy (
                    select
                        '{source}' as source, 'u' || p as source_user_id,
                        'user' || p as username,
                        'Person ' || p || ' ' || chr(cast(65 + p % 26 as integer))
                            || chr(cast(97 + p % 23 as integer)) as display_name,
                        case when p % 3 = 0 then 'p' || p || '@org' || p % 1000 || '.com'
                        end as email,
                        case when p % 10 = 0 then 'Org ' || p % 1000 end as company,
                        null::varchar as location, null::varchar as timezone,
                        false as is_bot, false as is_deleted, false as is_staff,
                        null::varchar as profile_url, null::varchar as avatar_url,
                        true as has_profile, '{{}}' as extra,
                        now() as fetched_at, '{part}' as run_id
                    from range({people}) as t(p)
                    -- each person is on some of the sources
                    where cast(hash(p, {number}) % 3 as bigint) <> 0
                ) to {_quote(folder / "identities" / f"{part}.parquet")} (format parquet)""")
            written[source] = per_source
    return written


def write_organizations(path: Path, count: int) -> None:
    """organizations.yml for the synthetic community: ``count`` organizations."""
    import yaml

    path.write_text(
        yaml.safe_dump(
            {
                "organizations": [
                    {"name": f"Org {i}", "domains": [f"org{i}.com"], "aliases": [f"Org {i} Inc."]}
                    for i in range(count)
                ]
            }
        )
    )
