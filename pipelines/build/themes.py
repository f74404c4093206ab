"""What people talk about, compared by place and by event (README, Events, Themes): the
``themes`` mart, a Python model of the build (models/models/marts/themes.py).

**The texts.** For a place (a city, read as members' locations are), the messages of
the members living there (message bodies, where a source's ``store_bodies`` keeps them;
the text of a deleted message is read nowhere), the notes of the events held there (a
Markdown or text file beside the event list, named in its ``notes`` column), and the
answers of those events' feedback that may be quoted. For an event, its notes and its
quotable answers. Answers a respondent did not agree to have quoted are not read at
all, nor is anything of a forgotten member (their rows are gone from the landing zone).

**The method** (scikit-learn, offline): every text is cut into words and phrases of one
to three words, English stop words left out (``CountVectorizer``); a phrase's weight in a
place is how many of the place's texts say it, times how rare it is among the places
(the inverse document frequency of TF-IDF, the places being the documents: a phrase
every place uses, like "thanks", weighs little). A place's themes are its heaviest
phrases said in at least ``MIN_TEXTS`` texts; a longer phrase said almost as often as a
word of it stands for it ("release process", not "release" and "process").

**Each theme** comes with how many texts say it and up to three short excerpts (the
sentence that says it, cut to EXCERPT characters), the latest first: a message, a note,
a quotable answer. Public mode shows themes and counts, never excerpts.

Cost: every build reads the texts of the last ``WINDOW_DAYS`` days (the rows of
stg_activity_texts, incremental, plus the events' notes and feedback): the work follows
the number of texts, not the number of activities.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

#: A phrase must be said in at least this many texts of a place to be a theme.
MIN_TEXTS = 2
#: Themes kept per place and per event.
TOP = 5
#: An excerpt's length, at most (the sentence around the theme, cut).
EXCERPT = 160
#: The texts read: the last year's.
WINDOW_DAYS = 365
#: A longer phrase stands for a word of it when said in at least this share of the
#: texts that say the word.
SUBSUMES = 0.8

SCHEMA = pa.schema(
    [
        ("level", pa.string()),  # city or event
        ("region", pa.string()),
        ("country", pa.string()),
        ("city", pa.string()),
        ("event_id", pa.string()),
        ("theme_rank", pa.int64()),
        ("theme", pa.string()),
        ("texts", pa.int64()),  # texts that say it
        ("place_texts", pa.int64()),  # the place's (or event's) texts read
        ("excerpts", pa.string()),  # JSON: up to three short excerpts
    ]
)


@dataclass(frozen=True)
class Text:
    """One text, where it belongs, and whether it may be quoted."""

    body: str
    when: datetime  # UTC wall time: a message's, an event's day for its notes and answers
    kind: str  # message, notes, feedback
    quotable: bool


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def plain(body: str) -> str:
    """A message as words: markup (HTML, Slack's ``<@U1>`` mentions and links) and
    Markdown's marks out, entities read."""
    text = html.unescape(_TAG.sub(" ", body))
    text = re.sub(r"[#*_`>|]+", " ", text)
    return _SPACE.sub(" ", text).strip()


def excerpt(body: str, theme: str) -> str:
    """The sentence of ``body`` that says ``theme``, cut to EXCERPT characters."""
    for sentence in _SENTENCE.split(body):
        if re.search(rf"(?i)\b{re.escape(theme)}\b", sentence):
            sentence = sentence.strip(" -")
            return sentence if len(sentence) <= EXCERPT else sentence[: EXCERPT - 1] + "…"
    return body[: EXCERPT - 1] + "…" if len(body) > EXCERPT else body


def find_themes(groups: dict[Any, list[Text]], top: int = TOP) -> dict[Any, list[dict]]:
    """Each group's themes (a list of {theme, texts, excerpts}), heaviest first, from
    the texts of every group (the groups are the documents of the inverse document
    frequency). A theme is said in at least MIN_TEXTS different texts: the same sentence
    said again and again (a template, a greeting) counts each time it is said, but is
    one way of saying it."""
    # Each group's different texts, and how many times each was said.
    unique: dict[Any, dict[str, list[Text]]] = {}
    for key, texts in groups.items():
        found: dict[str, list[Text]] = {}
        for text in texts:
            found.setdefault(text.body.lower(), []).append(text)
        if found:
            unique[key] = found
    if not unique:
        return {}
    # Imported here, when there are texts: scikit-learn (with SciPy) takes 1.2–1.8 s to
    # import, in every process that builds, which a community without stored message
    # bodies, notes or quotable answers would pay for nothing (a warm process imports it
    # ahead: ``warm``).
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    keys = list(unique)
    bodies = [body for key in keys for body in unique[key]]
    said_times = np.array([len(unique[key][body]) for key in keys for body in unique[key]])
    vectorizer = CountVectorizer(
        ngram_range=(1, 3),
        stop_words="english",
        binary=True,
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
    )
    try:
        matrix = vectorizer.fit_transform(bodies).tocsr()
    except ValueError:  # only stop words: nothing to say
        return {}
    terms = vectorizer.get_feature_names_out()
    spans, start = {}, 0
    for key in keys:
        spans[key] = (start, start + len(unique[key]))
        start += len(unique[key])
    # Per group and phrase: the different texts that say it, and how often it was said.
    ways = {key: matrix[a:b].sum(axis=0).A1 for key, (a, b) in spans.items()}
    times = {key: matrix[a:b].T.dot(said_times[a:b]) for key, (a, b) in spans.items()}
    groups_saying = sum((n >= MIN_TEXTS).astype(int) for n in ways.values())
    idf = np.log((1 + len(keys)) / (1 + groups_saying)) + 1
    column = {term: i for i, term in enumerate(terms)}
    out: dict[Any, list[dict]] = {}
    for key, (a, b) in spans.items():
        counted = times[key]
        candidates = [
            (counted[i] * idf[i], int(counted[i]), terms[i])
            for i in (ways[key] >= MIN_TEXTS).nonzero()[0]
        ]
        candidates.sort(key=lambda c: (-c[0], -len(c[2].split()), c[2]))
        chosen: list[dict] = []
        taken: list[str] = []
        for _, count, term in candidates:
            # A longer phrase said almost as often stands for this one.
            longer = [
                (n, t)
                for _, n, t in candidates
                if len(t) > len(term) and _contains(t, term) and n >= SUBSUMES * count
            ]
            if longer:
                count, term = max(longer)
            if any(_contains(t, term) or _contains(term, t) for t in taken):
                continue
            taken.append(term)
            saying = matrix[a:b, column[term]].nonzero()[0]
            texts = [t for i in saying for t in unique[key][bodies[a + i]] if t.quotable]
            # The latest first; the same day, in the order of the words (a total order:
            # the same excerpts whatever order the engine read the rows in).
            texts.sort(key=lambda t: (t.when, t.body), reverse=True)
            excerpts: list[str] = []
            for text in texts:
                cut = excerpt(text.body, term)
                if cut not in excerpts:
                    excerpts.append(cut)
                if len(excerpts) == 3:
                    break
            chosen.append({"theme": term, "texts": count, "excerpts": excerpts})
            if len(chosen) == top:
                break
        out[key] = chosen
    return out


def warm() -> None:
    """Import what finding themes needs, ahead of a build (the dashboard's applier does,
    before it says it is ready): its first decision then pays no import."""
    import sklearn.feature_extraction.text  # noqa: F401


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


def themes_arrow(
    texts: pa.Table,
    members: pa.Table,
    feedback: pa.Table,
    events: pa.Table,
    notes_folder: Path | None,
    as_of: Any,
) -> pa.Table:
    """The themes mart's rows. ``texts``: stg_activity_texts joined with the member
    (member_id, body, occurred_at, is_deleted); ``members``: member_id, region,
    country, city; ``feedback``: event_feedback (event_id, may_quote, answers);
    ``events``: event_id, event_date, region, country, city, notes_url;
    ``notes_folder``: the events folder (the notes files' folder); ``as_of``: the
    build's day (texts of the WINDOW_DAYS before it are read)."""
    place_of = {
        row["member_id"]: (row["region"], row["country"], row["city"])
        for row in members.to_pylist()
        if row["city"]
    }
    by_place: dict[tuple, list[Text]] = defaultdict(list)
    by_event: dict[str, list[Text]] = defaultdict(list)
    since = as_of - timedelta(days=WINDOW_DAYS)
    for row in texts.to_pylist():
        place = place_of.get(row["member_id"])
        when = row["occurred_at"]  # compared as UTC wall time, as the notes' days
        if when is not None and when.tzinfo is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
        if place is None or row["is_deleted"] or not row["body"] or when is None:
            continue
        if when.date() < since:
            continue
        by_place[place].append(Text(plain(row["body"]), when, "message", True))
    event_place, event_day = {}, {}
    for row in events.to_pylist():
        if row["event_date"] < since:
            continue
        place = (row["region"], row["country"], row["city"]) if row["city"] else None
        event_place[row["event_id"]] = place
        day = datetime.combine(row["event_date"], time.min)
        event_day[row["event_id"]] = day
        for line in _notes(notes_folder, row["notes_url"]):
            text = Text(line, day, "notes", True)
            by_event[row["event_id"]].append(text)
            if place:
                by_place[place].append(text)
    for row in feedback.to_pylist():
        if not row["may_quote"] or row["event_id"] not in event_place:
            continue
        for answer in json.loads(row["answers"] or "{}").values():
            if answer and answer.strip():
                text = Text(plain(answer), event_day[row["event_id"]], "feedback", True)
                by_event[row["event_id"]].append(text)
                if event_place[row["event_id"]]:
                    by_place[event_place[row["event_id"]]].append(text)
    out: list[dict] = []
    for key, themes in find_themes(by_place).items():
        region, country, city = key
        out += _rows(themes, "city", region, country, city, None, len(by_place[key]))
    for key, themes in find_themes(by_event).items():
        out += _rows(themes, "event", None, None, None, key, len(by_event[key]))
    return pa.Table.from_pylist(out, schema=SCHEMA)


def _rows(themes, level, region, country, city, event_id, total) -> list[dict]:
    return [
        {
            "level": level,
            "region": region,
            "country": country,
            "city": city,
            "event_id": event_id,
            "theme_rank": rank,
            "theme": theme["theme"],
            "texts": theme["texts"],
            "place_texts": total,
            "excerpts": json.dumps(theme["excerpts"], ensure_ascii=False),
        }
        for rank, theme in enumerate(themes, 1)
    ]


def _notes(folder: Path | None, notes: str | None) -> list[str]:
    """An event's notes, each paragraph or list item a text of its own (the ``notes``
    column names a file of the events folder; linked notes are not downloaded), its
    headings left out."""
    if folder is None or not notes or "://" in notes:
        return []
    path = (folder / notes).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return []
    raw = path.read_bytes().decode("utf-8", errors="replace")
    lines = (line.strip() for line in raw.splitlines())
    texts = (plain(line.lstrip("-*+ ")) for line in lines if not line.startswith("#"))
    return [text for text in texts if text]


#: What the themes read of each model: (model, columns).
INPUTS = {
    "texts": ("stg_activity_texts", "source, source_user_id, body, occurred_at, is_deleted"),
    "identities": ("identities", "source, source_user_id, member_id, is_bot"),
    "members": ("members", "member_id, region, country, city"),
    "feedback": ("event_feedback", "event_id, may_quote, answers"),
    "events": ("events", "event_id, event_date, region, country, city, notes_url"),
}


def themes_table(inputs: dict[str, pa.Table], config: Any, as_of: Any) -> pa.Table:
    """The themes mart from its INPUTS (Arrow tables, by name) on any engine: the texts
    joined with their member (people only), then :func:`themes_arrow`."""
    import duckdb

    with duckdb.connect() as con:
        con.register("texts", inputs["texts"])
        con.register("identities", inputs["identities"])
        texts = con.sql(
            """
            select i.member_id, t.body, t.occurred_at, t.is_deleted
            from texts as t
            join identities as i using (source, source_user_id)
            where not i.is_bot
            """
        ).to_arrow_table()
    folder = config.sources.events.folder if config.sources.events else None
    return themes_arrow(
        texts, inputs["members"], inputs["feedback"], inputs["events"], folder, as_of
    )


def themes_for_models(relations: dict[str, Any]) -> pa.Table:
    """The themes mart on DuckDB (the dbt model's body, given its refs by INPUTS name),
    with the running build's configuration and day."""
    from datetime import date

    from pipelines.build.settings import current

    running = current()
    inputs = {name: relations[name].project(INPUTS[name][1]).to_arrow_table() for name in INPUTS}
    return themes_table(inputs, running.config, date.fromisoformat(running.settings["as_of_date"]))
