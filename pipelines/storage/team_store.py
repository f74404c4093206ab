"""The team's own data: merge decisions, tags, notes, follow-ups and saved lists.

This is not derived data: people write it, from the dashboard and the command line, and
no rebuild ever overwrites it. It lives in one SQLite file beside the landing zone
(``<data_dir>/team.sqlite``) in WAL mode: readers never wait for a writer, and writers
queue for each other (a busy timeout) inside short transactions, so the dashboard and
the command line writing at the same moment lose nothing. Identity resolution reads the
decisions on every build; the dashboard reads tags, notes and follow-ups at once.

Everything is kept by *identity key* (``github:1234``), not by member id: a member's id
can go when it merges into another, an account's key never does, so a note follows its
account into whatever member it belongs to.

Back it up while it runs with ``acacia backup`` (SQLite's online backup API; a plain
file copy of a WAL database can miss the last writes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.core import clock
from connectors.core.config import tag_name

DECISIONS = ("merge", "not_same", "split")
FOLLOW_UPS = ("to welcome", "welcomed", "reached out", "no reply", "done")
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
create table if not exists decisions (
    id integer primary key,
    kind text not null check (kind in ('merge', 'not_same', 'split')),
    identity_a text not null,
    identity_b text,
    suggestion_id text,
    author text not null,
    decided_at text not null,
    undone_by text,
    undone_at text
);
create table if not exists tags (
    identity_key text not null,
    tag text not null,
    author text not null,
    tagged_at text not null,
    primary key (identity_key, tag)
);
create table if not exists notes (
    id integer primary key,
    identity_key text not null,
    author text not null,
    written_at text not null,
    body text not null
);
create table if not exists follow_ups (
    id integer primary key,
    identity_key text not null,
    status text not null,
    author text not null,
    set_at text not null
);
create table if not exists saved_lists (
    name text primary key,
    filter text not null,
    author text not null,
    saved_at text not null
);
create index if not exists notes_by_identity on notes (identity_key);
create index if not exists follow_ups_by_identity on follow_ups (identity_key, id);
"""


class TeamDataError(ValueError):
    """A request the team's data cannot take; the message says what to do instead."""


@dataclass(frozen=True)
class Decision:
    id: int
    kind: str
    identity_a: str
    identity_b: str | None
    suggestion_id: str | None
    author: str
    decided_at: str


def store_path(config: object) -> Path:
    """Where a configuration's team data lives: beside the landing zone."""
    return config.storage.data_dir / "team.sqlite"


class TeamStore:
    """The team's data in one SQLite file. Each method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("pragma journal_mode = wal")
            con.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            con.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("pragma synchronous = normal")
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``begin immediate`` takes the write lock at once, so two
        writers queue instead of one failing half-way."""
        with self._connect() as con:
            con.execute("begin immediate")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")

    @staticmethod
    def _now() -> str:
        return clock.now().isoformat(timespec="seconds")

    @staticmethod
    def _author(author: str) -> str:
        author = (author or "").strip()
        if not author:
            raise TeamDataError("Say who you are: every change is recorded with its author.")
        return author

    # ------------------------------------------------------------------ decisions
    def decide(
        self,
        kind: str,
        identity_a: str,
        identity_b: str | None = None,
        *,
        author: str,
        suggestion_id: str | None = None,
    ) -> Decision:
        """Record a decision: two accounts are one person (``merge``), are not
        (``not_same``), or one account leaves its member and never merges by itself
        again (``split``, which also undoes the merges that named it)."""
        if kind not in DECISIONS:
            raise TeamDataError(f"unknown decision {kind!r}: one of {', '.join(DECISIONS)}")
        if (identity_b is None) != (kind == "split"):
            raise TeamDataError(f"a {kind} decision names {'one' if kind == 'split' else 'two'}")
        author, now = self._author(author), self._now()
        with self._write() as con:
            # The later decision wins: a split undoes the merges that named the account,
            # a merge undoes the splits of its two accounts.
            undone = "merge" if kind == "split" else "split" if kind == "merge" else None
            for key in (identity_a, identity_b) if undone else ():
                con.execute(
                    "update decisions set undone_by = ?, undone_at = ? where kind = ? "
                    "and undone_at is null and ? in (identity_a, identity_b)",
                    [f"{kind} by {author}", now, undone, key],
                )
            cursor = con.execute(
                "insert into decisions (kind, identity_a, identity_b, suggestion_id, author, "
                "decided_at) values (?, ?, ?, ?, ?, ?)",
                [kind, identity_a, identity_b, suggestion_id, author, now],
            )
        return Decision(cursor.lastrowid, kind, identity_a, identity_b, suggestion_id, author, now)

    def undo(self, decision_id: int, *, author: str) -> None:
        author = self._author(author)
        with self._write() as con:
            changed = con.execute(
                "update decisions set undone_by = ?, undone_at = ? "
                "where id = ? and undone_at is null",
                [author, self._now(), decision_id],
            ).rowcount
        if not changed:
            raise TeamDataError(f"no decision {decision_id} to undo")

    def decisions(self) -> list[Decision]:
        """The decisions in force, oldest first."""
        with self._connect() as con:
            rows = con.execute(
                "select id, kind, identity_a, identity_b, suggestion_id, author, decided_at "
                "from decisions where undone_at is null order by id"
            ).fetchall()
        return [Decision(*row) for row in rows]

    # ------------------------------------------------------------------ tags, notes
    def tag(self, identity_key: str, tag: str, *, author: str) -> None:
        tag = normalize_tag(tag)
        with self._write() as con:
            con.execute(
                "insert into tags values (?, ?, ?, ?) on conflict do nothing",
                [identity_key, tag, self._author(author), self._now()],
            )

    def untag(self, identity_keys: Iterable[str], tag: str) -> None:
        keys = list(identity_keys)
        with self._write() as con:
            con.executemany(
                "delete from tags where identity_key = ? and tag = ?",
                [(k, normalize_tag(tag)) for k in keys],
            )

    def note(self, identity_key: str, body: str, *, author: str) -> None:
        if not body.strip():
            raise TeamDataError("A note needs some text.")
        with self._write() as con:
            con.execute(
                "insert into notes (identity_key, author, written_at, body) values (?, ?, ?, ?)",
                [identity_key, self._author(author), self._now(), body.strip()],
            )

    def follow_up(
        self, identity_key: str, status: str, *, author: str, at: datetime | None = None
    ) -> None:
        """Record a follow-up of an account, now or ``at`` an earlier moment (a history
        brought in from elsewhere, such as the sample team's)."""
        if status not in FOLLOW_UPS:
            raise TeamDataError(f"unknown follow-up {status!r}: one of {', '.join(FOLLOW_UPS)}")
        when = self._now() if at is None else clock.utc(at).isoformat(timespec="seconds")
        with self._write() as con:
            con.execute(
                "insert into follow_ups (identity_key, status, author, set_at) values (?, ?, ?, ?)",
                [identity_key, status, self._author(author), when],
            )

    def rows(self, table: str) -> list[tuple]:
        """Every row of ``tags``, ``notes``, ``follow_ups`` (the current status of
        each account: its latest) or ``follow_up_history`` (every status set, in order)."""
        queries = {
            "tags": "select identity_key, tag, author, tagged_at from tags order by 1, 2",
            "notes": "select identity_key, author, written_at, body, id from notes order by id",
            "follow_ups": """
                select identity_key, status, author, set_at from follow_ups
                where id in (select max(id) from follow_ups group by identity_key)
                order by identity_key""",
            "follow_up_history": """
                select identity_key, status, author, set_at from follow_ups order by id""",
        }
        with self._connect() as con:
            return con.execute(queries[table]).fetchall()

    # ------------------------------------------------------------------ saved lists
    def save_list(self, name: str, chosen: dict[str, list[str]], *, author: str) -> None:
        """Save (or replace) the named filter ``chosen`` (SavedList's fields)."""
        import json

        name = " ".join((name or "").split())
        if not name:
            raise TeamDataError("A list needs a name.")
        if not any(chosen.values()):
            raise TeamDataError("Choose at least one tag, place, source, level or event.")
        with self._write() as con:
            con.execute(
                "insert into saved_lists values (?, ?, ?, ?) on conflict (name) do update "
                "set filter = excluded.filter, author = excluded.author, "
                "saved_at = excluded.saved_at",
                [name, json.dumps(chosen, sort_keys=True), self._author(author), self._now()],
            )

    def delete_list(self, name: str) -> None:
        with self._write() as con:
            con.execute("delete from saved_lists where name = ?", [name])

    def saved_lists(self) -> dict[str, dict[str, list[str]]]:
        """name -> its filter, by name."""
        import json

        with self._connect() as con:
            rows = con.execute("select name, filter from saved_lists order by name").fetchall()
        return {name: json.loads(chosen) for name, chosen in rows}

    # ------------------------------------------------------------------ upkeep
    def forget(self, identity_keys: Iterable[str]) -> int:
        """Remove everything the team wrote about these accounts; returns the rows."""
        keys = [[k] for k in identity_keys]
        removed = 0
        with self._write() as con:
            for table in ("tags", "notes", "follow_ups"):
                removed += con.executemany(
                    f"delete from {table} where identity_key = ?", keys
                ).rowcount
            removed += con.executemany(
                "delete from decisions where identity_a = ? or identity_b = ?",
                [k * 2 for k in keys],
            ).rowcount
        return removed

    def backup(self, target: Path) -> Path:
        """A consistent copy while writers go on (SQLite's online backup)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con, sqlite3.connect(target) as copy:
            con.backup(copy)
        return target


def normalize_tag(tag: str) -> str:
    """Tags are short lowercase words: ' Thankful ' -> 'thankful' (the rule is the
    configuration's, connectors/core/config.py ``tag_name``)."""
    try:
        return tag_name(tag)
    except ValueError as error:
        raise TeamDataError(str(error)) from None
