"""Where the sites are: the points, labels and extent of the site map, and its Vega-Lite drawing.

The map is longitude and latitude on a plain globe with a graticule (Altair's Equal Earth
projection): no map tiles, so it draws with no network. Colour *and* shape give each
site's status, in the page's one status palette (``views.STATUS_COLOURS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import altair as alt
import pandas as pd

from ..analysis import geo
from ..analysis.nearby import SiteAt, all_sites
from ..analysis.status import STATUS_GROUPS, status_group
from ..model import Site
from . import detail
from .views import STATUS_COLOURS, TEXT_COLOUR


def approximate(points: pd.DataFrame) -> int:
    """How many of the points are placed at their city's centre, not at their own coordinates."""
    return int(points["position"].str.startswith("city").sum())


def site_points(rows: pd.DataFrame, sites: Mapping[str, tuple[Site, ...]]) -> pd.DataFrame:
    """Every placed site of the studies in ``rows`` (``sites`` by study id), for the map."""
    return map_points(all_sites(rows, sites))


LABEL_SPACING = 0.06  # of the map's span: labels closer than this to one already placed are left off


def map_points(sites: Iterable[SiteAt]) -> pd.DataFrame:
    """Placed sites for a map: where, status group, and a label ("Bergen: Recruiting now") on as
    many points as fit without overlapping, open sites labelled first."""
    placed = sorted((s for s in sites if s.lat is not None), key=lambda s: not s.is_open)
    rows = [{"study_id": s.study_id, "lat": s.lat, "lon": s.lon, "status": status_group(s.status),
             "place": ", ".join(p for p in (s.city, s.country) if p), "site": s.name,
             "position": "city centre (approximate)" if s.approximate else "site coordinates"}
            for s in placed]
    points = pd.DataFrame(rows, columns=["study_id", "lat", "lon", "status", "place", "site", "position"])
    points["label"] = _spaced_labels(points)
    return points


def _spaced_labels(points: pd.DataFrame) -> list[str]:
    if points.empty:
        return []
    span = max(points["lon"].max() - points["lon"].min(), points["lat"].max() - points["lat"].min(), 10.0)
    room = LABEL_SPACING * span
    taken: list[tuple[float, float]] = []
    labels = []
    columns = (points["lat"], points["lon"], points["place"], points["status"])
    for lat, lon, place, status in zip(*columns, strict=True):
        # Labels run to the right of their point: keep them apart mostly along latitude.
        free = all(abs(lat - a) > room / 2 or abs(lon - b) > room * 3 for a, b in taken)
        labels.append(f"{place.split(',')[0]}: {status}" if free else "")
        if free:
            taken.append((lat, lon))
    return labels


def map_extent(points: pd.DataFrame, origin: geo.Origin | None = None) -> dict:
    """A GeoJSON box around the points (and the person), padded, for the map to fit."""
    lats = list(points["lat"]) + ([origin.lat] if origin else [])
    lons = list(points["lon"]) + ([origin.lon] if origin else [])
    pad = 4.0
    right = pad + 0.15 * (max(lons) - min(lons))  # room for the labels, which run to the right
    south, north = max(-85.0, min(lats) - pad), min(85.0, max(lats) + pad)
    west, east = max(-180.0, min(lons) - pad), min(180.0, max(lons) + right)
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "MultiPoint",
                         "coordinates": [[west, south], [east, south], [east, north], [west, north]]}}


def sites_frame(sites: Iterable[SiteAt]) -> pd.DataFrame:
    """One row a site, for a table a person reads: status, place, distance, contact."""
    return pd.DataFrame(
        [{"study_id": s.study_id, "site": s.facility, "city": s.city, "country": s.country,
          "status": s.status_text, "distance": s.distance_text, "contact": s.contact} for s in sites],
        columns=["study_id", "site", "city", "country", "status", "distance", "contact"])


def sites_markdown(sites: Iterable[SiteAt]) -> str:
    """The same sites as text a phone can read aloud and tap (``detail.site_markdown``)."""
    return "\n".join(detail.site_markdown((s.study_id, s.facility, s.city, s.country),
                                          f"{s.status_text}, {s.distance_text}", s.contacts) for s in sites)


# Colour and shape both tell the status (not colour alone); the legend names it. The colours
# are the page's one status palette (trials.views).
MAP_STATUSES = list(STATUS_GROUPS)
MAP_COLOURS = [STATUS_COLOURS[s] for s in MAP_STATUSES]
MAP_SHAPES = ["circle", "triangle-up", "diamond", "square", "cross", "triangle-down", "triangle-left",
              "triangle-right"]


def map_spec(points: pd.DataFrame, origin: geo.Origin | None) -> dict | None:
    """The map as a Vega-Lite spec; None when no site has a known place."""
    if points.empty:
        return None
    present = [s for s in MAP_STATUSES if s in set(points["status"])]
    colours = [MAP_COLOURS[MAP_STATUSES.index(s)] for s in present]
    shapes = [MAP_SHAPES[MAP_STATUSES.index(s)] for s in present]
    legend = alt.Legend(title="Site status", orient="bottom", symbolSize=160, symbolStrokeWidth=0,
                        labelFontSize=13, titleFontSize=13, labelColor=TEXT_COLOUR,
                        titleColor=TEXT_COLOUR, labelLimit=0, columns=2)
    world = alt.layer(
        # The globe and its grid are decoration: hidden from screen readers (aria=False).
        alt.Chart(alt.sphere()).mark_geoshape(fill="#eef3f7", stroke="#b0bec5", clip=True, aria=False),
        alt.Chart(alt.graticule(step=[10, 10])).mark_geoshape(stroke="#d5dde3", strokeWidth=0.5, clip=True,
                                                              aria=False),
    )
    dots = alt.Chart(points).mark_point(filled=True, size=110, opacity=0.9, stroke="white",
                                        strokeWidth=0.7, clip=True).encode(
        longitude="lon:Q", latitude="lat:Q",
        # One legend for both channels (same title and settings), so each status has its symbol.
        color=alt.Color("status:N", scale=alt.Scale(domain=present, range=colours), legend=legend),
        shape=alt.Shape("status:N", scale=alt.Scale(domain=present, range=shapes), legend=legend),
        tooltip=[alt.Tooltip("site:N", title="Site"), alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("study_id:N", title="Study"), alt.Tooltip("position:N", title="Placed at")],
    )
    labels = alt.Chart(points[points["label"] != ""]).mark_text(
        align="left", dx=8, dy=-7, fontSize=11, color="#263238", clip=True).encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N")
    layers = [world, dots, labels]
    if origin is not None:
        me = pd.DataFrame([{"lon": origin.lon, "lat": origin.lat, "label": f"You: {origin.label}"}])
        layers.append(alt.Chart(me).mark_point(shape="circle", size=420, color="black", filled=False,
                                               strokeWidth=3)
                      .encode(longitude="lon:Q", latitude="lat:Q"))
        layers.append(alt.Chart(me).mark_text(align="right", dx=-12, dy=12, fontWeight="bold")
                      .encode(longitude="lon:Q", latitude="lat:Q", text="label:N"))
    chart = alt.layer(*layers).project(type="equalEarth", fit=map_extent(points, origin))
    return chart.properties(height=480).to_dict()
