"""A large synthetic community written straight into the landing zone (no APIs), for
benchmarks: ``n`` activities across the sources, long-tailed over about ``n / 50``
people. Built with DuckDB SQL (hashes of row numbers instead of a random generator), so
ten million rows take seconds and the same size always gives the same community.

People look like a real community's, so identity resolution does realistic work: names
are made of syllables (1,600 first names, 64,000 last names, so a few people share a
name, as in life); a third of the people use one email on several sources; on each
source a person keeps their usual handle six times in ten, otherwise adds digits; one
identity in twenty has no display name."""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path

import duckdb

from connectors.core import clock
from connectors.core.registry import source_activity_types

SYLLABLES = [
    *("ka", "lo", "mi", "ra", "ne", "to", "su", "vi", "da", "el", "an", "jo", "ri", "ma"),
    *("le", "sa", "ni", "ko", "be", "ta", "ho", "li", "me", "ro", "za", "fe", "gu", "pa"),
    *("de", "si", "mo", "ju", "wa", "ye", "xi", "bo", "cu", "ga", "ha", "te"),
]


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _draw(column: str, salt: int, modulo: int) -> str:
    """SQL for a number in [0, modulo) drawn from ``column``: a different, independent
    draw for every salt (hashing the row's hash plus the salt)."""
    return f"cast(hash(hash({column}) // 2 + {salt}) % {modulo} as bigint)"


def _pick(words: list[str], column: str, salt: int) -> str:
    """SQL picking one of ``words`` by a draw from ``column``."""
    listed = "[" + ", ".join(f"'{w}'" for w in words) + "]"
    return f"{listed}[1 + {_draw(column, salt, len(words))}]"


def write_synthetic_community(
    landing: Path,
    activities: int,
    *,
    end: datetime | None = None,
    days: int = 365,
    part: str = "synthetic",
    people: int | None = None,
    first_person: int = 0,
) -> dict[str, int]:
    """Write ``activities`` activities (and their people) under ``landing``; returns the
    activities written per source. ``part`` names the files, so a later call with another
    part appends (a nightly increment).

    The activities are spread over the ``days`` days up to ``end`` and done by ``people``
    people (``activities / 50`` by default); the accounts of the people numbered from
    ``first_person`` are written too. A night adds a day's activities of the whole
    community and the accounts of its newcomers: ``people`` the community's size with
    them, ``first_person`` the first newcomer."""
    end = end or clock.now()
    people = people or max(activities // 50, 10)
    # The sources that record activities (a calendar feed lists events only).
    active = {name: types for name, types in source_activity_types().items() if types}
    sources = len(active)
    # Spread as evenly as the count allows: the first sources take one more each.
    counts = [activities // sources + (n < activities % sources) for n in range(sources)]
    per_source = counts[0]
    written = {}
    with duckdb.connect() as con:
        con.execute(f"""
            create temp table people as
            with named as (
                select p,
                    {_pick(SYLLABLES, "p", 1)} || {_pick(SYLLABLES, "p", 2)} as first_name,
                    {_pick(SYLLABLES, "p", 3)} || {_pick(SYLLABLES, "p", 4)}
                        || {_pick(SYLLABLES, "p", 5)} as last_name
                from range({people}) as t(p)
            )
            select p,
                upper(first_name[1]) || first_name[2:] || ' '
                    || upper(last_name[1]) || last_name[2:] as name,
                first_name || last_name as handle
            from named
            where p >= {first_person}""")
        for number, (source, types) in enumerate(active.items()):
            folder = landing / source
            (folder / "activities").mkdir(parents=True, exist_ok=True)
            (folder / "identities").mkdir(parents=True, exist_ok=True)
            first = sum(counts[:number]) + zlib.crc32(part.encode()) * 1_000_000_000
            con.execute(f"""
                copy (
                    select
                        '{source}' as source,
                        '{part}-' || i as activity_id,
                        {_pick(list(types), "i", 1)} as type,
                        timestamptz '{end.isoformat()}'
                            - to_seconds({_draw("i", 2, days * 86400)}) as occurred_at,
                        -- Long tail: a few people do most of the work.
                        'u' || cast(floor(pow({_draw("i", 3, 1_000_000)} / 1e6, 3) * {people})
                                    as bigint) as actor,
                        'channel-' || {_draw("i", 4, 20)} as channel,
                        null::varchar as url, null::varchar as title,
                        '{source}-thread-' || {_draw("i", 5, max(per_source // 8, 1))}
                            as thread_id,
                        null::varchar as parent_id, null::varchar as body,
                        '{{}}' as extra,
                        now() as fetched_at, '{part}' as run_id
                    from range({first}, {first + counts[number]}) as t(i)
                ) to {_quote(folder / "activities" / f"{part}.parquet")} (format parquet)""")
            con.execute(f"""
                copy (
                    select
                        '{source}' as source, 'u' || p as source_user_id,
                        case when {_draw("p", number * 100 + 7, 10)} < 6 then handle
                             else handle || {_draw("p", number * 100 + 8, 1000)}
                        end as username,
                        case when {_draw("p", number * 100 + 9, 20)} > 0 then name
                        end as display_name,
                        case when p % 3 = 0 then 'p' || p || '@org' || p % 1000 || '.com'
                        end as email,
                        case when p % 10 = 0 then 'Org ' || p % 1000 end as company,
                        null::varchar as location, null::varchar as timezone,
                        false as is_bot, false as is_deleted, false as is_staff,
                        null::varchar as profile_url, null::varchar as avatar_url,
                        true as has_profile, '{{}}' as extra,
                        now() as fetched_at, '{part}' as run_id
                    from people
                    -- each person is on some of the sources
                    where {_draw("p", number * 100, 3)} <> 0
                ) to {_quote(folder / "identities" / f"{part}.parquet")} (format parquet)""")
            written[source] = counts[number]
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
