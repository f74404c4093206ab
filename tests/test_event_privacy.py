"""An attendee who asked not to be named is named nowhere: not in the published snapshot,
on any page (private and public), CSV download, monthly update or directory file. Not
date-sensitive: it runs once, outside the date matrix (tests/dates.py)."""

from __future__ import annotations

import duckdb
import pytest

from connectors.core import clock
from pipelines.storage.snapshot import current_snapshot
from sample.events_data import draw
from tests.conftest import MARKDOWN_ELEMENTS, small_community
from tests.test_dashboard import PAGE, PAGES, public_config, render

pytestmark = pytest.mark.slow


def shown(app) -> str:
    """Everything a rendered page shows: its Markdown, metrics, tables and charts."""
    parts = [element.value for kind in MARKDOWN_ELEMENTS for element in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [chart.proto.spec for chart in app.get("plotly_chart")]
    return "\n".join(str(p) for p in parts)


def test_an_attendee_who_asked_not_to_be_named_is_named_nowhere(synced, monkeypatch, tmp_path):
    """The sample's unnamed guests: counted on their events' pages, and their names and
    emails nowhere: in no table of the published snapshot, on no page (every page, their
    events' pages, their member page, in private and in public mode), in no CSV download,
    monthly update or directory file."""
    import streamlit

    from pipelines.delivery import directory, monthly_update

    community = small_community()
    taken = {p.name for p in community.people}
    guests = [g for g in draw(community).unnamed if g.name not in taken]
    secrets = [text for g in guests for text in (g.name, g.email, g.email.split("@")[0])]
    assert guests and secrets
    config = synced["config"]
    snapshot = current_snapshot(config.storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema = 'main'"
        ).fetchall()
        for table, column in columns:
            for secret in secrets:
                found = con.execute(
                    f'select count(*) from "{table}" where contains("{column}", ?)', [secret]
                ).fetchall()[0][0]
                assert found == 0, (table, column, secret)
        accounts = con.execute(
            "select member_id from identities where source = 'events' "
            "and source_user_id like 'u\\_%' escape '\\'"
        ).fetchall()
        unnamed = sorted({member for (member,) in accounts})
        events = con.execute(
            "select event_id, unnamed_attendees from events where unnamed_attendees > 0"
        ).fetchall()
    # Each a person of their own: "Unnamed attendee" never matches another by name.
    assert len(unnamed) == len(accounts) == len(draw(community).unnamed) and events
    downloads: list[bytes] = []
    real = streamlit.download_button
    monkeypatch.setattr(
        streamlit,
        "download_button",
        lambda label, data, **kwargs: downloads.append(data) or real(label, data, **kwargs),
    )
    public = public_config(synced, tmp_path)
    views = [(PAGE, {}), *((page, {}) for page in PAGES.values())]
    views += [(PAGES["Events"], {"event": event_id}) for event_id, _ in events]
    views += [(PAGES["Members"], {"member": member}) for member in unnamed[:2]]
    seen_unnamed = 0
    for config_path in (config.path, public):
        for page, params in views:
            app = render(config_path, monkeypatch, page, params)
            text = shown(app)
            for secret in secrets:
                assert secret not in text, (page, params, secret)
            seen_unnamed += "asked not to be named" in text
    assert seen_unnamed == 2 * len(events)  # said, on each of their events' pages
    for data in downloads:
        for secret in secrets:
            assert secret.encode() not in data
    assert downloads
    month = clock.today().replace(day=1)
    for _ in range(12):
        month = monthly_update.last_month(month)
        update = monthly_update.build(config, month)
        assert not any(secret in update["text"] for secret in secrets)
    listing = directory.load(snapshot, config.community_name)
    for render_file in directory.RENDER.values():
        assert not any(secret in render_file(listing) for secret in secrets)
