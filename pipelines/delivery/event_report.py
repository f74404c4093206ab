"""An event's report, after every event (README, Events, The organizer's kit): what it
was, who came, first-timers and members already, who came back, the attendees' online
activity before and after it, its impact with its working, the participants' feedback
(ratings, and the answers that may be quoted) and the themes of what was said.

One report, two renderings: Markdown (to paste in a wiki or a forum post) and a
standalone HTML page (to print or send; every piece of text in it is escaped, so a name
or an answer can never carry markup or a script). ``acacia report EVENT`` writes both,
the event's page offers both as downloads, and ``--post`` posts a summary to Slack once
(the monthly update's channel and post-once mechanism).

The report reads the published snapshot, through the same figures as the event's page
(connectors/core/figures.py). People are named only when they agreed (the events mart
counts the others, never names them); a quote is never attributed. ``public`` (the
dashboard's public mode, or ``--public``) leaves out every name and every quote: counts
and ratings only.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from connectors.core import figures, text
from connectors.core.config import AcaciaConfig


class ReportError(ValueError):
    """An event that cannot be reported (none published, not found, ambiguous)."""


# ------------------------------------------------------------------- the document


@dataclass
class Doc:
    """A report as blocks, each rendered to Markdown and to HTML alike. Text given as
    ``said`` is Acacia's own wording (its ``**bold**`` kept); everything else (names,
    places, answers) is shown exactly as written, never as markup."""

    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, level: int, words: str) -> None:
        """A heading in Acacia's own wording (a name in it: text.markdown it first)."""
        self.blocks.append(("heading", (level, words)))

    def said(self, words: str) -> None:
        self.blocks.append(("said", words))

    def items(self, lines: list[str]) -> None:
        self.blocks.append(("items", lines))

    def table(self, columns: list[str], rows: list[list[Any]]) -> None:
        self.blocks.append(("table", (columns, rows)))

    def quote(self, words: str, source: str) -> None:
        self.blocks.append(("quote", (words, source)))

    def links(self, links: list[tuple[str, str]]) -> None:
        self.blocks.append(("links", links))

    def markdown(self) -> str:
        out = []
        for kind, value in self.blocks:
            if kind == "heading":
                level, words = value
                out.append(f"{'#' * level} {words}")
            elif kind == "said":
                out.append(value)
            elif kind == "items":
                out.append("\n".join(f"- {line}" for line in value))
            elif kind == "table":
                columns, rows = value
                out.append(
                    "\n".join(
                        [
                            "| " + " | ".join(text.markdown(c) for c in columns) + " |",
                            "|" + "---|" * len(columns),
                            *(
                                "| " + " | ".join(text.markdown(cell) for cell in row) + " |"
                                for row in rows
                            ),
                        ]
                    )
                )
            elif kind == "quote":
                words, source = value
                out.append(f"> {text.markdown(words)}\n>\n> — {text.markdown(source)}")
            elif kind == "links":
                out.append(" · ".join(f"[{text.markdown(label)}](<{url}>)" for label, url in value))
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        body = []
        for kind, value in self.blocks:
            if kind == "heading":
                level, words = value
                body.append(f"<h{level}>{_said_html(words)}</h{level}>")
            elif kind == "said":
                body.append(f"<p>{_said_html(value)}</p>")
            elif kind == "items":
                body.append(
                    "<ul>" + "".join(f"<li>{_said_html(line)}</li>" for line in value) + "</ul>"
                )
            elif kind == "table":
                columns, rows = value
                head = "".join(f"<th>{text.html_text(c)}</th>" for c in columns)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{text.html_text(c)}</td>" for c in row) + "</tr>"
                    for row in rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            elif kind == "quote":
                words, source = value
                body.append(
                    f"<blockquote><p>{text.html_text(words)}</p>"
                    f"<footer>{text.html_text(source)}</footer></blockquote>"
                )
            elif kind == "links":
                body.append(
                    "<p>"
                    + " · ".join(
                        f'<a href="{text.html_text(url)}" rel="noopener noreferrer">'
                        f"{text.html_text(label)}</a>"
                        for label, url in value
                    )
                    + "</p>"
                )
        return PAGE.format(title=text.html_text(title), body="\n".join(body))


#: Acacia's own Markdown in ``said`` text: bold, and backslash escapes (text.markdown's).
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ESCAPED = re.compile(r"\\(.)")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }}
blockquote {{ border-left: 4px solid #56B4E9; margin: 1rem 0; padding: .2rem 1rem;
             color: #444; }}
footer {{ font-size: .85rem; color: #666; }}
</style></head>
<body>
{body}
</body></html>
"""


def _said_html(words: str) -> str:
    """Acacia's own Markdown wording as HTML: escaped, then its bold."""
    plain = _ESCAPED.sub(r"\1", words)
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(plain.replace("\u2060", ""), quote=True))


# -------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Report:
    event_id: str
    title: str
    markdown: str
    html: str
    #: The figures it says, for the Slack summary: attendees, first-timers, responses.
    facts: dict[str, Any]

    def file_stem(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return slug or self.event_id


def find_event(read: figures.Read, event: str, day: date | None = None) -> str:
    """The id of the event named ``event`` (its id, or its name; ``day`` when two
    events share it). Raises ReportError naming the fix."""
    found = read(
        "select event_id, event, event_date from events "
        "where event_id = ? or lower(event) = lower(?) order by event_date desc",
        (event, event),
    )
    if day is not None:
        found = found[[d == day for d in found["event_date"].dt.date]]
    if found.empty:
        raise ReportError(
            f"No event {event!r}{f' on {day}' if day else ''} in the published data. "
            "Fix: give its name as on the Events page (or its id), and --date when two "
            "events share a name; an event shows once its attendance is imported."
        )
    if len(found) > 1:
        days = ", ".join(f"{d:%Y-%m-%d}" for d in found["event_date"])
        raise ReportError(f"{len(found)} events are named {event!r} ({days}): add --date.")
    return str(found.iloc[0]["event_id"])


def build(read: figures.Read, event_id: str, *, public: bool = False) -> Report:
    """The report of ``event_id`` from the published marts (``read``: figures.Read)."""
    found = figures.event(read, event_id)
    if found is None:
        raise ReportError(f"No event {event_id!r} in the published data.")
    doc = Doc()
    name = str(found["event"])
    doc.heading(1, text.markdown(name))
    facts = [
        f"{found['event_date']:%A %d %B %Y}",
        found["place"] and text.markdown(found["place"]),
        found["format"] and str(found["format"]).capitalize(),
        found["organizers"] and f"organized by {text.markdown(found['organizers'])}",
    ]
    doc.said(" · ".join(fact for fact in facts if fact))
    links = [
        (label, found[key])
        for key, label in (
            ("notes_url", "Notes"),
            ("report_url", "Report"),
            ("photos_url", "Photos"),
            ("recording_url", "Recording"),
        )
        if str(found[key] or "").startswith(("https://", "http://"))
    ]
    if links:
        doc.links(links)
    _who_came(doc, read, found, public)
    _activity(doc, found)
    doc.heading(2, "Impact on the community")
    doc.said(f"Impact: **{figures.impact_text(found)}**.")
    doc.said(figures.impact_working(found))
    _feedback(doc, read, found, public)
    _themes(doc, read, found, public)
    return Report(
        event_id,
        name,
        doc.markdown(),
        doc.html(f"{name}: the event's report"),
        {
            "event": name,
            "date": found["event_date"],
            "attendees": int(found["attendees"]),
            "first_timers": int(found["first_timers"]),
            "came_back": int(found["came_back"]),
            "feedback_responses": int(found["feedback_responses"]),
            "rating": _rating(found),
            "impact": figures.impact_text(found),
        },
    )


def _who_came(doc: Doc, read: figures.Read, found: dict, public: bool) -> None:
    doc.heading(2, "Who came")
    unnamed = int(found["unnamed_attendees"])
    doc.items(
        [
            f"**{int(found['attendees']):,}** attendees: {int(found['organizer_members']):,} "
            f"organizers, {int(found['speakers']):,} speakers",
            f"**{int(found['first_timers']):,}** first-timers: their first activity anywhere "
            "in the community was this event",
            f"**{int(found['already_members']):,}** members already",
            f"**{int(found['came_back']):,}** came back to a later event",
            *([f"{unnamed:,} asked not to be named: counted here, never named"] if unnamed else []),
        ]
    )
    if public:
        return
    people = figures.event_people(read, str(found["event_id"]))
    if people.empty:
        return
    doc.said("The people who agreed to be named, organizers and speakers first:")
    doc.table(
        ["Name", "Role", "First time", "Came back"],
        [
            [row.member, row.role, "yes" if row.first_time else "", "yes" if row.came_back else ""]
            for row in people.itertuples()
        ],
    )


def _activity(doc: Doc, found: dict) -> None:
    doc.heading(2, "The attendees' online activity")
    before, after, retention = (
        int(found[k]) for k in ("before_days", "after_days", "retention_days")
    )
    lines = [
        f"{before} days before: **{int(found['attendee_activities_before'] or 0):,}** "
        "activities (every source but events)"
    ]
    if found["after_measured"]:
        lines.append(
            f"{after} days after: **{int(found['attendee_activities_after'] or 0):,}** activities"
        )
    else:
        lines.append(
            f"{after} days after: too early to tell (until {found['after_until']:%d %b %Y})"
        )
    if found["retention_measured"]:
        lines.append(
            f"Active again within {retention} days: **{int(found['retained'] or 0):,}** of "
            f"{int(found['attendees']):,}"
        )
    else:
        lines.append(
            f"Active again within {retention} days: too early to tell (until "
            f"{found['retention_until']:%d %b %Y})"
        )
    doc.items(lines)


def _rating(found: dict) -> str | None:
    if not found["feedback_ratings"]:
        return None
    return (
        f"{found['rating_average']:.1f} on a scale of {found['rating_scale_min']:g} to "
        f"{found['rating_scale_max']:g}"
    )


def _feedback(doc: Doc, read: figures.Read, found: dict, public: bool) -> None:
    doc.heading(2, "Feedback")
    responses = int(found["feedback_responses"])
    if not responses:
        doc.said("No feedback imported for this event (README, Events: the feedback files).")
        return
    rated = int(found["feedback_ratings"])
    doc.said(
        f"**{responses:,}** responses, {rated:,} with a rating"
        + (f": on average **{_rating(found)}**." if rated else ".")
    )
    ratings = figures.event_ratings(read, str(found["event_id"]))
    doc.table(
        ["Rating", "Responses"],
        [[f"{row.rating:g}", f"{int(row.responses):,}"] for row in ratings.itertuples()],
    )
    if public:
        return
    quotes = figures.event_quotes(read, str(found["event_id"]))
    quotable = int(found["quotable_responses"])
    doc.said(
        f"What participants said ({quotable:,} of {responses:,} agreed to be quoted; "
        "quotes are not attributed):"
    )
    for question, rows in quotes.groupby("question", sort=False):
        doc.heading(3, text.markdown(question))
        for row in rows.itertuples():
            times = int(row.responses)
            doc.quote(str(row.answer), "a participant" if times == 1 else f"{times} participants")


# ---------------------------------------------------------------- from a workspace


def report(
    config: AcaciaConfig, event: str, day: date | None = None, *, public: bool | None = None
) -> Report:
    """The report of ``event`` (id or name) from the workspace's published snapshot;
    ``public`` defaults to the dashboard's public mode."""
    from pipelines.storage.snapshot import current_snapshot

    snapshot = current_snapshot(config.storage.serving())
    if snapshot is None:
        raise ReportError("Nothing is published yet: run `acacia sync` first.")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        read = figures.reader(con)
        return build(
            read,
            find_event(read, event, day),
            public=config.dashboard.public if public is None else public,
        )


def write(config: AcaciaConfig, made: Report, folder: Path | None = None) -> tuple[Path, Path]:
    """Write the report's Markdown and HTML files (in ``<data_dir>/reports`` unless
    ``folder``), named after the event and its date."""
    from pipelines.storage.landing import atomic_write_text

    folder = folder or config.storage.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{made.facts['date']:%Y-%m-%d}-{made.file_stem()}"
    paths = folder / f"{stem}.md", folder / f"{stem}.html"
    atomic_write_text(paths[0], made.markdown)
    atomic_write_text(paths[1], made.html)
    return paths


EVENT_TYPE = "acacia_event_report"


def post(config: AcaciaConfig, made: Report, *, client: Any = None) -> str:
    """Post the report's summary to the monthly update's channel, once per event (the
    channel's messages are looked up, as for the update). Returns posted or
    already_posted."""
    from pipelines.delivery import slack_post
    from pipelines.delivery.monthly_update import UpdateError, destination

    settings = config.monthly_update
    if not settings.channel:
        raise ReportError(
            "monthly_update.channel is not set in acacia.yml: the report is posted to the "
            "monthly update's channel. Fix: set it (and invite the bot there)."
        )
    facts = made.facts
    lines = [
        f"{facts['attendees']:,} attendees, {facts['first_timers']:,} first-timers, "
        f"{facts['came_back']:,} came back to a later event; impact {facts['impact']}.",
    ]
    if facts["feedback_responses"]:
        rating = f", rated {facts['rating']}" if facts["rating"] else ""
        lines.append(f"{facts['feedback_responses']:,} feedback responses{rating}.")
    message = slack_post.message(
        [
            slack_post.header(f"{facts['event']}: the report"),
            slack_post.section(" ".join(lines)),
        ],
        f"The report of {facts['event']}: " + " ".join(lines),
    )
    try:
        done = slack_post.post_once(
            destination(settings),
            message,
            event_type=EVENT_TYPE,
            payload={"event_id": made.event_id},
            already=lambda payload: payload.get("event_id") == made.event_id,
            oldest=datetime.combine(facts["date"], datetime.min.time(), UTC),
            slack=client,
            what=f"the report of {facts['event']}",
        )
    except (slack_post.PostError, UpdateError) as error:
        raise ReportError(str(error)) from None
    return done.status


def _themes(doc: Doc, read: figures.Read, found: dict, public: bool) -> None:
    doc.heading(2, "What was talked about")
    themes = figures.event_themes(read, str(found["event_id"]))
    if themes.empty:
        doc.said(
            "No themes: they are read from the event's notes (a file beside the event "
            "list) and the feedback's quotable answers."
        )
        return
    doc.said(
        "The phrases the event's notes and quotable feedback say most, and rarely "
        "elsewhere; how many texts say each:"
    )
    doc.items(
        [f"**{text.markdown(row.theme)}**: {int(row.texts):,} texts" for row in themes.itertuples()]
    )
    if public:
        return
    for row in themes.itertuples():
        for quote in json.loads(row.excerpts)[:2]:
            doc.quote(quote, f"on {row.theme}")
