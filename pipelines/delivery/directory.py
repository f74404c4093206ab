"""The partner directory: the partner ranking as files a website can publish as is.

Written from the published snapshot (never the warehouse) as CSV, JSON, Markdown and a
small self-contained HTML page, each with the period, the method, and per organization
its rank, score, change against the previous period, active members, contributors and
points by source. Produced by the nightly job (the ``partner_directory`` asset) and on
demand by ``acacia directory``. Files are replaced atomically, so a web server copying
them never reads half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.core import text
from connectors.core.registry import labels
from pipelines.storage.snapshot import as_of_date, current_snapshot, open_snapshot

FORMATS = ("csv", "json", "md", "html")
WINDOW_DAYS = 90


@dataclass(frozen=True)
class Directory:
    community: str
    period_start: date
    period_end: date
    generated_at: datetime
    organizations: list[dict[str, Any]]

    @property
    def method(self) -> str:
        return (
            f"Organizations are ranked by the points of their members' activities from "
            f"{self.period_start:%d %b %Y} to {self.period_end:%d %b %Y} ({WINDOW_DAYS} "
            "days), counted while each member was with the organization (a dated "
            "affiliation, an email at its domain, or the GitHub company field). Each "
            "activity is worth the weight of its type (a merged pull request or a talk "
            "most, a chat message least). Bots and the project's own organization are "
            "left out; ties go to more active members, then more contributors, then the "
            "name. The change compares with the 90 days before. Event hosts: its members "
            "who organized or spoke at an event in the period."
        )

    @property
    def sources(self) -> list[str]:
        found = {s for org in self.organizations for s in org["points_by_source"]}
        return [s for s in labels() if s in found] + sorted(found - set(labels()))


def load(snapshot: Path, community: str) -> Directory:
    """The directory as of a published snapshot."""
    with open_snapshot(snapshot) as con:
        published = con.execute("select published_at from _snapshot").fetchone()[0]
        end = as_of_date(con)
        rows = con.execute(
            "select rank, organization, score, previous_score, change, active_members, "
            "contributors, event_hosts, points_by_source from partner_ranking order by rank"
        ).fetchall()
    organizations = [
        {
            "rank": rank,
            "organization": name,
            "score": round(score, 1),
            "previous_score": round(previous or 0, 1),
            "change": round(change or 0, 1),
            "active_members": members,
            "contributors": contributors,
            "event_hosts": hosts,
            "points_by_source": {k: round(v, 1) for k, v in json.loads(by_source).items()},
        }
        for rank, name, score, previous, change, members, contributors, hosts, by_source in rows
    ]
    return Directory(
        community, end - timedelta(days=WINDOW_DAYS - 1), end, published, organizations
    )


def to_csv(directory: Directory) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    sources = directory.sources
    writer.writerow(
        [
            "rank",
            "organization",
            "score",
            "change",
            "active_members",
            "contributors",
            "event_hosts",
            *(f"points_{s}" for s in sources),
            "period_start",
            "period_end",
        ]
    )
    for org in directory.organizations:
        writer.writerow(
            [
                org["rank"],
                org["organization"],
                org["score"],
                org["change"],
                org["active_members"],
                org["contributors"],
                org["event_hosts"],
                *(org["points_by_source"].get(s, 0) for s in sources),
                directory.period_start.isoformat(),
                directory.period_end.isoformat(),
            ]
        )
    return out.getvalue()


def to_json(directory: Directory) -> str:
    return json.dumps(
        {
            "community": directory.community,
            "period": {
                "start": directory.period_start.isoformat(),
                "end": directory.period_end.isoformat(),
                "days": WINDOW_DAYS,
            },
            "generated_at": directory.generated_at.isoformat(),
            "method": directory.method,
            "organizations": directory.organizations,
        },
        indent=2,
        ensure_ascii=False,
    )


def _markdown_cell(value: object) -> str:
    """An organization's or the community's name in Markdown: text, never a link."""
    return text.markdown(value)


def _signed(value: float) -> str:
    return f"{value:+,.1f}"


def to_markdown(directory: Directory) -> str:
    sources = directory.sources
    lines = [
        f"# {_markdown_cell(directory.community)} partners",
        "",
        f"Period: {directory.period_start:%d %b %Y} – {directory.period_end:%d %b %Y}.",
        "",
        directory.method,
        "",
        "| Rank | Organization | Score | Change | Active members | Contributors | "
        "Event hosts | " + " | ".join(labels().get(s, s) for s in sources) + " |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | "
        + " | ".join("---:" for _ in sources)
        + " |",
    ]
    for org in directory.organizations:
        cells = [
            org["rank"],
            _markdown_cell(org["organization"]),
            f"{org['score']:,.1f}",
            _signed(org["change"]),
            org["active_members"],
            org["contributors"],
            org["event_hosts"],
            *(f"{org['points_by_source'].get(s, 0):,.1f}" for s in sources),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_html(directory: Directory) -> str:
    esc = text.html_text
    sources = directory.sources
    head = "".join(f"<th>{esc(labels().get(s, s))}</th>" for s in sources)
    rows = "".join(
        "<tr>"
        f"<td>{org['rank']}</td><td>{esc(org['organization'])}</td>"
        f"<td>{org['score']:,.1f}</td><td>{_signed(org['change'])}</td>"
        f"<td>{org['active_members']}</td><td>{org['contributors']}</td>"
        f"<td>{org['event_hosts']}</td>"
        + "".join(f"<td>{org['points_by_source'].get(s, 0):,.1f}</td>" for s in sources)
        + "</tr>"
        for org in directory.organizations
    )
    title = f"{esc(directory.community)} partners"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ padding: .4rem .6rem; border-bottom: 1px solid #ddd; text-align: right; }}
th:nth-child(2), td:nth-child(2) {{ text-align: left; }}
th {{ background: #f4f4f4; }}
p.method {{ color: #555; font-size: .9rem; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{directory.period_start:%d %b %Y} – {directory.period_end:%d %b %Y}</p>
<table><thead><tr><th>Rank</th><th>Organization</th><th>Score</th><th>Change</th>
<th>Active members</th><th>Contributors</th><th>Event hosts</th>{head}</tr></thead>
<tbody>{rows}</tbody></table>
<p class="method">{esc(directory.method)}</p>
<p class="method">Generated {directory.generated_at:%d %b %Y %H:%M} UTC by Acacia.</p>
</body></html>
"""


RENDER = {"csv": to_csv, "json": to_json, "md": to_markdown, "html": to_html}


def write(directory: Directory, folder: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write ``partners.<format>`` files into ``folder``, each replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = folder / f"partners.{fmt}"
        tmp = folder / f".partners.{fmt}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(RENDER[fmt](directory), encoding="utf-8")
        os.replace(tmp, target)
        written.append(target)
    return written


def export(config: Any, folder: Path | None = None) -> list[Path]:
    """The directory of the current snapshot, into ``folder`` (default
    ``<data_dir>/directory``), with the local groups beside it."""
    snapshot = current_snapshot(config.storage.serving())
    if snapshot is None:
        raise RuntimeError("Nothing is published yet: run `acacia sync` first.")
    folder = folder or config.storage.directory()
    written = write(load(snapshot, config.community_name), folder)
    return written + write_local_groups(snapshot, folder)


#: The local groups' columns in their export (the Local communities page's).
GROUP_COLUMNS = (
    "local_group",
    "city",
    "country",
    "region",
    "is_priority",
    "events_held",
    "last_event",
    "last_event_date",
    "next_event",
    "next_event_date",
    "organizers",
    "organizer_members",
    "active_members",
    "join_url",
)


def write_local_groups(snapshot: Path, folder: Path) -> list[Path]:
    """``local-groups.csv`` and ``.json``: the local groups and where to find them, for
    the project's website (organizers named only where they agreed: the mart's own)."""
    from connectors.core import figures

    with open_snapshot(snapshot) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where table_name = 'local_groups'"
        ).fetchone()[0]
        if not found:  # a snapshot published before local groups existed
            return []
        groups = figures.local_groups(figures.reader(con))
    rows = [
        {
            column: (value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else value)
            for column, value in zip(GROUP_COLUMNS, values, strict=True)
        }
        for values in groups[list(GROUP_COLUMNS)]
        .astype(object)
        .where(groups.notna(), None)
        .itertuples(index=False)
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=GROUP_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    written = []
    for name, content in (
        ("local-groups.csv", out.getvalue()),
        ("local-groups.json", json.dumps({"local_groups": rows}, indent=1, default=str)),
    ):
        target = folder / name
        tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, target)
        written.append(target)
    return written
