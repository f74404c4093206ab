"""The landing zone: append-only Parquet files per source and table, plus cursors.

Both live in one folder, ``storage.landing_url``: the data folder by default, or a URL
of object storage (``s3://bucket/prefix``; connectors/core/folders.py). Layout under its
``landing/``::

    <source>/activities/<run>-<seq>.parquet
    <source>/identities/<run>-<seq>.parquet
    <source>/feedback/<run>-<seq>.parquet    responses to events' surveys
    <source>/listings/<run>-<seq>.parquet    events as the source lists them
    <source>/rejects/<run>-<seq>.parquet     items a connector could not read, raw


Each flush writes new files (each appears whole or not at all: Folder.write_parquet) and
only then commits the cursors of the batches inside them (``state/<source>.json``, also
replaced whole). So a cursor is never ahead of landed data: a run killed half-way
loses at most the rows it had not flushed, and the next run fetches them again.
Duplicates that this can create are removed by the staging models (latest fetch wins).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from connectors.core import clock
from connectors.core.batch import Reject
from connectors.core.folders import Folder
from connectors.core.records import CONTRACT, Activity, Feedback, Identity, Listing, as_row
from connectors.core.redact import redact

_TEXT, _TIME = pa.string(), pa.timestamp("us", tz="UTC")
#: The Arrow type of each kind of the record contract.
ARROW_TYPES = {"text": _TEXT, "timestamp": _TIME, "boolean": pa.bool_(), "number": pa.float64()}
#: Each landed table's schema: the record contract (connectors/core/records.py CONTRACT).
SCHEMAS = {
    table: pa.schema([(name, ARROW_TYPES[kind]) for name, kind in columns])
    for table, columns in CONTRACT.items()
}


#: Items set aside (connectors.core.batch.Reject): not part of the models' contract, kept for
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
    """Replace a local file whole (readers never see a part of it)."""
    Folder(path.parent).write_text(text, path.name)


SUPPRESSED = "suppressed.json"  # in the state folder


def fingerprint(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


class SuppressionList:
    """Hashes of forgotten accounts and emails; checked before anything is landed."""

    def __init__(self, state: Folder | Path | str) -> None:
        self.folder = Folder(state)
        text = self.folder.read_text(SUPPRESSED)
        self.hashes: set[str] = set(json.loads(text)["hashes"]) if text else set()

    def add(self, identity_keys: set[str], emails: set[str]) -> None:
        self.hashes |= {fingerprint("identity", k) for k in identity_keys}
        self.hashes |= {fingerprint("email", e) for e in emails}
        self.folder.write_text(json.dumps({"hashes": sorted(self.hashes)}, indent=1), SUPPRESSED)

    def identity(self, source: str, user_id: str) -> bool:
        return bool(self.hashes) and fingerprint("identity", f"{source}:{user_id}") in self.hashes

    def email(self, email: str | None) -> bool:
        return bool(self.hashes and email) and fingerprint("email", email) in self.hashes


class CursorStore:
    """Per-source stream cursors in ``state/<source>.json``, each replaced whole."""

    def __init__(self, state: Folder | Path | str) -> None:
        self.folder = Folder(state)

    def load(self, source: str) -> dict[str, dict[str, Any]]:
        text = self.folder.read_text(f"{source}.json")
        return json.loads(text) if text else {}

    def save(self, source: str, state: dict[str, dict[str, Any]]) -> None:
        self.folder.write_text(json.dumps(state, indent=1, sort_keys=True), f"{source}.json")


class SyncStatus:
    """When each source last synced, and how it went, in ``state/sync_status.json``.

    Written after every sync attempt (by the Dagster asset and ``acacia sync`` alike) and
    published with the marts, so every page of the dashboard can say how fresh its data
    is and which source failed. Messages are the connectors' own errors, which never
    carry secrets."""

    FILE = "sync_status.json"

    def __init__(self, state: Folder | Path | str) -> None:
        self.folder = Folder(state)

    def load(self) -> dict[str, dict[str, Any]]:
        text = self.folder.read_text(self.FILE)
        return json.loads(text) if text else {}

    #: What a sync counts, summed over its attempts (a retry adds to the first try).
    COUNTS = (
        "activities_landed",
        "identities_landed",
        "feedback_landed",
        "listings_landed",
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
        self.folder.write_text(json.dumps(entries, indent=1, sort_keys=True), self.FILE)
        return entry


class LandingZone:
    """Appends records of one source to new Parquet files; never rewrites old ones.

    ``root`` is the landing folder (``landing/`` of ``storage.landing_url``)."""

    def __init__(self, root: Folder | Path | str) -> None:
        self.root = Folder(root)

    #: A zero-row file that table folders of older workspaces hold (staging used to read
    #: every folder through a glob); it is no landed file.
    CONTRACT_FILE = "_contract.parquet"

    def sources(self) -> list[str]:
        """The sources with a folder in the landing zone."""
        return self.root.folders()

    def names(self, source: str, table: str) -> list[str]:
        """The names of the table's landed files, in the order they landed."""
        names = self.root.files(source, table, suffix=".parquet")
        return [name for name in names if name != self.CONTRACT_FILE]

    def files(self, source: str, table: str) -> list[str]:
        """The table's landed files, as DuckDB or pyarrow read them (a path or a URL)."""
        return [self.root.uri(source, table, name) for name in self.names(source, table)]

    def write(self, source: str, table: str, rows: list[dict[str, Any]], name: str) -> str:
        table_data = pa.Table.from_pylist(rows, schema=TABLE_SCHEMAS[table])
        self.root.write_parquet(table_data, source, table, f"{name}.parquet")
        return self.root.uri(source, table, f"{name}.parquet")

    def dataset(self, source: str, table: str) -> ds.Dataset:
        """The table's landed files as one dataset of the contract's columns (a column
        that files of an older contract lack reads as null)."""
        paths = [self.root.path(source, table, name) for name in self.names(source, table)]
        return ds.dataset(
            paths, schema=TABLE_SCHEMAS[table], format="parquet", filesystem=self.root.fs
        )

    def query(
        self, source: str, table: str, sql: str, params: list[Any] | None = None
    ) -> list[tuple]:
        """Run ``sql`` over a table's landed files, which it reads as ``landed``."""
        with duckdb.connect() as con:
            con.register("landed", self.dataset(source, table))
            return con.execute(sql, params or []).fetchall()

    def actors_without_profile(self, source: str) -> set[str]:
        """Actors of landed activities with no landed full profile (has_profile)."""
        with duckdb.connect() as con:
            con.register("activities", self.dataset(source, "activities"))
            con.register("identities", self.dataset(source, "identities"))
            rows = con.execute(
                "select distinct actor from activities where actor not in "
                "(select source_user_id from identities where has_profile)"
            ).fetchall()
        return {row[0] for row in rows}

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
        self.suppressed = SuppressionList(cursors.folder)
        # Named by arrival, so that files sort in the order they were fetched.
        self.run_id = f"{clock.arrival_time():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        self.landed = {"activities": 0, "identities": 0, "feedback": 0, "listings": 0, "rejects": 0}
        self.files: list[str] = []
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
        feedback: Iterable[Feedback] = (),
        listings: Iterable[Listing] = (),
    ) -> None:
        if self.suppressed.hashes:  # forgotten people never land again
            activities = [a for a in activities if not self.suppressed.identity(a.source, a.actor)]
            identities = [
                i
                for i in identities
                if not self.suppressed.identity(i.source, i.source_user_id)
                and not self.suppressed.email(i.email)
            ]
            feedback = [
                f
                for f in feedback
                if f.respondent is None or not self.suppressed.identity(f.source, f.respondent)
            ]
        now = clock.arrival_time()
        tables = (
            ("activities", activities),
            ("identities", identities),
            ("feedback", feedback),
            ("listings", listings),
        )
        for table, records in tables:
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
