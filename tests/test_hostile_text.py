"""Text from outside is text: a person who calls themselves a Markdown link, an image, an
HTML tag and a Slack mention, a place and an organization named the same way, and a URL
whose query parameter is the same, are shown as exactly those characters on every page
of the dashboard, in the partner directory's Markdown and HTML, and in the monthly Slack
update. The names arrive through the sources (GitHub, Slack, the forum, Stack Overflow
profiles, Discord) and the team's organizations.yml, the way real ones would."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
import yaml
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from connectors.core.config import load_config
from connectors.core.text import slack as slack_text
from dashboard.page import PAGES as SIDEBAR
from pipelines.delivery import directory, monthly_update
from pipelines.orchestration.execute import run_job
from pipelines.storage.snapshot import current_snapshot
from sample import FakeServer
from sample.community import organizations_file
from sample.discord import FakeDiscord
from sample.discord_data import DiscordData
from sample.discourse import FakeDiscourse
from sample.discourse_data import DiscourseData
from sample.github import FakeGitHub
from sample.github_data import GitHubData
from sample.slack import FakeSlack
from sample.slack_data import SlackData
from sample.stackexchange import FakeStackExchange
from sample.stackexchange_data import StackExchangeData
from tests.conftest import (
    DISCORD_TOKEN,
    DISCOURSE_KEY,
    MARKDOWN_ELEMENTS,
    SLACK_TOKEN,
    TOKEN,
    dashboard_page,
    small_community,
    write_config,
)

pytestmark = pytest.mark.slow

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
#: Every page, in the sidebar's order (the Overview, Members, Organizations, ...).
PAGES = [DASHBOARD / file for file, _, _ in SIDEBAR]

LINK = "[Log in again](https://evil.example/login)"
IMAGE = "![x](https://evil.example/pixel.png)"
TAG = '<img src="https://evil.example/tag.png"> <a href="https://evil.example/a">a</a>'
NAME = f"{LINK} {IMAGE} {TAG} *Eve* <!channel> :red[Eve]"
PLACE = "[Lisbon](https://evil.example/place) <b>bold</b>"
ORGANIZATION = "[Acme](https://evil.example/org) <i>Inc</i>"
PARAMETER = "[Sign in](https://evil.example/param) ![y](https://evil.example/p2.png)"


def rendered(markdown_text: str) -> str:
    """HTML a Markdown renderer makes of ``markdown_text`` (CommonMark with tables)."""
    return MarkdownIt("commonmark").enable("table").render(markdown_text)


def shown_text(markdown_text: str) -> str:
    """What a reader sees: the rendered HTML's text (the invisible word joiner that
    keeps an address from being linked is not seen)."""
    out = html.unescape(re.sub(r"<[^>]+>", "", rendered(markdown_text)))
    return out.replace("\u2060", "").strip()


def assert_only_text(markdown_text: str, hostile: str) -> None:
    out = rendered(markdown_text)
    assert "evil.example" not in re.sub(r">[^<]*<", "><", out), out  # in no tag or link
    assert hostile in " ".join(shown_text(markdown_text).split()), out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("hostile")
    community = small_community()
    person = max((p for p in community.people if not p.is_bot), key=lambda p: p.propensity)
    community.people[community.people.index(person)] = replace(person, name=NAME, location=PLACE)
    organizations = organizations_file(community)
    partner = next(o for o in organizations["organizations"] if not o["staff"])
    renamed, partner["name"] = partner["name"], ORGANIZATION
    (folder / "organizations.yml").write_text(yaml.safe_dump(organizations))
    servers = [
        FakeServer(FakeGitHub(GitHubData(community, repos=(("core", 80),)), {TOKEN})),
        FakeServer(FakeSlack(SlackData(community, messages_per_day=2), {SLACK_TOKEN})),
        FakeServer(FakeDiscourse(DiscourseData(community, 2), api_key=DISCOURSE_KEY)),
        FakeServer(FakeStackExchange(StackExchangeData(community, 0.3))),
        # Their display name on Discord is the hostile name too.
        FakeServer(FakeDiscord(DiscordData(community, 0.5), token=DISCORD_TOKEN)),
    ]
    for server in servers:
        server.start()
    try:
        path = write_config(
            folder,
            servers[0].url,
            slack_url=servers[1].url,
            discourse_url=servers[2].url,
            stackexchange_url=servers[3].url,
            discord_url=servers[4].url,
        )
        env = {
            "ACACIA_TEST_GITHUB_TOKEN": TOKEN,
            "ACACIA_TEST_SLACK_TOKEN": SLACK_TOKEN,
            "ACACIA_TEST_DISCOURSE_KEY": DISCOURSE_KEY,
            "ACACIA_TEST_DISCORD_TOKEN": DISCORD_TOKEN,
        }
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            assert run_job(path, "nightly_sync", ephemeral=True).success
    finally:
        for server in servers:
            server.stop()
    config = load_config(path)
    snapshot = current_snapshot(config.storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        member = con.execute(
            "select member_id from members where display_name = ? "
            "order by location is null, member_id",
            [NAME],
        ).fetchone()
        organization = con.execute(
            "select count(*) from partner_ranking where organization = ?", [ORGANIZATION]
        ).fetchone()
    assert member, "the hostile name should have arrived through the sources"
    assert organization[0] == 1, f"{renamed} renamed should rank"
    return {"config": config, "path": path, "member": member[0], "snapshot": snapshot}


def markdown_bodies(app: AppTest) -> list[str]:
    """The Markdown of every element Streamlit renders as Markdown."""
    return [element.value for kind in MARKDOWN_ELEMENTS for element in getattr(app, kind)]


def charts(app: AppTest) -> list[str]:
    return [element.proto.spec for element in app.get("plotly_chart")]


def render(hostile: dict, monkeypatch, page: Path, **params: str) -> AppTest:
    monkeypatch.setenv("ACACIA_CONFIG", str(hostile["path"]))
    app = dashboard_page(page)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def test_every_page_shows_hostile_names_as_text(hostile, monkeypatch):
    members, organizations = PAGES[1], PAGES[2]
    views = [(page, {}) for page in PAGES] + [
        (members, {"member": hostile["member"]}),
        (organizations, {"organization": ORGANIZATION}),
        (organizations, {"organization": PARAMETER}),
    ]
    seen = {NAME: 0, PLACE: 0, ORGANIZATION: 0, PARAMETER: 0}
    for page, params in views:
        app = render(hostile, monkeypatch, page, **params)
        for body in markdown_bodies(app):
            for text in seen:
                if "evil.example" in body:
                    assert "evil.example" not in re.sub(r">[^<]*<", "><", rendered(body))
                if text in " ".join(shown_text(body).split()):
                    assert_only_text(body, text)
                    seen[text] += 1
        for spec in charts(app):
            assert "<a " not in spec and "<img" not in spec and "<b>bold" not in spec
    # The member page's heading and facts, both organization pages' headings.
    assert seen[NAME] >= 1 and seen[PLACE] >= 1 and seen[ORGANIZATION] >= 1
    assert seen[PARAMETER] == 1


def test_the_directory_exports_show_the_organization_as_text(hostile):
    listing = directory.load(hostile["snapshot"], NAME)
    markdown = directory.to_markdown(listing)
    assert_only_text(markdown, ORGANIZATION)
    assert_only_text(markdown.splitlines()[0], NAME)
    page = directory.to_html(listing)
    assert "evil.example" not in re.sub(r">[^<]*<", "><", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u2060", "")
    assert ORGANIZATION in text and NAME in text


def test_the_monthly_update_shows_names_as_text_in_slack(hostile):
    config = hostile["config"]
    month = monthly_update.last_month()
    figures = monthly_update.figures(hostile["snapshot"], month, config.monthly_update)
    # The month's top lists, with the hostile names at their head if they are not there.
    if NAME not in [name for name, *_ in figures.top_contributors]:
        figures.top_contributors = [(NAME, 100.0, "m"), *figures.top_contributors]
    if ORGANIZATION not in [name for name, *_ in figures.top_organizations]:
        figures.top_organizations = [(ORGANIZATION, 90.0, 3), *figures.top_organizations]
    message = monthly_update.render(figures, NAME, config.monthly_update)
    mrkdwn = " ".join(
        block["text"]["text"]
        for block in message["blocks"]
        if block.get("text", {}).get("type") == "mrkdwn"
    )
    # Slack reads <...> as a link, a mention or a command: none may come from a name.
    assert "<!channel>" not in mrkdwn and "<https://evil" not in mrkdwn and "<a " not in mrkdwn
    assert slack_text(NAME) in mrkdwn and slack_text(ORGANIZATION) in mrkdwn
    # As Slack shows it: entities back to characters, the zero-width spaces invisible.
    shown = html.unescape(mrkdwn).replace("\u200b", "").replace("\u2060", "")
    assert "https://evil" not in mrkdwn  # no bare address for Slack to link
    assert NAME in shown and ORGANIZATION in shown
