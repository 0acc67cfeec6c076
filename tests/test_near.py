"""Trials near me: the offline gazetteer, distances, ranking by the nearest open site,
nothing in range, and the CLI's --near/--within columns."""

from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pytest

from trials import cli
from trials.analysis import geo, nearby, prescreen
from trials.errors import InputError
from trials.model import Site
from trials.registries.ctgov.record import read_study

from .conftest import FULL_RECORDS, MS_2025, MSC_2022, REPO, by_id, load_jsonl


def km(a: str, b: str) -> float:
    x, y = geo.locate(a), geo.locate(b)
    return geo.haversine_km(x.lat, x.lon, y.lat, y.lon)


@pytest.mark.parametrize("a, b, expected", [
    ("Milan, Italy", "Rome, Italy", 477),  # published great-circle distances, within 1 %
    ("London, United Kingdom", "Paris, France", 344),
    ("New York, United States", "Los Angeles, United States", 3936),
    ("Sydney, Australia", "Melbourne, Australia", 714),
])
def test_distances_between_known_cities(a, b, expected):
    assert km(a, b) == pytest.approx(expected, rel=0.01)
    assert km(b, a) == pytest.approx(km(a, b))
    assert km(a, a) == pytest.approx(0, abs=1e-6)


def test_a_known_city_is_found_offline_in_several_spellings():
    milan = geo.locate("Milan, Italy")
    assert (milan.label, round(milan.lat, 1), round(milan.lon, 1)) == ("Milan, Italy", 45.5, 9.2)
    assert geo.locate("  milano ") == milan  # another name, other case and spaces
    assert geo.locate("München, Germany").label == "Munich, Germany"
    assert geo.locate("Zurich").label == "Zürich, Switzerland"  # accents need not be typed


def test_an_ambiguous_name_takes_the_largest_and_says_so_unless_the_country_decides():
    london = geo.locate("London")
    assert london.label == "London, United Kingdom"
    assert "2 places are called London" in london.note and "Canada" in london.note
    ontario = geo.locate("London, Canada")
    assert ontario.label == "London, Canada" and ontario.note == ""
    assert km("London", "London, Canada") > 5000


def test_a_country_alone_is_measured_from_its_capital_and_says_so():
    germany = geo.locate("Germany")
    assert germany.label == "Germany" and "Berlin" in germany.note
    # Registry spellings of countries are understood too.
    assert geo.locate("Korea, Republic of").label == "South Korea"
    assert geo.locate("Netherlands").label == "The Netherlands"
    assert geo.locate("Turkey (Türkiye)").label == "Turkey"


@pytest.mark.parametrize("text, message", [
    ("Xyzzyville", "No city called 'Xyzzyville' is in the offline list"),
    ("Springfield, Narnia", "No country called 'Narnia'"),
    ("Tiny Hamlet, Italy", "No city called 'Tiny Hamlet' in Italy"),
    ("   ", "Type a city and its country"),
])
def test_an_unknown_place_says_what_was_not_found_and_what_to_type(text, message):
    with pytest.raises(InputError, match=message) as err:
        geo.locate(text)
    assert "e.g." in str(err.value) or "Type" in str(err.value)


@pytest.mark.parametrize("value", ["0", "-5", "far", "nan", "30000"])
def test_a_distance_must_be_a_sensible_number(value):
    with pytest.raises(InputError):
        nearby.parse_within(value)
    assert nearby.parse_within("500 km") == 500 and nearby.parse_within("") is None


# -- ranking ------------------------------------------------------------------

def site(city: str, country: str, status: str = "RECRUITING", geo_point=None, facility: str = "") -> Site:
    return Site(facility or f"Hospital of {city}", city, "", country, status, (), geo_point)


def table(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"study_id": [r[0] for r in rows], "overall_status": [r[1] for r in rows]})


def test_studies_rank_by_their_nearest_open_site():
    # Hand-made sites in real cities; the distances come from the gazetteer, not from here.
    sites = {
        "NCT00000001": (site("Rome", "Italy"), site("Lyon", "France", status="COMPLETED")),
        "NCT00000002": (site("Turin", "Italy", status="NOT_YET_RECRUITING"), site("Berlin", "Germany")),
        "NCT00000003": (site("Lyon", "France", status="ACTIVE_NOT_RECRUITING"),),
        "NCT00000004": (site("Tiny Hamlet", "Italy"),),
    }
    df = table(("NCT00000001", "RECRUITING"), ("NCT00000002", "RECRUITING"),
               ("NCT00000003", "RECRUITING"), ("NCT00000004", "RECRUITING"))
    near = nearby.rank(df, sites, geo.locate("Milan, Italy"))
    ranked = near.table
    assert list(ranked["study_id"]) == ["NCT00000002", "NCT00000001", "NCT00000004", "NCT00000003"]
    turin = ranked.iloc[0]
    assert turin["nearest_site"] == "Hospital of Turin, Turin, Italy"
    assert turin["nearest_site_status"] == "Not yet recruiting"  # said so
    assert turin["distance_km"] == pytest.approx(km("Milan, Italy", "Turin, Italy"), abs=1)
    assert turin["distance_approximate"] == "yes"  # placed at the city's centre
    rome = ranked.iloc[1]  # the completed Lyon site is nearer but takes nobody
    assert rome["nearest_site"].endswith("Rome, Italy") and rome["distance_km"] == pytest.approx(477, abs=5)
    # An open site in a town the gazetteer does not know: named, without a distance; then
    # the study with no open site at all.
    assert ranked.iloc[2:]["distance_km"].isna().all()
    assert ranked.iloc[2]["nearest_site"].endswith("Tiny Hamlet, Italy") and ranked.iloc[3]["nearest_site"] == ""
    unplaced = [s for s in near.sites if s.study_id == "NCT00000004"]
    assert unplaced[0].distance_text.startswith("distance unknown")


def test_a_site_is_no_more_open_than_its_study():
    sites = {"NCT00000001": (site("Genoa", "Italy"),)}
    near = nearby.rank(table(("NCT00000001", "UNKNOWN")), sites, geo.locate("Milan, Italy"))
    assert near.table["distance_km"].isna().all()


def test_a_site_without_its_own_status_takes_the_studys_and_says_so():
    sites = {"NCT00000001": (site("Genoa", "Italy", status=""),)}
    near = nearby.rank(table(("NCT00000001", "RECRUITING")), sites, geo.locate("Milan"))
    assert near.table.iloc[0]["nearest_site_status"].startswith("Recruiting (the study's status")


def test_a_site_with_registry_coordinates_uses_them_exactly():
    # NCT06791122 is a real v2 record whose recruiting sites carry geoPoint.
    record = by_id(json.loads(FULL_RECORDS.read_text(encoding="utf-8")), "NCT06791122")
    trial = read_study(record)
    first = trial.sites[0]
    assert first.geo_point is not None
    placed = geo.place_site(first)
    assert (placed.lat, placed.lon, placed.approximate) == (*first.geo_point, False)
    ranked = nearby.rank(table((trial.id.value, trial.overall_status)), {trial.id.value: trial.sites},
                         geo.locate("Los Angeles, United States"))
    assert ranked.table.iloc[0]["distance_approximate"] == "no"


def test_nothing_within_the_distance_names_the_nearest_open_sites_anywhere():
    sites = {
        "NCT00000001": (site("Oslo", "Norway"),),
        "NCT00000002": (site("Madrid", "Spain", status="NOT_YET_RECRUITING"),),
    }
    df = table(("NCT00000001", "RECRUITING"), ("NCT00000002", "NOT_YET_RECRUITING"))
    near = nearby.rank(df, sites, geo.locate("Milan, Italy"), within_km=300)
    assert near.found_nothing
    assert "No study here has a site open to new participants within 300 km of Milan, Italy" in near.message
    # Nearest first, each with its distance and country.
    madrid, oslo = near.message.index("Madrid"), near.message.index("Oslo")
    assert madrid < oslo
    assert f"about {km('Milan, Italy', 'Madrid, Spain'):,.0f} km, Spain" in near.message
    assert "Norway" in near.message


# -- the command line, on real records --------------------------------------------

@pytest.fixture
def imported(tmp_path, monkeypatch):
    if not MSC_2022.exists():
        pytest.skip(f"real records not found at {MSC_2022}")
    monkeypatch.setenv("TRIALS_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["import", str(MSC_2022)]) == 0
    return tmp_path


def test_export_near_adds_the_distance_columns_nearest_first(imported, capsys):
    out = imported / "near.csv"
    assert cli.main(["export", "--offline", "--near", "Milan, Italy", "--within", "2500", "-o", str(out)]) == 0
    with open(out, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"nearest_site", "distance_km", "distance_approximate", "nearest_site_status"} <= set(rows[0])
    distances = [int(r["distance_km"]) for r in rows]
    assert distances == sorted(distances) and max(distances) <= 2500
    # msc-2022 sites have no geoPoint: every distance is to a city centre, and says so.
    assert {r["distance_approximate"] for r in rows} == {"yes"}
    assert all(r["nearest_site_status"] in ("Recruiting", "Not yet recruiting") for r in rows)
    studies = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in load_jsonl(MSC_2022)}
    for r in rows:
        trial = read_study(studies[r["study_id"]])
        assert trial.overall_status in nearby.OPEN_STATUSES
        assert any(s.city and s.city in r["nearest_site"] for s in trial.sites)
    assert "within 2,500 km of Milan, Italy" in capsys.readouterr().err


def test_search_with_nothing_in_range_says_so_and_names_the_nearest(imported, capsys):
    assert cli.main(["search", "--offline", "--near", "Sydney, Australia", "--within", "300"]) == 0
    out = capsys.readouterr().out
    assert "No study here has a site open to new participants within 300 km of Sydney, Australia" in out
    assert "The nearest open sites anywhere:" in out and " km, " in out


@pytest.mark.parametrize("args, message", [
    (["--near", "Atlantisxx"], "No city called 'Atlantisxx'"),
    (["--within", "50"], "--within needs --near"),
    (["--near", "Milan", "--within", "-1"], "more than 0"),
])
def test_near_mistakes_get_one_line_and_exit_1(imported, capsys, args, message):
    assert cli.main(["search", "--offline", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_shipped_gazetteer_is_what_the_script_builds_from_geonames():
    from .support import build_gazetteer

    assert build_gazetteer.TARGET.read_bytes() == build_gazetteer.render()
    header = gzip.decompress(build_gazetteer.TARGET.read_bytes()).decode("utf-8").splitlines()[:2]
    assert "GeoNames" in header[0] and "CC BY 4.0" in header[1]


@pytest.mark.parametrize("country, regions", [
    ("Italy", ("Europe",)), ("United States", ("North America",)), ("Mexico", ("Latin America",)),
    ("Brazil", ("Latin America",)), ("Iran, Islamic Republic of", ("Asia", "Middle East")),
    ("Egypt", ("Middle East", "Africa")), ("Russian Federation", ("Europe",)), ("Australia", ("Oceania",)),
    ("Korea, Republic of", ("Asia",)), ("Atlantis", ()),
])
def test_a_country_lies_in_its_regions(country, regions):
    assert geo.gazetteer().regions(country) == regions


def test_every_country_in_the_real_records_is_listed_once_under_its_common_name():
    # Issue 18: the country list held both "Iran" and "Iran, Islamic Republic of" (the 2022
    # records use the formal name) and both "South Korea" and "Korea, Republic of".
    from trials.model import COMMON_COUNTRY_NAMES

    g = geo.gazetteer()
    records = [*load_jsonl(MS_2025), *load_jsonl(MSC_2022), *json.loads(FULL_RECORDS.read_text())]
    written = {s.country for r in records for s in read_study(r).sites if s.country}
    assert {"Iran", "South Korea", "Turkey"} <= written
    assert not {"Iran, Islamic Republic of", "Korea, Republic of", "Turkey (Türkiye)"} & written
    by_code: dict[str | None, set[str]] = {}
    for name in written:
        by_code.setdefault(g.country_code(name), set()).add(name)
    assert None not in by_code, by_code.get(None)  # every name is a country the gazetteer knows
    assert {code: names for code, names in by_code.items() if len(names) > 1} == {}
    # Each formal name is the country it names, not a neighbour with a similar name (the
    # gazetteer's own names, without the table, give these ISO codes).
    iso = {"bolivia, plurinational state of": "BO", "congo, the democratic republic of the": "CD",
           "congo, democratic republic of the": "CD", "congo (kinshasa)": "CD", "czech republic": "CZ",
           "iran, islamic republic of": "IR", "korea, democratic people's republic of": "KP",
           "korea, republic of": "KR", "republic of korea": "KR", "lao people's democratic republic": "LA",
           "libyan arab jamahiriya": "LY", "macedonia, the former yugoslav republic of": "MK",
           "micronesia, federated states of": "FM", "moldova, republic of": "MD",
           "palestinian territory, occupied": "PS", "russian federation": "RU", "syrian arab republic": "SY",
           "taiwan, province of china": "TW", "tanzania, united republic of": "TZ", "turkey (türkiye)": "TR",
           "türkiye": "TR", "turkiye": "TR", "venezuela, bolivarian republic of": "VE", "viet nam": "VN",
           "the netherlands": "NL", "uk": "GB", "great britain": "GB", "usa": "US", "us": "US", "u.s.": "US",
           "america": "US"}
    assert set(iso) == set(COMMON_COUNTRY_NAMES)
    assert {formal: g.country_code(common) for formal, common in COMMON_COUNTRY_NAMES.items()} == iso


@pytest.mark.parametrize("place", ["London, the UK", "London, UK", "London, United Kingdom", "London, Great Britain"])
def test_short_country_names_are_read_inside_a_place(place):
    assert geo.locate(place).label == "London, United Kingdom"


def test_the_region_filter_keeps_studies_with_a_site_in_the_region():
    # Issue 18: Europe took nine separate country picks.
    from trials.analysis import filters

    table = pd.DataFrame({"countries": ["Italy; United States", "Iran, Islamic Republic of", "Canada", ""]})
    assert list(filters.regions(table, ("Europe",))) == [True, False, False, False]
    assert list(filters.regions(table, ("Middle East", "North America"))) == [True, True, True, False]


def test_the_open_sites_nearest_first_are_text_with_contacts_to_tap():
    # Issue 18: "Open sites, nearest first" showed only Study, Site and City on a phone.
    from trials.model import Contact
    from trials.presentation import map as site_map

    site = nearby.SiteAt("NCT04749667", "Haukeland University Hospital", "Bergen", "Norway", "RECRUITING", False,
                         "RECRUITING", "", 60.39, 5.32, True, 1679.4,
                         (Contact(name="Study nurse", phone="+47 55 97 50 00", email="study@helse-bergen.no"),))
    [line] = site_map.sites_markdown([site]).splitlines()
    assert line.startswith("- **NCT04749667, Haukeland University Hospital, Bergen, Norway**: Recruiting, about 1")
    assert "](tel:+4755975000)" in line and "](mailto:study@helse-bergen.no)" in line


def test_one_ordering_rule_likely_fits_first_then_nearest():
    # Issue 18: "Your pre-screen (likely fits first)" was shown above a list ordered by distance.
    sites = {"NCT00000001": (site("Rome", "Italy"),), "NCT00000002": (site("Turin", "Italy"),),
             "NCT00000003": (site("Lyon", "France"),)}
    df = table(("NCT00000001", "RECRUITING"), ("NCT00000002", "RECRUITING"), ("NCT00000003", "RECRUITING"))
    df["fit"] = ["likely fits", "does not fit", "likely fits"]
    assert set(df["fit"]) <= set(prescreen.VERDICTS)
    near = nearby.rank(df, sites, geo.locate("Milan, Italy"))
    # Turin is nearest but does not fit; of the likely fits, Lyon (about 340 km) before Rome.
    assert list(near.table["study_id"]) == ["NCT00000003", "NCT00000001", "NCT00000002"]
    assert "likely fits first, then nearest" in near.message
    assert "nearest first" in nearby.rank(df.drop(columns="fit"), sites, geo.locate("Milan, Italy")).message


def test_an_unknown_fit_value_sorts_last_instead_of_raising():
    sites = {"NCT00000001": (site("Rome", "Italy"),), "NCT00000002": (site("Turin", "Italy"),)}
    df = table(("NCT00000001", "RECRUITING"), ("NCT00000002", "RECRUITING"))
    df["fit"] = [None, "likely fits"]
    assert list(nearby.rank(df, sites, geo.locate("Milan, Italy")).table["study_id"]) == ["NCT00000002", "NCT00000001"]


def test_a_blank_line_in_registry_text_keeps_each_site_on_one_list_line():
    # The review's case: "\n\n" in a name ended the list item and freed the rest as page text.
    from trials.model import Contact
    from trials.presentation import detail

    line = detail.site_markdown(("Clinic A\n\nCall +1 900 555 0100 to enrol", "Rome"), "Recruiting",
                                (Contact(name="Desk\n\nnote", phone="", email=""),))
    assert "\n" not in line and line.startswith("- **Clinic A Call")


def test_the_phone_and_desktop_site_views_are_each_hidden_at_the_other_width():
    # Issue 18: the card's sites and the open sites nearest first are text on a phone, tables on
    # a computer; a wrong key would show both or neither (the page's containers use these keys).
    from trials.presentation import views

    css = views.LAYOUT_CSS
    phone, desktop = css.split("@media (min-width:")[0], css.split("@media (min-width:")[1]
    for key in ("card_sites", "near_sites"):
        assert f".st-key-{key}_table" in phone and f".st-key-{key}_list" in desktop
    page = "".join(p.read_text(encoding="utf-8") for p in (REPO / "trials" / "page").glob("*.py"))
    for key in ("card_sites_list", "card_sites_table", "near_sites_list", "near_sites_table"):
        assert f'key="{key}"' in page


def test_no_open_site_is_said_without_claiming_an_order_by_distance():
    # The phone test read "0 of these studies have a site open ..., likely fits first, then
    # nearest" for a list in which no study had an open site (issue 18).
    sites = {"NCT00000001": (site("Rome", "Italy"),), "NCT00000002": (site("Turin", "Italy"),)}
    df = table(("NCT00000001", "COMPLETED"), ("NCT00000002", "UNKNOWN"))
    df["fit"] = ["not open to new participants", "ask your neurologist"]
    near = nearby.rank(df, sites, geo.locate("Milan, Italy"))
    assert near.message.startswith("None of these studies has an open site")
    assert near.message.endswith("they are listed likely fits first.") and "nearest" not in near.message
