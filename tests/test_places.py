"""Where members are: free-text locations and time zones read as a city, a country and
a region (connectors/core/places.py, offline), hostile text included; and the members mart
places everyone as the module does."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from connectors.core import places
from pipelines.storage.snapshot import current_snapshot


@pytest.mark.parametrize(
    ("location", "zone", "city", "country", "region"),
    [
        ("Berlin, Germany", None, "Berlin", "Germany", "Europe"),
        ("Lisboa", None, "Lisbon", "Portugal", "Europe"),  # another name of the city
        ("München", None, "Munich", "Germany", "Europe"),
        ("Poland", None, None, "Poland", "Europe"),
        ("CA", None, None, "Canada", "North America"),  # a country's code on its own
        ("Canada", None, None, "Canada", "North America"),  # ... the same as its name
        ("San Francisco, CA", None, "San Francisco", "United States", "North America"),
        ("Austin, TX", None, "Austin", "United States", "North America"),
        ("Toronto, CA", None, "Toronto", "Canada", "North America"),
        ("Delhi, IN", None, "Delhi", "India", "Asia"),  # India, not Indiana
        ("Indianapolis, IN", None, "Indianapolis", "United States", "North America"),
        ("Berlin, DE", None, "Berlin", "Germany", "Europe"),  # not a Berlin in Delaware
        ("Georgia", None, None, "Georgia", "Asia"),
        ("Atlanta, Georgia", None, "Atlanta", "United States", "North America"),
        ("London, UK", None, "London", "United Kingdom", "Europe"),
        ("São Paulo - Brazil", None, "São Paulo", "Brazil", "South America"),
        ("  lagos ,  NIGERIA ", None, "Lagos", "Nigeria", "Africa"),
        ("DEU", None, None, "Germany", "Europe"),
        ("Remote", "Europe/Paris", None, "France", "Europe"),  # the time zone's country
        (None, "America/Sao_Paulo", None, "Brazil", "South America"),
        ("Europe", None, None, None, "Europe"),  # only a continent
        ("Europe", "Europe/Berlin", None, "Germany", "Europe"),
        (None, "Etc/UTC", None, None, None),
        ("Bay Area", None, None, None, None),
    ],
)
def test_a_place_is_read_from_what_people_write(location, zone, city, country, region):
    found = places.place(location, zone)
    assert (found.city, found.country, found.region) == (city, country, region)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "'; drop table members; --",
        "🌍🌍🌍",
        "x" * 100_000,
        ",,,,/|;()",
        "\x00\x1b[31mred",
        "Ber\u202elin",  # a right-to-left override
        "   ",
        "",
        "null",
        '{"country": "DE"}',
    ],
)
def test_hostile_text_is_an_unknown_place_never_an_error(hostile):
    for found in (places.place(hostile, hostile), places.from_location(hostile)):
        assert found == places.UNKNOWN and found.region is None and found.country is None
    assert places.place(None, None) == places.UNKNOWN
    assert places.place(123, ["Europe/Berlin"]) == places.UNKNOWN  # not text at all


@pytest.mark.slow
def test_the_members_mart_places_everyone_as_the_module_does(synced):
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        members = con.execute(
            "select location, timezone, city, country, region from members"
        ).fetchall()
    placed = 0
    for location, zone, city, country, region in members:
        found = places.place(location, zone)
        assert (city, country, region) == (found.city, found.country, found.region or "Unknown")
        placed += country is not None
    assert placed > len(members) / 2 and any(m[4] == "Unknown" for m in members)


HOSTILE_LOCATIONS = (
    "<script>alert(1)</script>",
    "Ber\u202elin",
    "null",
    '{"country": "DE"}',
    "\x00\x1b[31mred",
    '=HYPERLINK("http://evil.example")',
)


@pytest.mark.slow
def test_hostile_locations_are_unknown_places_on_the_page(synced, tmp_path, monkeypatch):
    """Members who write hostile text as their GitHub location (a newer profile landed,
    then a rebuild) leave the places they had and are counted among the unknowns on
    the Channels and places page; the text itself shows nowhere on it."""
    from datetime import timedelta

    from connectors.core.config import load_config
    from pipelines.orchestration.execute import run_job
    from pipelines.storage.landing import LandingZone
    from tests.conftest import copy_workspace, dashboard_page

    path = copy_workspace(synced, tmp_path)
    config = load_config(path)
    page = str(Path(__file__).resolve().parents[1] / "dashboard/views/5_Channels_and_places.py")

    def shown() -> tuple[int, int, str]:
        """Members placed in a region, members unknown, and every text of the page."""
        monkeypatch.setenv("ACACIA_CONFIG", str(path))
        app = dashboard_page(page).run()
        assert not app.exception, app.exception
        regions = next(t.value for t in app.dataframe if "Region" in t.value.columns)
        unknown = [c.value for c in app.caption if c.value.startswith("Not counted above")]
        texts = [str(e.value) for e in (*app.caption, *app.markdown, *app.subheader)]
        texts += [t.value.to_csv() for t in app.dataframe]
        count = int(unknown[0].split()[3].replace(",", "")) if unknown else 0
        return int(regions["Members"].sum()), count, "\n".join(texts)

    # Active members of the window, placed by their GitHub location alone (no time zone
    # from another profile to fall back on).
    snapshot = current_snapshot(config.storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        chosen = con.execute(
            """
            select i.source_user_id
            from members as m join identities as i using (member_id)
            where i.source = 'github' and i.location = m.location and m.timezone is null
              and m.country is not null and not m.is_bot
              and m.member_id in (
                  select member_id from activities
                  where activity_date > (select max(as_of_date) from build_info) - 90)
              and (select count(*) from identities as j
                   where j.member_id = m.member_id and j.location is not null) = 1
            order by i.source_user_id limit ?""",
            [len(HOSTILE_LOCATIONS)],
        ).fetchall()
    assert len(chosen) == len(HOSTILE_LOCATIONS)
    placed_before, unknown_before, _ = shown()

    landing = LandingZone(config.storage.landing())
    with duckdb.connect() as con:
        cursor = con.execute(
            """
            select * exclude (latest) from (
                select *, row_number() over (partition by source_user_id
                                             order by fetched_at desc) as latest
                from read_parquet(?, union_by_name = true))
            where latest = 1 and list_contains(?, source_user_id)""",
            [[str(f) for f in landing.files("github", "identities")], [u for (u,) in chosen]],
        )
        latest = cursor.fetchall()
        columns = [d[0] for d in cursor.description]
    rows = []
    for values, hostile in zip(sorted(latest, key=str), HOSTILE_LOCATIONS, strict=True):
        row = dict(zip(columns, values, strict=True))
        row.update(location=hostile, fetched_at=row["fetched_at"] + timedelta(minutes=1))
        rows.append(row)
    landing.write("github", "identities", rows, "hostile-locations")
    run_job(path, "rebuild", ephemeral=True)

    placed, unknown, texts = shown()
    assert unknown == unknown_before + len(HOSTILE_LOCATIONS)
    assert placed == placed_before - len(HOSTILE_LOCATIONS)
    for hostile in HOSTILE_LOCATIONS:
        assert hostile not in texts


def test_a_time_zone_is_the_country_the_tz_database_names():
    """zone.tab's country for a zone of its own, zone1970.tab's first (that of the most
    populous city) for a shared one, and an old name as the zone it links to: Bangkok's
    zone is Thailand, not the Vietnam its north shares it with."""
    from connectors.core.places import from_timezone

    expected = {
        "Asia/Bangkok": "TH",
        "Asia/Ho_Chi_Minh": "VN",
        "Asia/Saigon": "VN",  # an old name, linked
        "US/Eastern": "US",
        "Asia/Calcutta": "IN",
        "Europe/Zurich": "CH",
        "Europe/Vaduz": "LI",  # a link with a country of its own in zone.tab
        "Africa/Lagos": "NG",
        "America/Argentina/Buenos_Aires": "AR",
    }
    assert {zone: from_timezone(zone).country_code for zone in expected} == expected
    for zone in ("UTC", "Etc/GMT+3", "Factory", "Not/A_Zone", ""):
        assert from_timezone(zone).country_code is None
    # Every zone of a place on Earth has its country (only Etc/, UTC and the like none).
    import zoneinfo

    placeless = {
        zone for zone in zoneinfo.available_timezones() if from_timezone(zone).country_code is None
    }
    assert all("/" not in z or z.startswith("Etc/") for z in placeless), sorted(placeless)
