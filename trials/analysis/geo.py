"""Places on the globe, offline: what a person types ("Milan, Italy") and where a study site is.

The gazetteer is GeoNames' list of cities with more than 15,000 people and its
country list, kept in ``trials/data/gazetteer.tsv.gz`` (built from GeoNames' files by
``tests/support/build_gazetteer.py``): nothing is fetched at run time and no geocoding
service is asked. Distances are great-circle (haversine) distances in kilometres.

A site with the registry's ``geoPoint`` is placed exactly. A site without one
is placed at the centre of its city, looked up by name within its country:
that distance is approximate, and says so. A site whose city is not in the
gazetteer (a small town) has no distance rather than a guessed one.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from ..model import Site, common_country

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
MAX_PLACE = 120  # nobody types a longer place name; it bounds the work
LATIN_END = "\u0250"  # past Latin Extended-B: other scripts' names are not indexed
MIN_OTHER_NAME = 4  # other names of 2 or 3 letters are codes ("MIL"), which would match too much

GAZETTEER = "GeoNames cities over 15,000 people"
GAZETTEER_FILE = Path(__file__).resolve().parents[1] / "data" / "gazetteer.tsv.gz"
# GeoNames' licence (CC BY 4.0) asks for this wherever its data is used.
ATTRIBUTION = "Places and distances use GeoNames data (geonames.org), licensed CC BY 4.0."

# Country names that GeoNames spells otherwise, beyond the formal names the model already
# turns into common ones (``model.common_country``). Names of the "Moldova, Republic of"
# kind need no entry: the part before the comma is tried too (see ``_country_keys``).
COUNTRY_ALIASES = {
    "cote d'ivoire": "CI",
    "congo": "CG",
    "palestine": "PS",
    "palestinian territories": "PS",
    "united states of america": "US",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
}


# Regions a neurologist filters by. GeoNames gives each country a continent; Latin America
# takes Mexico, Central America and the Caribbean from North America, and the Middle East
# (the countries usually named so, as they appear in trial registries) is a region of its
# own beside its continent: Egypt is in Africa and the Middle East, Turkey in Asia and it.
REGIONS = ("Europe", "North America", "Latin America", "Asia", "Middle East", "Africa", "Oceania")
REGION_OF_CONTINENT = {"EU": "Europe", "NA": "North America", "SA": "Latin America", "AS": "Asia",
                       "AF": "Africa", "OC": "Oceania"}
LATIN_AMERICA_NORTH = frozenset(
    "MX GT BZ SV HN NI CR PA CU DO HT PR JM TT BS BB LC VC GD AG DM KN AW CW BQ SX MF BL GP MQ KY TC VG VI AI MS"
    .split())
MIDDLE_EAST = frozenset("BH CY EG IR IQ IL JO KW LB OM PS QA SA SY TR AE YE".split())


class City(NamedTuple):  # 34,000 made at each load: a tuple is made three times faster than a frozen dataclass
    name: str
    country_code: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class Origin:
    """Where a person is, as understood from what they typed."""

    label: str  # "Milan, Italy"
    lat: float
    lon: float
    note: str = ""  # how an ambiguous or country-only input was read; "" when plain


@dataclass(frozen=True)
class Placed:
    """Where a site is, and how sure that is."""

    lat: float
    lon: float
    approximate: bool  # True: the centre of its city, not the site's own coordinates


def fold(text: str) -> str:
    """Casefolded, accents removed, spaces collapsed: "  Zürich " -> "zurich"."""
    if text.isascii():  # most names: the quick way
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("’", "'").split())


class Gazetteer:
    """The cities and countries of ``GAZETTEER_FILE``, indexed by folded name.

    Other names ("Milano", "München": 157,000 of them) are not put in a dictionary, which
    took 30 MB: they stay a text per country, a line per city (``|milano|mailand|``),
    searched only when no city has the name as its own (a site's, in its country's text).
    """

    def __init__(self, path: Path = GAZETTEER_FILE) -> None:
        self.countries: dict[str, str] = {}
        self._capitals: dict[str, str] = {}
        self._continents: dict[str, str] = {}
        self._country_by_key: dict[str, str] = {}
        self._by_name: dict[str, list[City]] = {}
        others: dict[str, tuple[list[str], list[City]]] = {}  # per country: lines, cities
        # Whole, then split: reading a gzip file line by line took most of the load time.
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
            kind, *fields = line.split("\t")
            if kind == "country":
                self._add_country(*fields)
            elif kind == "city":  # most populous first in the file, so every list is in that order
                name, key, country_code, lat, lon, population, other_names = fields
                city = City(name, country_code, float(lat), float(lon), int(population))
                self._by_name.setdefault(key, []).append(city)
                lines, cities = others.setdefault(country_code, ([], []))
                lines.append(f"|{other_names}|")
                cities.append(city)
        self._country_by_key.update(COUNTRY_ALIASES)
        self._others = {code: _OtherNames(lines, cities) for code, (lines, cities) in others.items()}

    def _add_country(self, code: str, name: str, capital: str, iso3: str, continent: str) -> None:
        self.countries[code] = name
        self._capitals[code] = capital
        self._continents[code] = continent
        for key in (fold(name), fold(code), fold(iso3)):
            if key:
                self._country_by_key.setdefault(key, code)
                self._country_by_key.setdefault(key.removeprefix("the "), code)  # The Netherlands

    def _by_other_name(self, key: str, country_code: str | None) -> list[City]:
        """Cities with ``key`` among their other names (in one country when given), most
        populous first."""
        if not key or "|" in key or "\n" in key:
            return []
        if country_code is not None:
            names = self._others.get(country_code)
            return names.find(key) if names else []
        return sorted((c for names in self._others.values() for c in names.find(key)), key=lambda c: -c.population)

    def regions(self, country: str) -> tuple[str, ...]:
        """The regions (``REGIONS``) a country as written lies in; () when it is not known."""
        code = self.country_code(country)
        if code is None:
            return ()
        found = [REGION_OF_CONTINENT.get(self._continents.get(code, ""), "")]
        if code in LATIN_AMERICA_NORTH:
            found = ["Latin America"]
        if code in MIDDLE_EAST:
            found.append("Middle East")
        return tuple(r for r in REGIONS if r in found)

    def country_code(self, text: str) -> str | None:
        # Each way of keying it, as written and under its common name ("the UK" -> "uk").
        for key in _country_keys(text):
            for name in (key, fold(common_country(key))):
                if name in self._country_by_key:
                    return self._country_by_key[name]
        return None

    def cities(self, name: str, country_code: str | None = None) -> list[City]:
        """Cities of that name, most populous first; by their own name before other names."""
        key = fold(name)
        for cities in (self._by_name.get(key, ()), self._by_other_name(key, country_code)):
            found = [c for c in cities if country_code in (None, c.country_code)]
            if found:
                return found
        return []

    def capital(self, country_code: str) -> City | None:
        found = self.cities(self._capitals.get(country_code, ""), country_code)
        if found:
            return found[0]
        # No capital in the list: the country's most populous city stands in.
        every = [c for cities in self._by_name.values() for c in cities if c.country_code == country_code]
        return max(every, key=lambda c: c.population, default=None)


class _OtherNames:
    """One country's cities' other names as one text, a line per city, and the cities."""

    def __init__(self, lines: list[str], cities: list[City]) -> None:
        self._text = "\n".join(lines)
        self._starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
        self._cities = cities

    def find(self, key: str) -> list[City]:
        """The cities with ``key`` among their other names, in the file's order."""
        found, needle, start = [], f"|{key}|", 0
        while (at := self._text.find(needle, start)) >= 0:
            found.append(self._cities[bisect.bisect_right(self._starts, at) - 1])
            start = at + 1
        return found


def _country_keys(text: str) -> list[str]:
    """The ways a country name may be keyed: as written, without a bracket, without "the",
    and the part before a comma ("Iran, Islamic Republic of" -> "iran")."""
    key = fold(text)
    keys = [key, fold(re.sub(r"\(.*?\)", "", key))]
    keys += [fold(k.split(",")[0]) for k in list(keys)]
    for k in list(keys):
        if k.startswith("the "):
            keys.append(k[4:])
    keys += [fold(m) for m in re.findall(r"\((.*?)\)", key)]  # "Turkey (Türkiye)"
    return list(dict.fromkeys(k for k in keys if k))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _population(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def locate(text: str) -> Origin:
    """Where "Milan, Italy", "Milan" or "Italy" is. Raises InputError, naming what was not
    found and what to type instead, when the gazetteer does not know it."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:MAX_PLACE]
    parts = [p.strip() for p in cleaned.split(",") if p.strip()]
    if not parts:
        raise InputError('Type a city and its country, e.g. "Milan, Italy", or just a country.')
    g = gazetteer()
    whole = g.country_code(cleaned)  # "Italy", "Iran, Islamic Republic of"
    if whole:
        return _country_origin(g, whole)
    # "Milan, Italy" or "Springfield, Illinois, United States": the last part may be a country.
    country = g.country_code(parts[-1]) if len(parts) > 1 else None
    if len(parts) > 1 and country is None:
        raise InputError(
            f"No country called {parts[-1]!r} is in the offline list. Write the country in "
            'English, e.g. "Milan, Italy" or "Lyon, France", or leave it out.')
    city_name = parts[0]
    found = g.cities(city_name, country)
    if not found:
        where = f" in {g.countries[country]}" if country else ""
        raise InputError(
            f"No city called {city_name!r}{where} is in the offline list ({GAZETTEER}). "
            "Type the nearest larger city with its country, e.g. \"Milan, Italy\", "
            "or just your country.")
    best = found[0]
    label = f"{best.name}, {g.countries.get(best.country_code, best.country_code)}"
    note = ""
    if len(found) > 1:
        elsewhere = ", ".join(dict.fromkeys(g.countries.get(c.country_code, c.country_code)
                                            for c in found[1:]))
        note = (f"{len(found)} places are called {city_name}; using the largest, {label} "
                f"(population {_population(best.population)}). The others are in {elsewhere}: "
                "add the country to choose another.")
    return Origin(label, best.lat, best.lon, note)


def _country_origin(g: Gazetteer, code: str) -> Origin:
    city = g.capital(code)
    if city is None:
        raise InputError(f"No city of {g.countries[code]} is in the offline list; type a city "
                         "in a neighbouring country.")
    country = g.countries[code]
    return Origin(country, city.lat, city.lon,
                  f"Distances are measured from {city.name}, the capital of {country}; type your "
                  "city for distances from where you are.")


def place_site(site: Site) -> Placed | None:
    """The site's own coordinates, else the centre of its city (approximate), else None."""
    if site.geo_point:
        return Placed(*site.geo_point, approximate=False)
    return _city_centre(site.city, site.country)


@lru_cache(maxsize=4096)
def _city_centre(city: str, country: str) -> Placed | None:
    if not city or not country:
        return None
    g = gazetteer()
    code = g.country_code(country)
    if code is None:
        return None
    found = g.cities(city, code)
    return Placed(found[0].lat, found[0].lon, approximate=True) if found else None

