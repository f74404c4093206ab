"""Forgetting a member: the right to be forgotten, everywhere Acacia keeps data.

1. The member's accounts (all identities merged into them) and emails are found.
2. Their hashes go on the suppression list (``data/state/suppressed.json``: hashes of
   ``source:user id`` and of emails, nothing readable), so later syncs drop their records
   before landing them.
3. Every landed file holding one of their rows is rewritten without it (the one
   exception to the append-only landing zone), and the resolution files too.
4. The warehouse (with every incremental model's state) and the log of accounts that
   moved between members are deleted, everything is rebuilt from the landing zone, a new snapshot is
   published, and every older snapshot is removed at once, with whatever an interrupted
   write left anywhere in the data folder (``.*.tmp`` files: a half-published snapshot,
   a landed file never renamed, DuckDB's spill folder).
5. No identifier of theirs is written anywhere on the way: the rebuild's dbt run records
   its own command, not ``acacia forget <email>``.

Their check-ins (attendance landed from the Check-in page) and the feedback they gave
go with their accounts' rows (3.).

What forget cannot reach is the team's own input: an events CSV that lists them is
named in the report, to be edited by hand (the next sync would otherwise skip their
rows anyway: the suppression list holds their emails' hashes).

Other members' data is untouched, including their replies to the forgotten person.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from connectors.core.config import AcaciaConfig
from connectors.core.folders import Folder
from connectors.sources.events import connector as events
from pipelines.storage.landing import LandingZone, SuppressionList
from pipelines.storage.team_store import TeamStore, store_path


@dataclass
class ForgetReport:
    member_id: str
    identities: list[str]
    rows_removed: Counter = field(default_factory=Counter)
    files_rewritten: int = 0
    snapshots_removed: int = 0
    unfinished_removed: int = 0
    #: The team's own files that still name them (events CSVs), to edit by hand.
    input_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = ", ".join(f"{n} {what}" for what, n in sorted(self.rows_removed.items()))
        return (
            f"Forgot member {self.member_id} ({len(self.identities)} accounts: "
            f"{', '.join(self.identities)}). Removed {rows or 'no rows'} in "
            f"{self.files_rewritten} landed files; rebuilt the warehouse; removed "
            f"{self.snapshots_removed} older snapshots and {self.unfinished_removed} "
            "unfinished files. Later syncs will skip them."
        ) + "".join(
            f"\n  ! {path} still names them: it is your own input, edit it by hand."
            for path in self.input_files
        )


class UnknownMember(LookupError):
    pass


def find_member(
    config: AcaciaConfig, who: str, account_only: bool = False
) -> tuple[str, set[str], set[str]]:
    """(member id, identity keys, emails) for a member id, an identity key or an email;
    with ``account_only``, ``who`` is an account (``source:id``) and only it is named,
    with the addresses no other account of its member carries."""
    members_file = config.storage.resolution() / "identity_members.parquet"
    if not members_file.exists():
        raise UnknownMember("no members yet: run a sync first")
    zone = LandingZone(config.storage.landing())
    with duckdb.connect() as con:
        con.read_parquet(str(members_file)).create_view("members")
        selects = [
            "select ''::varchar as source, ''::varchar as source_user_id, ''::varchar as email "
            "where false"
        ]
        for number, source in enumerate(zone.sources()):
            con.register(f"identities_{number}", zone.dataset(source, "identities"))
            selects.append(f"select source, source_user_id, email from identities_{number}")
        con.execute("create view landed as " + " union all ".join(selects))
        row = con.execute(
            "select member_id from members where member_id = ? or identity_key = ? "
            "union select m.member_id from members m join landed l "
            "on m.identity_key = l.source || ':' || l.source_user_id "
            "where lower(l.email) = lower(?) limit 2",
            [who, who, who],
        ).fetchall()
        if not row:
            raise UnknownMember(f"no member, account or email matches {who!r}")
        if len(row) > 1:
            raise UnknownMember(f"{who!r} matches several members; use a member id")
        member_id = row[0][0]
        keys = {
            k
            for (k,) in con.execute(
                "select identity_key from members where member_id = ?", [member_id]
            ).fetchall()
        }
        if account_only and who not in keys:
            raise UnknownMember(f"{who!r} is not an account (source:id) Acacia knows")

        def emails_of(accounts: set[str]) -> set[str]:
            return {
                e.lower()
                for (e,) in con.execute(
                    "select distinct email from landed where source || ':' || source_user_id "
                    "in (select unnest(?)) and email is not null",
                    [sorted(accounts)],
                ).fetchall()
            }

        if account_only:
            return member_id, {who}, emails_of({who}) - emails_of(keys - {who})
        return member_id, keys, emails_of(keys)


def how_joined(config: AcaciaConfig, keys: set[str]) -> dict[str, str]:
    """How each of ``keys`` came to be in its member, in words: "shared email", "team
    decision", "merged automatically on: <evidence>", "not merged"."""
    folder = config.storage.resolution()
    with duckdb.connect() as con:
        rules = dict(
            con.execute(
                "select identity_key, rule from read_parquet(?) "
                "where identity_key in (select unnest(?))",
                [str(folder / "identity_members.parquet"), sorted(keys)],
            ).fetchall()
        )
        evidence: dict[str, list[str]] = {}
        suggestions = folder / "identity_suggestions.parquet"
        if suggestions.exists():
            for a, b, said in con.execute(
                "select identity_a, identity_b, evidence from read_parquet(?) "
                "where decision = 'automatic' and (identity_a in (select unnest(?)) "
                "or identity_b in (select unnest(?))) order by score desc",
                [str(suggestions), sorted(keys), sorted(keys)],
            ).fetchall():
                for key, other in ((a, b), (b, a)):
                    if key in keys and other in keys:
                        evidence.setdefault(key, []).append(f"{said} (with {other})")
    words = {"email": "shared email", "manual": "team decision", "alone": "not merged"}
    return {
        key: (
            "merged automatically on: " + " / ".join(evidence.get(key, ["evidence"]))
            if rules.get(key) == "automatic"
            else words.get(rules.get(key, ""), rules.get(key, "unknown"))
        )
        for key in sorted(keys)
    }


def _rewrite(folder: Folder, parts: tuple[str, ...], keep: Callable[[pa.Table], object]) -> int:
    """Rewrite the file ``parts`` of ``folder`` with the rows ``keep`` marks (whole: a
    reader sees the old file or the new one)."""
    table = folder.read_parquet(*parts)
    kept = table.filter(keep(table))
    removed = table.num_rows - kept.num_rows
    if removed:
        folder.write_parquet(kept, *parts)
    return removed


def scrub_files(
    config: AcaciaConfig,
    keys: set[str],
    member_id: str,
    report: ForgetReport,
    emails: set[str] = frozenset(),
) -> None:
    """Rewrite landed and resolution files without the member's rows: their accounts'
    activities and identities, and the feedback they gave (by their events account, or
    by their email when the survey named them and no attendance did)."""
    by_source: dict[str, set[str]] = {}
    for key in keys:
        source, user_id = key.split(":", 1)
        by_source.setdefault(source, set()).add(user_id)
    if emails:
        by_source.setdefault(events.SOURCE, set()).update(
            events.person_id("", email) for email in emails
        )
    zone = LandingZone(config.storage.landing())
    scrub_rejects(zone, by_source, report)  # first: it reads their usernames and emails
    for source, user_ids in by_source.items():
        for table, column in (
            ("activities", "actor"),
            ("identities", "source_user_id"),
            ("feedback", "respondent"),
        ):
            for name in zone.names(source, table):
                removed = _rewrite(
                    zone.root,
                    (source, table, name),
                    lambda data, c=column, ids=user_ids: pc.invert(
                        pc.is_in(data[c], value_set=_array(ids))
                    ),
                )
                if removed:
                    report.rows_removed[f"{source} {table}"] += removed
                    report.files_rewritten += 1
    resolution = config.storage.resolution()
    for name, column in (
        ("identity_members", "identity_key"),
        ("identity_suggestions", "identity_a"),
        ("identity_suggestions", "identity_b"),
        ("member_organizations", "member_id"),
    ):
        if (resolution / f"{name}.parquet").exists():
            values = keys if column != "member_id" else {member_id}
            _rewrite(
                Folder(resolution),
                (f"{name}.parquet",),
                lambda data, c=column, v=values: pc.invert(pc.is_in(data[c], value_set=_array(v))),
            )


def scrub_rejects(zone: LandingZone, by_source: dict[str, set[str]], report: ForgetReport) -> None:
    """Items set aside raw (``<source>/rejects``, every source's) that name the member:
    any JSON value that is one of their account ids, usernames or emails. Erring wide is
    fine here: a reject is for a person to look at, never part of a figure."""
    needles = set()
    for source, user_ids in by_source.items():
        needles |= user_ids
        rows = zone.query(
            source,
            "identities",
            "select username, email from landed where source_user_id in (select unnest(?))",
            [sorted(user_ids)],
        )
        needles |= {value.lower() for row in rows for value in row if value}
    if not needles:
        return
    alternatives = "|".join(re.escape(v) for v in sorted(needles, key=len, reverse=True))
    # A JSON value: "<value>" or a bare number, after a colon.
    pattern = rf'(?i):\s*"?({alternatives})"?\s*[,}}\]]'
    for source in zone.sources():
        for name in zone.names(source, "rejects"):
            removed = _rewrite(
                zone.root,
                (source, "rejects", name),
                lambda data: pc.invert(
                    pc.fill_null(pc.match_substring_regex(data["item"], pattern), False)
                ),
            )
            if removed:
                report.rows_removed[f"{source} rejects"] += removed
                report.files_rewritten += 1


def _array(values: set[str]) -> pa.Array:
    return pa.array(sorted(values), pa.string())


def drop_old_snapshots(serving: Path, keep: Path | None) -> int:
    removed = 0
    for path in serving.glob("acacia-*.duckdb*"):
        if keep is None or not path.name.startswith(keep.name):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_unfinished(data_dir: Path) -> int:
    """Remove what interrupted writes left under ``data_dir``: every ``.*.tmp`` file
    (each writer writes one, then renames it) and DuckDB's spill folders
    (``*.duckdb.tmp``)."""
    removed = 0
    for path in data_dir.rglob("*.tmp*"):
        if path.is_file() and path.name.startswith("."):
            path.unlink(missing_ok=True)
            removed += 1
        elif path.is_dir() and path.name.endswith(".duckdb.tmp"):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def input_files_naming(config: AcaciaConfig, needles: set[str]) -> list[str]:
    """The team's own input files (events CSVs) that contain one of ``needles``."""
    events = config.sources.events
    if events is None or not events.folder.is_dir():
        return []
    lowered = {n.lower() for n in needles if n}
    return [
        str(path)
        for path in sorted(events.folder.glob("*.csv"))
        if any(n in path.read_bytes().decode("utf-8", "replace").lower() for n in lowered)
    ]


def forget_member(
    config: AcaciaConfig, who: str, rebuild: object, account_only: bool = False
) -> ForgetReport:
    """Forget the member behind ``who`` (member id, identity key or email), or with
    ``account_only`` the account ``who`` alone; ``rebuild`` runs the models and
    publishes (without syncing)."""
    from pipelines.storage.snapshot import current_snapshot

    member_id, keys, emails = find_member(config, who, account_only)
    report = ForgetReport(member_id, sorted(keys))
    # Their events id from each email too: feedback that names them by email alone.
    by_email = {f"{events.SOURCE}:{events.person_id('', email)}" for email in emails}
    SuppressionList(config.storage.sync_state()).add(keys | by_email, emails)
    scrub_files(config, keys, member_id, report, emails)
    # The team's own notes, tags, follow-ups and decisions about them go too.
    report.rows_removed["team notes, tags and decisions"] += TeamStore(store_path(config)).forget(
        keys
    )
    report.unfinished_removed = remove_unfinished(config.storage.data_dir)
    sync_root = config.storage.sync_root()
    if sync_root.is_local and not sync_root.local_path().is_relative_to(config.storage.data_dir):
        report.unfinished_removed += remove_unfinished(sync_root.local_path())
    warehouse = config.storage.warehouse()
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)  # freed pages could still hold their rows
    # The accounts that moved between members, kept for the incremental build: a
    # rebuild from the landing zone needs none of them.
    shutil.rmtree(config.storage.resolution() / "moves", ignore_errors=True)
    rebuild()  # type: ignore[operator]
    serving = config.storage.serving()
    report.snapshots_removed = drop_old_snapshots(serving, current_snapshot(serving))
    report.unfinished_removed += remove_unfinished(config.storage.data_dir)
    report.input_files = input_files_naming(config, emails)
    return report
