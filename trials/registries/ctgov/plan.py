"""Filling the store from the ClinicalTrials.gov API: the query plan.

The query plan, chosen for complete recall with few bytes:

1. ``GET /version``. If its ``dataTimestamp`` is the one already stored,
   nothing else is requested.
2. One pass over every multiple sclerosis study (``query.cond=multiple
   sclerosis``, 1,000 a page) asking only for the few fields the
   stem-cell pre-filter reads (``CANDIDATE_FIELDS``). After the
   first refresh this pass asks only for studies updated since the newest
   update already stored (``filter.advanced=AREA[LastUpdatePostDate]RANGE``).
3. Full records, only for the candidates that are new or changed
   (``filter.ids``, 100 a request), with the fields the page shows.
4. After that is written: for each business that offers a stem-cell study at
   one or a few sites, one request for its other listings (``query.lead``), to
   see whether any asks participants to pay (a flag on its studies). At most
   ``SPONSOR_LOOKUPS_PER_REFRESH`` a refresh; each answer is kept with the store
   and asked again after ``SPONSOR_RECHECK_DAYS``.

The server's own search expands synonyms in ways that cannot be reproduced
offline, so the server only narrows to MS; our classifier decides what is a
stem-cell study. Steps 2 and 3 are written in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ...analysis import classify, flags
from ...catalog import name_of
from ...config import Settings, without_credentials
from ...errors import ApiError
from ...model import CTGOV, Study
from ...store.sqlite import SponsorCheck, Store, utc_now
from .. import http, sync
from ..base import ListingRefused, Progress, RefreshResult
from ..values import bounded
from .api import Client
from .record import is_nct_id, raw_nct_id, read_study, refusal, study_id

NAME = name_of(CTGOV)
MS_QUERY = {"query.cond": "multiple sclerosis"}

# API v2 piece names for the cheap first pass over all MS studies. Titles and intervention
# names name the therapy of every labelled stem-cell study; other names explain product
# codes; the type spots a biologic known only by its code, and the registry's index terms
# may say what it is ("Mesenchymal Stem Cell Transplantation"). Keywords and summaries cannot make
# a study a candidate (they only refine a stem-cell mention found elsewhere), and summaries
# and descriptions are long: bench/classify.py measures each choice.
CANDIDATE_FIELDS: tuple[str, ...] = (
    "NCTId",
    "BriefTitle",
    "OfficialTitle",
    "InterventionType",
    "InterventionName",
    "InterventionOtherName",
    "InterventionMeshTerm",  # the registry's index terms: a product known only by its code may carry one
)

# The listing pass: what the stem-cell pre-filter reads, plus what the store
# tracks for every MS study (status changes, incremental refresh). The MS check
# needs the conditions, but only candidates need it, and they get full records.
LIST_FIELDS = tuple(dict.fromkeys((
    "NCTId", "OverallStatus", "LastUpdatePostDate", *CANDIDATE_FIELDS,
)))

# What the page and the export show of a stem-cell study (API piece names).
DETAIL_FIELDS = (
    "IdentificationModule",
    "StatusModule",
    "SponsorCollaboratorsModule",
    "DescriptionModule",
    "ConditionsModule",
    "DesignModule",
    "ArmsInterventionsModule",
    "EligibilityModule",
    "ContactsLocationsModule",  # sites with their own status, contacts and geoPoint
    "OutcomesModule",  # the primary outcome, for the side-by-side comparison
    "ConditionMeshTerm",
    "ConditionMeshId",
    "InterventionMeshTerm",  # the registry's index terms: evidence beside the words
    "InterventionMeshId",
    "HasResults",
    "ReferencesModule",  # publications of the study's results, and background reading
)

# Renewed whenever DETAIL_FIELDS gains a field: the next refresh fetches every stored full
# record again, once (issue 19 added ReferencesModule; issue 27 InterventionMeshId).
DETAILS_VERSION = "3"

# What a sponsor's other listings need for the payment rule: the texts that ask for money.
SPONSOR_FIELDS = (
    "NCTId", "BriefTitle", "OfficialTitle", "LeadSponsorName", "BriefSummary", "DetailedDescription",
    "EligibilityCriteria", "ArmGroupDescription", "InterventionDescription",
)
SPONSOR_RECHECK_DAYS = 30  # a sponsor's listings change slowly; one request a month each
SPONSOR_LOOKUPS_PER_REFRESH = 5  # spread over refreshes, so no refresh grows by more than five requests


def client(settings: Settings, *, budget: float | None = None) -> Client:
    """A client for the configured API (``http.options``: politeness, and no retry within a budget)."""
    return Client(settings.url(CTGOV), **http.options(settings, budget))

def refresh_from(store: Store, settings: Settings, *, full: bool = False,
                 progress: Progress | None = None, budget: float | None = None) -> RefreshResult:
    """``refresh`` with a client made from the settings."""
    with client(settings, budget=budget) as api:
        return refresh(store, api, full=full, progress=progress)


def refresh(
    store: Store, client: Client, *, full: bool = False, progress: Progress | None = None
) -> RefreshResult:
    """Bring the store up to date with ClinicalTrials.gov. Raises ApiError on failure,
    in which case the store is exactly as it was."""
    progress = progress or (lambda stage, done, total: None)
    info, meta = store.info(), store.registry_meta(CTGOV)
    version = client.version()
    from_api = meta.get("source", "").startswith("ClinicalTrials.gov")
    # Under new rules, studies passed over by the last listing may be candidates now: list
    # everything again before going incremental. (Re-labelling what is stored is the updates'
    # step before a refresh: trials.updates.relabel.)
    stale_rules = meta.get("listed_with") != classify.CLASSIFIER_VERSION
    # Full records fetched with fewer fields are fetched again (and listed again, to find them).
    stale_details = not info.is_empty and meta.get("detailed_with") != DETAILS_VERSION
    list_all = stale_rules or stale_details or full
    if not info.is_empty and from_api and not list_all and meta.get("data_timestamp") == version.data_timestamp:
        return sync.write_listing(store, sync.Listing(CTGOV, "unchanged", version.data_timestamp, (), False,
                                                      traffic=client.traffic))
    # Records from an imported file are not the registry's word: they neither set the
    # date an incremental listing starts from nor count as already fetched.
    from_file = {i.value for i in store.imported_ids(CTGOV)}
    known = {k: v for k, v in store.last_updates(CTGOV).items() if k not in from_file}
    if from_api and _moment(version.data_timestamp) < _moment(meta.get("data_timestamp")):
        raise ListingRefused(NAME, f"ClinicalTrials.gov's data version {version.data_timestamp} is older than the "
                             f"stored {meta['data_timestamp']}")
    # A stored date later than the registry's own data is wrong (a forged or broken record):
    # starting the listing there would never fetch a real change again.
    dates = [d for d, _ in known.values() if d and d <= version.data_timestamp[:10]]
    incremental = bool(dates) and from_api and not list_all
    params = dict(MS_QUERY)
    if incremental:
        params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{max(dates)},MAX]"
    items = _items(client, params, known, full=full, stale_details=stale_details, progress=progress)
    result = sync.write_listing(store, sync.Listing(
        CTGOV, "incremental" if incremental else "full", version.data_timestamp, items, complete=not incremental,
        full=full, source=f"ClinicalTrials.gov API {version.api_version} at {without_credentials(client.base_url)}",
        meta=lambda: {"api_version": version.api_version, "detailed_with": DETAILS_VERSION},
        traffic=client.traffic))
    # After the commit: a lookup that fails or runs out of time loses nothing of the above.
    _check_sponsors(store, client, _stem_cell_studies(store), utc_now(), progress)
    return replace(result, requests=client.traffic.requests, bytes_received=client.traffic.bytes_received)


def _items(client: Client, params: dict[str, str], known: dict[str, tuple[str, bool]], *, full: bool,
           stale_details: bool, progress: Progress) -> Iterator[sync.Item]:
    """The listing pass, then the full records of the candidates that are new or changed."""
    listed, received, to_detail = 0, 0, []
    total: int | None = None
    for page in client.iter_pages(params, LIST_FIELDS):
        total = page.total_count if total is None else total
        received += len(page.studies)
        for item in _read(page.studies):
            if not isinstance(item, sync.Fetched):
                yield item
                continue
            study = item.study
            listed += 1
            candidate = classify.is_candidate(study)
            stored = known.get(study.id.value)
            # (A full refresh writes every record again: it also mends rows that no longer parse.)
            if (stored and not full and stored[0] == study.last_update
                    and ((stored[1] and not stale_details) or not candidate)):
                yield sync.Kept(study.id)  # unchanged: keep what is stored
                continue
            if candidate:
                to_detail.append(study.id.value)
                if stored and stored[1]:  # its full record replaces the stored one once accepted
                    yield sync.Kept(study.id)
                    continue
            yield replace(item, is_full=False, candidate=candidate)
        progress("Listing multiple sclerosis studies", listed, page.total_count)
    _check_listing_complete(total, received)  # raising here rolls the whole refresh back
    detailed = 0
    for item in _read(client.studies_by_ids(to_detail, DETAIL_FIELDS)):
        if isinstance(item, sync.Fetched):
            item = replace(item, detailed=True)
            detailed += 1
            progress("Fetching stem-cell study details", detailed, len(to_detail))
        yield item


def _read(records: Iterable[Any]) -> Iterator[sync.Fetched | sync.Refused]:
    """Each record read (bounded in size), or refused with why."""
    for record in records:
        reason = refusal(record)
        if reason:
            number = raw_nct_id(record)
            yield sync.Refused(reason, study_id(number) if is_nct_id(number) else None)
        else:
            kept = bounded(record)
            yield sync.Fetched(kept, read_study(kept))


# -- what the listing must prove before the store believes it ------------------------------

def _moment(stamp: str | None) -> datetime:
    """A data version as a moment, whatever its spelling ("...Z", fractions); the earliest
    moment for none or an unreadable one (an older program's store is never refused)."""
    try:
        return datetime.fromisoformat((stamp or "")[:19])
    except ValueError:
        return datetime.min


def _check_listing_complete(total: int | None, received: int) -> None:
    """The listing must have delivered every study its ``totalCount`` announced: one that
    ended early would make the store forget (a full refresh) or miss (an incremental one)
    the studies it never sent."""
    if total is None:
        raise ListingRefused(NAME, "ClinicalTrials.gov's listing did not say how many studies it holds "
                             "(no totalCount), so its end cannot be checked")
    if received < total:
        raise ListingRefused(NAME, f"ClinicalTrials.gov's listing ended after {received:,} of the {total:,} "
                             "studies it announced")


# -- step 4: the sponsors' other listings -------------------------------------------------

def _stem_cell_studies(store: Store) -> Iterable[tuple[Study, tuple[str, ...]]]:
    """Every stored MS stem-cell study (this refresh's are committed by now)."""
    for stored in store.stem_cell_studies():
        if stored.id.registry == CTGOV:
            yield read_study(stored.record), stored.labels


# Essie reserves brackets and parentheses, and a quote would end the phrase.
_NOT_IN_PHRASE = re.compile(r'[\[\]()"\\]')


def _check_sponsors(store: Store, client: Client, studies: Iterable[tuple[Study, tuple[str, ...]]],
                    now: str, progress: Progress) -> None:
    """Look up the other listings of the sponsors the clinic rules concern, those never
    looked up first, then the oldest (over ``SPONSOR_RECHECK_DAYS``), at most
    ``SPONSOR_LOOKUPS_PER_REFRESH``. Each answer is stored on its own; the first failure
    (the registry down, the time budget spent) ends the lookups, and the sponsors not
    reached wait for the next refresh: a flag may come late, never a refresh fail."""
    checked = store.sponsor_checks(CTGOV)
    due = datetime.fromisoformat(now) - timedelta(days=SPONSOR_RECHECK_DAYS)
    wanted = {s.sponsor for s, labels in studies if s.sponsor and flags.sponsor_rules_apply(s, labels)}
    stale = [name for name in wanted
             if name not in checked or datetime.fromisoformat(checked[name].checked_at) < due]
    stale.sort(key=lambda name: (checked[name].checked_at if name in checked else "", name))
    sponsors = stale[:SPONSOR_LOOKUPS_PER_REFRESH]
    for done, sponsor in enumerate(sponsors, start=1):
        try:
            paying = _paying_listings(client, sponsor)
        except ApiError:
            return
        with store.writing() as writer:
            writer.put_sponsor_check(CTGOV, SponsorCheck(sponsor, now, paying))
        progress("Looking up the other listings of clinic sponsors", done, len(sponsors))


def _paying_listings(client: Client, sponsor: str) -> tuple[tuple[str, str, str], ...]:
    """(id, phrase, field) of the sponsor's listings whose words ask participants to pay."""
    phrase = " ".join(_NOT_IN_PHRASE.sub(" ", sponsor).split())
    if not phrase:
        return ()
    # One request: the first page holds up to 1,000 listings, more than any clinic has.
    page = next(client.iter_pages({"query.lead": f'"{phrase}"'}, SPONSOR_FIELDS), None)
    paying = []
    for item in _read(page.studies if page else []):  # (only read, never stored)
        if not isinstance(item, sync.Fetched):
            continue
        other = item.study
        # Essie matches words, not the whole name: keep the sponsor's own listings only.
        found = flags.pay_evidence(other) if _same_name(other.sponsor, sponsor) else None
        if found:
            paying.append((other.id.value, *found))
    return tuple(paying)


def _same_name(a: str, b: str) -> bool:
    """Names equal but for case, punctuation and spacing ("Co., Ltd." and "Co Ltd")."""
    def words(name: str) -> list[str]:
        return re.findall(r"\w+", name.casefold())
    return words(a) == words(b)
