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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ...analysis import classify, flags
from ...catalog import name_of
from ...config import Settings, without_credentials
from ...errors import ApiError
from ...model import CTGOV, Study, StudyId
from ...store.sqlite import API, Classified, SponsorCheck, Store, utc_now
from .. import http
from ..base import SHOWN_REASONS, ListingRefused, Progress, RefreshResult, check_drop_plausible
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

# The pre-filter has full recall, so what it passes over is no stem-cell study.
NOT_STEM_CELL = Classified((), False, "")


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
    info = store.info()
    version = client.version()
    now = utc_now()
    from_api = bool(info.source and info.source.startswith("ClinicalTrials.gov"))
    # Under new rules, studies passed over by the last listing may be candidates now: list
    # everything again before going incremental. (Re-labelling what is stored is the updates'
    # step before a refresh: trials.updates.relabel.)
    stale_rules = info.listed_with != classify.CLASSIFIER_VERSION
    # Full records fetched with fewer fields are fetched again (and listed again, to find them).
    stale_details = not info.is_empty and info.detailed_with != DETAILS_VERSION
    list_all = stale_rules or stale_details or full
    if not info.is_empty and from_api and not list_all:
        if info.data_timestamp == version.data_timestamp:
            with store.writing() as writer:
                writer.set_meta(checked_at=now)
            return RefreshResult("unchanged", version.data_timestamp, 0, 0, 0,
                                 client.traffic.requests, client.traffic.bytes_received,
                                 still_imported=len(store.imported_ids()))
    # Records from an imported file are not the registry's word: they neither set the
    # date an incremental listing starts from nor count as already fetched.
    from_file = {i.value for i in store.imported_ids(CTGOV)}
    known = {k: v for k, v in store.last_updates(CTGOV).items() if k not in from_file}
    if from_api and _moment(version.data_timestamp) < _moment(info.data_timestamp):
        raise ListingRefused(NAME, f"ClinicalTrials.gov's data version {version.data_timestamp} is older than the "
                             f"stored {info.data_timestamp}")
    # A stored date later than the registry's own data is wrong (a forged or broken record):
    # starting the listing there would never fetch a real change again.
    dates = [d for d, _ in known.values() if d and d <= version.data_timestamp[:10]]
    incremental = bool(dates) and from_api and not list_all
    params = dict(MS_QUERY)
    if incremental:
        params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{max(dates)},MAX]"
    stamp = {"data_timestamp": version.data_timestamp, "fetched_at": now}

    with store.writing() as writer:
        listed, received, to_detail = 0, 0, []
        refused = _Refused(writer.seen)
        total: int | None = None
        for page in client.iter_pages(params, LIST_FIELDS):
            total = page.total_count if total is None else total
            received += len(page.studies)
            for record in _accepted(page.studies, refused):
                study = read_study(record)
                listed += 1
                candidate = classify.is_candidate(study)
                stored = known.get(study.id.value)
                # (A full refresh writes every record again: it also mends rows that no longer parse.)
                if (stored and not full and stored[0] == study.last_update
                        and ((stored[1] and not stale_details) or not candidate)):
                    writer.seen.add(study.id)  # unchanged: keep what is stored
                    continue
                if candidate:
                    to_detail.append(study.id.value)
                    if stored and stored[1]:  # its full record replaces the stored one once accepted
                        writer.seen.add(study.id)
                        continue
                writer.put(record, study, classify.classified(study) if candidate else NOT_STEM_CELL,
                           is_full=False, **stamp)
            progress("Listing multiple sclerosis studies", listed, page.total_count)
        _check_listing_complete(total, received)
        detailed = 0
        for record in _accepted(client.studies_by_ids(to_detail, DETAIL_FIELDS), refused):
            study = read_study(record)
            writer.put(record, study, classify.classified(study), is_full=True, **stamp)
            detailed += 1
            progress("Fetching stem-cell study details", detailed, len(to_detail))
        # A complete listing shows what the registry no longer lists. Imported studies
        # go only when the user asked for a full refresh. A refused record keeps its study's
        # stored copy; one without a valid id could be any stored study: then nothing is
        # proven gone.
        proven = not incremental and not refused.unnamed
        dropped = writer.keep_only_seen(CTGOV, drop_imported=full) if proven else 0
        # Only the registry's own studies count: imported ones it never listed may go freely.
        gone = len(known) - writer.remaining(CTGOV, API)
        check_drop_plausible(NAME, gone if dropped else 0, len(known) + len(from_file), full)  # raising rolls back
        writer.set_meta(
            data_timestamp=version.data_timestamp,
            api_version=version.api_version,
            fetched_at=now,
            checked_at=now,
            source=f"ClinicalTrials.gov API {version.api_version} at {without_credentials(client.base_url)}",
            # Every label written is the current classifier's; the store's older ones were
            # renewed before (trials.updates runs relabel first).
            classifier_version=classify.CLASSIFIER_VERSION,
            listed_with=classify.CLASSIFIER_VERSION,
            detailed_with=DETAILS_VERSION,
        )
    # After the commit: a lookup that fails or runs out of time loses nothing of the above.
    _check_sponsors(store, client, _stem_cell_studies(store), now, progress)
    return RefreshResult(
        "incremental" if incremental else "full",
        version.data_timestamp,
        listed,
        detailed,
        writer.changes,
        client.traffic.requests,
        client.traffic.bytes_received,
        dropped,
        len(store.imported_ids()),
        len(refused.reasons),
        tuple(refused.reasons[:SHOWN_REASONS]),
        refused.unnamed,
    )


@dataclass
class _Refused:
    """The records of one refresh that were not stored, and what that leaves proven."""

    keep: set[StudyId]  # a refused study's id goes here: its stored copy stays
    reasons: list[str] = field(default_factory=list)
    unnamed: int = 0  # refused without a valid id: they could be any stored study


def _accepted(records: Iterable[Any], refused: _Refused) -> Iterator[dict]:
    """The records fit to store (bounded in size); the others are counted in ``refused``."""
    for record in records:
        reason = refusal(record)
        if not reason:
            yield bounded(record)
            continue
        refused.reasons.append(reason)
        if is_nct_id(raw_nct_id(record)):
            refused.keep.add(study_id(raw_nct_id(record)))
        else:
            refused.unnamed += 1




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
    for record in _accepted(page.studies if page else [], _Refused(set())):  # (only read, never stored)
        other = read_study(record)
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
