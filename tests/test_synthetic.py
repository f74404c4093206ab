"""The synthetic community generator used by the scale benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from connectors.core.registry import source_activity_types
from sample.synthetic import write_synthetic_community


def test_writes_the_landing_contract_deterministically(tmp_path):
    end = datetime(2026, 6, 1, tzinfo=UTC)
    written = write_synthetic_community(tmp_path / "a", 6_000, end=end)
    write_synthetic_community(tmp_path / "b", 6_000, end=end)
    assert sum(written.values()) == 6_000
    with duckdb.connect() as con:

        def rows(root, table):
            return con.execute(
                f"select * exclude (fetched_at) from read_parquet('{root}/*/{table}/*.parquet') "
                "order by all"
            ).fetchall()

        assert rows(tmp_path / "a", "activities") == rows(tmp_path / "b", "activities")
        types = dict(
            con.execute(
                f"select source, list(distinct type) from read_parquet("
                f"'{tmp_path / 'a'}/*/activities/*.parquet') group by 1"
            ).fetchall()
        )
        actors = con.execute(
            f"select count(*) from read_parquet('{tmp_path / 'a'}/*/activities/*.parquet') "
            f"where actor = 'u0'"
        ).fetchone()[0]
    for source, found in types.items():
        assert set(found) <= set(source_activity_types()[source])
    assert actors > 6_000 / 120 * 5  # long tail: the first person is far above average


def test_people_look_like_a_real_community(tmp_path):
    """Mostly distinct names (a few shared, as in life), handles kept across sources only
    some of the time: identity resolution gets realistic work, not millions of pairs."""
    write_synthetic_community(tmp_path, 500_000, end=datetime(2026, 6, 1, tzinfo=UTC))
    with duckdb.connect() as con:
        people, names, nameless, handles = con.execute(
            f"""
            select count(distinct source_user_id), count(distinct display_name),
                   count(*) filter (where display_name is null) / count(*),
                   count(distinct username) / count(distinct source_user_id)
            from read_parquet('{tmp_path}/*/identities/*.parquet')"""
        ).fetchone()
    assert names > 0.95 * people  # 10,000 people: a handful share a name
    assert 0.02 < nameless < 0.08  # one identity in twenty has no display name
    # A person's handle differs on some sources: at most one variant for every other one.
    assert 1.2 < handles < len(source_activity_types()) / 2
