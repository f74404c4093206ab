"""The landing zone: append-only Parquet files per source and table, plus cursors.

Layout under ``data/landing``::

    <source>/activities/<run>-<seq>.parquet
    <source>/identities/<run>-<seq>.parquet
    <source>/rejects/<run>-<seq>.parquet     items a connector could not read, raw


Each flush writes new files (to a temporary name, then an atomic rename) and only then
commits the cursors of the batches inside them (``data/state/<source>.json``, also
replaced atomically). So a cursor is never ahead of landed data: a run killed half-way
loses at most the rows it had not flushed, and the next run fetches them again.
Duplicates that this can create are removed by the staging models (latest fetch wins).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from connectors import clock
from connectors.batch import Reject
from connectors.records import Activity, Identity, as_row
from connectors.redact import redact

_TEXT, _TIME = pa.string(), pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "activities": pa.schema(
        [
            ("source", _TEXT),
            ("activity_id", _TEXT),
            ("type", _TEXT),
            ("occurred_at", _TIME),
            ("actor", _TEXT),
            ("channel", _TEXT),
            ("url", _TEXT),
            ("title", _TEXT),
            ("thread_id", _TEXT),
            ("parent_id", _TEXT),
            ("body", _TEXT),
            ("extra", _TEXT),
            ("is_deleted", pa.bool_()),
            ("fetched_at", _TIME),
            ("run_id", _TEXT),
        ]
    ),
    "identities": pa.schema(
        [
            ("source", _TEXT),
            ("source_user_id", _TEXT),
            ("username", _TEXT),
            ("display_name", _TEXT),
            ("email", _TEXT),
            ("company", _TEXT),
            ("location", _TEXT),
            ("timezone", _TEXT),
            ("is_bot", pa.bool_()),
            ("is_deleted", pa.bool_()),
            ("is_staff", pa.bool_()),
            ("profile_url", _TEXT),
            ("avatar_url", _TEXT),
            ("has_profile", pa.bool_()),
            ("extra", _TEXT),
            ("fetched_at", _TIME),
            ("run_id", _TEXT),
        ]
    ),
}


#: Items set aside (connectors.batch.Reject): not part of the models' contract, kept for
#: a person to look at (``acacia rejects``) and counted in the sync status.
REJECTS_SCHEMA = pa.schema(
    [
        ("source", _TEXT),
        ("stream", _TEXT),
        ("scope", _TEXT),
        ("reason", _TEXT),
        ("item", _TEXT),  # the item as the API sent it, as JSON
        ("fetched_at", _TIME),
        ("run_id", _TEXT),
    ]
)
TABLE_SCHEMAS = {**SCHEMAS, "rejects": REJECTS_SCHEMA}


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) while in the block; the
    system releases it when the process dies, so a crash never leaves it held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


SUPPRESSED = "suppressed.json"  # in the state folder


def fingerprint(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


class SuppressionList:
    """Hashes of forgotten accounts and emails; checked before anything is landed."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / SUPPRESSED
        self.hashes: set[str] = set()
        if self.path.exists():
            self.hashes = set(json.loads(self.path.read_text())["hashes"])

    def add(self, identity_keys: set[str], emails: set[str]) -> None:
        self.hashes |= {fingerprint("identity", k) for k in identity_keys}
        self.hashes |= {fingerprint("email", e) for e in emails}
        atomic_write_text(self.path, json.dumps({"hashes": sorted(self.hashes)}, indent=1))

    def identity(self, source: str, user_id: str) -> bool:
        return bool(self.hashes) and fingerprint("identity", f"{source}:{user_id}") in self.hashes

    def email(self, email: str | None) -> bool:
        return bool(self.hashes and email) and fingerprint("email", email) in self.hashes


class CursorStore:
    """Per-source stream cursors in ``<state_dir>/<source>.json``."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def load(self, source: str) -> dict[str, dict[str, Any]]:
        path = self.state_dir / f"{source}.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def save(self, source: str, state: dict[str, dict[str, Any]]) -> None:
        atomic_write_text(
            self.state_dir / f"{source}.json", json.dumps(state, indent=1, sort_keys=True)
        )


class SyncStatus:
    """When each source last synced, and how it went, in ``<state_dir>/sync_status.json``.

    Written after every sync attempt (by the Dagster asset and ``acacia sync`` alike) and
    published with the marts, so every page of the dashboard can say how fresh its data
    is and which source failed. Messages are the connectors' own errors, which never
    carry secrets."""

    FILE = "sync_status.json"

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / self.FILE

    def load(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    #: What a sync counts, summed over its attempts (a retry adds to the first try).
    COUNTS = (
        "activities_landed",
        "identities_landed",
        "items_rejected",
        "files_written",
        "api_requests",
    )

    def so_far(self, source: str, sync_id: str | None) -> dict[str, int]:
        """What the earlier attempts of the sync ``sync_id`` did (its counts and how many
        attempts there were); nothing for a new sync."""
        entry = self.load().get(source, {})
        same = sync_id is not None and entry.get("sync_id") == sync_id
        return {key: int(entry.get(key) or 0) if same else 0 for key in (*self.COUNTS, "attempts")}

    def record(
        self,
        source: str,
        *,
        status: str,
        message: str = "",
        counts: dict[str, int] | None = None,
        sync_id: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record an attempt of the sync ``sync_id``: ``status`` is ok, rate_limited or
        failed; ``counts`` (keys of COUNTS, and attempts) are the whole sync's so far."""
        entries = self.load()
        when = (at or clock.now()).isoformat()
        entry = entries.get(source, {})
        entry.update(
            {key: 0 for key in self.COUNTS},
            source=source,
            sync_id=sync_id,
            last_attempt_at=when,
            status=status,
            message=redact(message),
        )
        entry.update(counts or {})
        if status != "failed":
            entry["last_success_at"] = when
        entry.setdefault("last_success_at", None)
        entries[source] = entry
        atomic_write_text(self.path, json.dumps(entries, indent=1, sort_keys=True))
        return entry


class LandingZone:
    """Appends records of one source to new Parquet files; never rewrites old ones."""

    def __init__(self, root: Path) -> None:
        self.root = root

    #: A zero-row file that table folders of older workspaces hold (staging used to read
    #: every folder through a glob); it is no landed file.
    CONTRACT_FILE = "_contract.parquet"

    def files(self, source: str, table: str) -> list[Path]:
        """The table's landed files."""
        folder = self.root / source / table
        return sorted(p for p in folder.glob("*.parquet") if p.name != self.CONTRACT_FILE)

    def write(self, source: str, table: str, rows: list[dict[str, Any]], name: str) -> Path:
        folder = self.root / source / table
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.parquet"
        tmp = folder / f".{name}.parquet.tmp"
        table_data = pa.Table.from_pylist(rows, schema=TABLE_SCHEMAS[table])
        pq.write_table(table_data, tmp, compression="zstd")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        return target

    def query(
        self, source: str, table: str, sql: str, params: list[Any] | None = None
    ) -> list[tuple]:
        """Run ``sql`` over a table's landed files, which it reads as ``landed``."""
        files = self.files(source, table)
        if not files:
            return []
        with duckdb.connect() as con:
            return con.execute(
                "with landed as (select * from read_parquet(?, union_by_name = true)) " + sql,
                [[str(f) for f in files], *(params or [])],
            ).fetchall()

    def actors_without_profile(self, source: str) -> set[str]:
        """Actors of landed activities with no landed full profile (has_profile)."""
        activities = self.files(source, "activities")
        if not activities:
            return set()
        identities = self.files(source, "identities")
        with duckdb.connect() as con:
            sql = "select distinct actor from read_parquet(?, union_by_name = true)"
            params: list[Any] = [[str(f) for f in activities]]
            if identities:
                sql += (
                    " where actor not in (select source_user_id from read_parquet(?, "
                    "union_by_name = true) where has_profile)"
                )
                params.append([str(f) for f in identities])
            return {row[0] for row in con.execute(sql, params).fetchall()}

    def known_profiles(self, source: str, fetched_after: datetime) -> set[str]:
        """User ids whose full profile was landed after ``fetched_after``."""
        rows = self.query(
            source,
            "identities",
            "select distinct source_user_id from landed where has_profile and fetched_at >= ?",
            [fetched_after],
        )
        return {row[0] for row in rows}


class Lander:
    """Buffers connector batches; each flush lands files, then commits their cursors.

    ``flush_rows`` bounds both memory and the work a crash can cost.
    """

    def __init__(
        self, zone: LandingZone, cursors: CursorStore, source: str, flush_rows: int = 20_000
    ) -> None:
        self.zone, self.cursors, self.source = zone, cursors, source
        self.flush_rows = flush_rows
        self.state = cursors.load(source)
        self.suppressed = SuppressionList(cursors.state_dir)
        # Named by arrival, so that files sort in the order they were fetched.
        self.run_id = f"{clock.arrival_time():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        self.landed = {"activities": 0, "identities": 0, "rejects": 0}
        self.files: list[Path] = []
        self._rows: dict[str, list[dict[str, Any]]] = {t: [] for t in self.landed}
        self._pending_state: dict[str, dict[str, Any]] = {}
        self._seq = 0

    def add(
        self,
        activities: Iterable[Activity],
        identities: Iterable[Identity],
        key: str | None = None,
        state: dict[str, Any] | None = None,
        rejects: Iterable[Reject] = (),
    ) -> None:
        if self.suppressed.hashes:  # forgotten people never land again
            activities = [a for a in activities if not self.suppressed.identity(a.source, a.actor)]
            identities = [
                i
                for i in identities
                if not self.suppressed.identity(i.source, i.source_user_id)
                and not self.suppressed.email(i.email)
            ]
        now = clock.arrival_time()
        for table, records in (("activities", activities), ("identities", identities)):
            for record in records:
                row = as_row(record)
                row["fetched_at"], row["run_id"] = now, self.run_id
                self._rows[table].append(row)
        for reject in rejects:
            row = reject.as_row(self.source)
            row["fetched_at"], row["run_id"] = now, self.run_id
            self._rows["rejects"].append(row)
        if key is not None and state is not None:
            self._pending_state[key] = state
        if sum(len(rows) for rows in self._rows.values()) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        """Land what is buffered, then commit the cursors that came with it."""
        for table, rows in self._rows.items():
            if rows:
                self._seq += 1
                self.files.append(
                    self.zone.write(self.source, table, rows, f"{self.run_id}-{self._seq:05d}")
                )
                self.landed[table] += len(rows)
                self._rows[table] = []
        if self._pending_state:
            self.state.update(self._pending_state)
            self.cursors.save(self.source, self.state)
            self._pending_state = {}
