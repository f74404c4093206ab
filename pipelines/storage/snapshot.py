"""Publishing: a read-only snapshot of the marts for the dashboard and other readers.

DuckDB lets one process write a file or many read it, never both. So readers never
open the warehouse that dbt writes: after a successful build the warehouse file is
copied to a new file under ``serving/`` (a file copy: re-writing ten million rows table
by table took 25 seconds), everything but the marts is dropped from the copy (the
warehouse stores only views besides them), the marts are made visible under their bare
names, and the ``CURRENT`` pointer is replaced atomically. A reader resolves the
pointer and opens that snapshot read-only (a snapshot is never written again, so a
reader may keep it open). Older snapshots are kept for a grace period so that a reader
who resolved the pointer just before a swap still finds its file, then removed (on
Linux, a reader that still has one open keeps reading it). A failed build publishes
nothing, so the last good snapshot stays in place.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from connectors.core import clock
from pipelines.storage.landing import file_lock

POINTER = "CURRENT"
KEEP_SECONDS = 15 * 60


SYNC_STATUS_COLUMNS = {
    "source": "varchar",
    "last_attempt_at": "timestamptz",
    "last_success_at": "timestamptz",
    "status": "varchar",
    "message": "varchar",
    "activities_landed": "bigint",
    "items_rejected": "bigint",
}


def publish_workspace(config: Any) -> Path:
    """Publish ``config``'s workspace: its warehouse's marts, with the sources' sync
    status read from the workspace itself (so every snapshot carries it, whoever
    publishes: the nightly job, a decision, a rebuild)."""
    from pipelines.storage.landing import SyncStatus

    status = SyncStatus(config.storage.sync_state()).load()
    return publish(
        config.storage.warehouse(), config.storage.serving(), sync_status=list(status.values())
    )


def publish(
    warehouse: Path,
    serving_dir: Path,
    schema: str = "marts",
    sync_status: list[dict[str, Any]] | None = None,
) -> Path:
    """Copy the warehouse, keeping only ``schema``, into a new snapshot and point CURRENT
    at it (a workspace publishes with :func:`publish_workspace`). ``sync_status``
    (pipelines.storage.landing.SyncStatus entries) goes in as the ``_sync_status`` table, for
    the freshness line of every dashboard page.

    One publish at a time (a lock file): what an interrupted one left (a half-written
    copy of the warehouse, with every member's data in it) is removed first."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    with publishing(serving_dir):
        remove_unfinished(serving_dir)
        return _publish(warehouse, serving_dir, schema, sync_status)


def publishing(serving_dir: Path) -> AbstractContextManager[None]:
    """Hold the serving folder's publish lock (released when the process dies)."""
    return file_lock(serving_dir / ".publish.lock")


def remove_unfinished(serving_dir: Path) -> list[Path]:
    """Remove the copies an interrupted publish left (``.acacia-….duckdb.tmp`` and its
    write-ahead log). Call with the publish lock held: then none of them is in use."""
    removed = []
    for path in serving_dir.glob(".acacia-*.tmp*"):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _publish(
    warehouse: Path, serving_dir: Path, schema: str, sync_status: list[dict[str, Any]] | None
) -> Path:
    published_at = clock.now()
    snapshot = serving_dir / f"acacia-{published_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}.duckdb"
    tmp = serving_dir / f".{snapshot.name}.tmp"
    # A consistent file to copy: anything still in the write-ahead log goes into it.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")
    shutil.copyfile(warehouse, tmp)
    try:
        with duckdb.connect(str(tmp)) as con:
            tables = [
                row[0]
                for row in con.execute(
                    "select table_name from duckdb_tables() where schema_name = ? "
                    "union select view_name from duckdb_views() where schema_name = ? "
                    "order by 1",
                    [schema, schema],
                ).fetchall()
            ]
            if not tables:
                raise RuntimeError(
                    f"nothing to publish: the warehouse {warehouse} has no "
                    f"tables in schema {schema!r}; run the models first"
                )
            others = con.execute(
                "select schema_name from duckdb_schemas() where database_name = "
                "current_database() and schema_name not in (?, 'main') and not internal",
                [schema],
            ).fetchall()
            for (other,) in others:
                con.execute(f'drop schema "{other}" cascade')
            for table in tables:
                con.execute(f'create view main."{table}" as select * from {schema}."{table}"')
            con.execute(
                "create table main._snapshot as select ?::timestamptz as published_at",
                [published_at],
            )
            columns = ", ".join(f"{n} {t}" for n, t in SYNC_STATUS_COLUMNS.items())
            con.execute(f"create table main._sync_status ({columns})")
            rows = [[entry.get(n) for n in SYNC_STATUS_COLUMNS] for entry in sync_status or []]
            marks = ", ".join("?" * len(SYNC_STATUS_COLUMNS))
            if rows:
                con.executemany(f"insert into main._sync_status values ({marks})", rows)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, snapshot)
    pointer_tmp = serving_dir / f".{POINTER}.{uuid.uuid4().hex}"
    pointer_tmp.write_text(snapshot.name)
    os.replace(pointer_tmp, serving_dir / POINTER)
    remove_old_snapshots(serving_dir)
    return snapshot


def open_snapshot(snapshot: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a snapshot, in UTC: a timestamp's day is its UTC day
    whatever the machine's time zone (DuckDB would otherwise use the local one)."""
    con = duckdb.connect(str(snapshot), read_only=True)
    # Global, so that its cursors (the dashboard's queries) are in UTC too; not in
    # connect's config, which is read before ICU loads.
    con.execute("set global TimeZone = 'UTC'")
    return con


def as_of_date(con: duckdb.DuckDBPyConnection) -> date:
    """The day a snapshot's windows end on (its build_info mart); for a snapshot
    published before that mart existed, the day it was published."""
    try:
        return con.execute("select as_of_date from build_info").fetchone()[0]
    except duckdb.CatalogException:
        return con.execute("select published_at from _snapshot").fetchone()[0].date()


def current_snapshot(serving_dir: Path) -> Path | None:
    """The snapshot readers should open now, or None if nothing was published yet."""
    try:
        name = (serving_dir / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    path = serving_dir / name
    return path if path.exists() else None


def remove_old_snapshots(serving_dir: Path, keep_seconds: float = KEEP_SECONDS) -> list[Path]:
    """Remove snapshots that are neither current nor younger than the grace period."""
    current = current_snapshot(serving_dir)
    removed = []
    for path in serving_dir.glob("acacia-*.duckdb"):
        if path != current and time.time() - path.stat().st_mtime > keep_seconds:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
