"""Where members are: free-text locations and time zones read as a city, a country and
a region (pipelines/places.py, offline), hostile text included; and the members mart
places everyone as the module does."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import places
from pipelines.publish import current_snapshot


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
@pytest.mark.xdist_group("pipeline")
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
