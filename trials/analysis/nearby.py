"""Trials near me: every site of the chosen studies placed on the globe, and the studies
ranked by the distance from a person to their nearest site that is open to them.

"Open" means the site itself is recruiting or not yet recruiting (a not-yet-recruiting
site is named as such), and so is its study. A site's status is its own; when the record gives none (older
and sparse records), the study's status stands in and the site says so. Places come
from ``trials.geo``: the registry's coordinates when the record has them, else the
centre of the site's city (approximate), else the distance is unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from ..errors import InputError
from ..model import Contact, Site
from . import geo
from .prescreen import VERDICTS
from .status import status_words

OPEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")
MAX_WITHIN_KM = 20_040  # half the Earth's circumference: every place is closer
NEAREST_ANYWHERE = 5  # sites named when nothing is within the distance

NEAR_COLUMNS = ("distance_km", "distance_approximate", "nearest_site", "nearest_site_status",
                "nearest_site_contact")


@dataclass(frozen=True)
class SiteAt:
    """One site of one study, placed (or not) and measured (or not)."""

    study_id: str
    facility: str
    city: str
    country: str
    status: str  # the site's own status, or the study's when ``status_is_study``
    status_is_study: bool
    study_status: str
    contact: str
    lat: float | None
    lon: float | None
    approximate: bool  # placed at its city's centre, not at its own coordinates
    distance_km: float | None = None
    contacts: tuple[Contact, ...] = ()  # the same as ``contact``, to be called or written to

    @property
    def is_open(self) -> bool:
        # A site is never more open than its study: an old "recruiting" site of a study now
        # completed or of unknown status takes nobody.
        return self.status in OPEN_STATUSES and self.study_status in OPEN_STATUSES

    @property
    def name(self) -> str:
        return ", ".join(p for p in (self.facility, self.city, self.country) if p) or "a site"

    @property
    def status_text(self) -> str:
        words = status_words(self.status)
        return f"{words} (the study's status; the site's own is not given)" if self.status_is_study else words

    @property
    def distance_text(self) -> str:
        if self.distance_km is None:
            return "distance unknown (its city is not in the offline list)"
        return f"{'about ' if self.approximate else ''}{self.distance_km:,.0f} km"


def parse_within(value: object) -> float | None:
    """A distance in km from what a person typed; None for none given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        km = float(str(value).strip().lower().removesuffix("km").strip())
    except ValueError:
        raise InputError(f"{value!r} is not a distance: give kilometres as a number, e.g. 500.") from None
    if not math.isfinite(km) or km <= 0 or km > MAX_WITHIN_KM:
        raise InputError(f"A distance must be more than 0 and at most {MAX_WITHIN_KM} km; got {value!r}.")
    return km


def place_sites(study_id: str, study_status: str, sites: Iterable[Site]) -> list[SiteAt]:
    """A study's sites with their status, contact and place."""
    placed = []
    for site in sites:
        where = geo.place_site(site)
        placed.append(SiteAt(
            study_id=study_id, facility=site.facility, city=site.city, country=site.country,
            status=site.status or study_status, status_is_study=not site.status,
            study_status=study_status,
            contact="; ".join(t for t in (c.text for c in site.contacts) if t),
            contacts=site.contacts,
            lat=where.lat if where else None, lon=where.lon if where else None,
            approximate=where.approximate if where else False,
        ))
    return placed


def all_sites(df: pd.DataFrame, sites_by_id: Mapping[str, tuple[Site, ...]]) -> list[SiteAt]:
    """Every site of the studies in ``df``, in the table's order."""
    return [s for study_id, status in zip(df["study_id"], df["overall_status"], strict=True)
            for s in place_sites(study_id, status, sites_by_id.get(study_id, ()))]


def measured(sites: Iterable[SiteAt], origin: geo.Origin) -> list[SiteAt]:
    """The sites with their distance from ``origin``, nearest first (unknown last)."""
    out = [
        replace(s, distance_km=geo.haversine_km(origin.lat, origin.lon, s.lat, s.lon))
        if s.lat is not None and s.lon is not None else s
        for s in sites
    ]
    return sorted(out, key=lambda s: (s.distance_km is None, s.distance_km or 0.0))


@dataclass(frozen=True)
class Near:
    """Studies ranked by distance, the open sites behind the ranking, and what to tell the reader."""

    table: pd.DataFrame  # the studies with NEAR_COLUMNS: likely fits first (with a pre-screen), then nearest
    origin: geo.Origin
    within_km: float | None
    sites: tuple[SiteAt, ...]  # every open site of the studies asked about, nearest first
    message: str

    @property
    def found_nothing(self) -> bool:
        return self.table.empty


def rank(df: pd.DataFrame, sites_by_id: Mapping[str, tuple[Site, ...]], origin: geo.Origin,
         within_km: float | None = None) -> Near:
    """``df`` ranked by the distance to each study's nearest open site, within each pre-screen
    verdict when ``df`` has a ``fit`` column (likely fits first).

    With ``within_km``, only studies with an open site that close remain; when none does,
    the message names the nearest open sites anywhere, with distance and country.
    """
    open_sites = [s for s in measured(all_sites(df, sites_by_id), origin) if s.is_open]
    nearest: dict[str, SiteAt] = {}
    for site in open_sites:  # nearest first, so the first seen per study is its nearest
        nearest.setdefault(site.study_id, site)
    ranked = df.copy()
    chosen = [nearest.get(i) for i in ranked["study_id"]]
    ranked["distance_km"] = pd.array(
        [round(s.distance_km) if s and s.distance_km is not None else None for s in chosen], dtype="Int64")
    ranked["distance_approximate"] = [
        ("yes" if s.approximate else "no") if s and s.distance_km is not None else "" for s in chosen]
    ranked["nearest_site"] = [s.name if s else "" for s in chosen]
    ranked["nearest_site_status"] = [s.status_text if s else "" for s in chosen]
    ranked["nearest_site_contact"] = [s.contact if s else "" for s in chosen]
    # One ordering rule: a pre-screen's likely fits first (its verdicts' order), then measured
    # sites nearest first; then open sites whose place is unknown; then the rest.
    rank_of = {v: i for i, v in enumerate(VERDICTS)}  # an unknown value sorts last, never raises
    fit = [rank_of.get(v, len(VERDICTS)) for v in ranked["fit"]] if "fit" in ranked else [0] * len(ranked)
    ranked["_order"] = [(f, 0, s.distance_km) if s and s.distance_km is not None else (f, 1 if s else 2, 0.0)
                        for f, s in zip(fit, chosen, strict=True)]
    ranked = ranked.sort_values("_order", kind="stable", ignore_index=True).drop(columns="_order")
    if within_km is not None:
        ranked = ranked[ranked["distance_km"].notna() & (ranked["distance_km"] <= within_km)]
        ranked = ranked.reset_index(drop=True)
    return Near(ranked, origin, within_km, tuple(open_sites),
                _message(ranked, open_sites, origin, within_km, len(df)))


def _message(ranked: pd.DataFrame, open_sites: list[SiteAt], origin: geo.Origin,
             within_km: float | None, asked: int) -> str:
    where = f"within {within_km:,.0f} km of {origin.label}" if within_km else f"from {origin.label}"
    known = [s for s in open_sites if s.distance_km is not None]
    lead = (origin.note + " ") if origin.note else ""
    if not ranked.empty:
        with_site = int(ranked["distance_km"].notna().sum())
        order = "likely fits first, then nearest" if "fit" in ranked else "nearest first"
        if with_site == 0:  # nothing to measure: the order is the pre-screen's alone
            order = "likely fits first" if "fit" in ranked else "in the usual order"
            text = (f"None of these studies has an open site (recruiting or not yet recruiting) whose place "
                    f"is known, so none is measured {where}; they are listed {order}.")
        else:
            text = (f"{with_site} of these studies {'has' if with_site == 1 else 'have'} a site open to "
                    f"new participants (recruiting or not yet recruiting) {where}, {order}.")
        if ranked["distance_approximate"].eq("yes").any():
            text += (" A distance marked approximate is to the centre of the site's city: the record "
                     "gives no coordinates for the site.")
        return lead + text
    if not known:
        return lead + ("None of these studies has a site open to new participants whose place is "
                       f"known, so none can be measured {where}.")
    named = "; ".join(f"{s.name} ({s.distance_text}, {s.country or 'country not given'}, "
                      f"{s.status_text.lower()}, {s.study_id})" for s in known[:NEAREST_ANYWHERE])
    return lead + (f"No study here has a site open to new participants {where}. The nearest open "
                   f"sites anywhere: {named}.")
