"""Recruitment status in a patient's words: the registry's statuses folded into a few groups.

The patient's question is "could I join?", so the groups answer that; the registry's
exact statuses stay available to clinicians.
"""

from __future__ import annotations

STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "Recruiting now": ("RECRUITING",),
    "Not yet recruiting": ("NOT_YET_RECRUITING",),
    "By invitation": ("ENROLLING_BY_INVITATION",),
    # Expanded access is a way to get a treatment outside a trial, not a trial to join.
    "Available outside a trial (expanded access)": ("AVAILABLE",),
    "Closed": (
        "ACTIVE_NOT_RECRUITING",
        "TEMPORARILY_NOT_AVAILABLE",
        "NO_LONGER_AVAILABLE",
        "APPROVED_FOR_MARKETING",
        "WITHHELD",
    ),
    "Completed": ("COMPLETED",),
    "Stopped early": ("SUSPENDED", "TERMINATED", "WITHDRAWN"),
    "Status unknown": ("UNKNOWN",),
}
ALL_STATUSES: tuple[str, ...] = tuple(s for group in STATUS_GROUPS.values() for s in group)
_GROUP_OF = {status: group for group, statuses in STATUS_GROUPS.items() for status in statuses}

PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")

# How a table cell holds several values ("PHASE1; PHASE2", "HSCT; MSC"). One separator for
# every list column, in the table, the CSV and the filters.
LIST_SEPARATOR = "; "


def split(cell: str) -> set[str]:
    """The values of a list cell."""
    return {part for part in cell.split(LIST_SEPARATOR) if part} if cell else set()


def status_group(status: str) -> str:
    """The patient's word for a registry status; unknown new values count as unknown."""
    return _GROUP_OF.get(status, "Status unknown")


def is_whole_group(status: str) -> bool:
    """Whether a registry status is a group on its own ("RECRUITING" is "Recruiting now")."""
    return STATUS_GROUPS[status_group(status)] == (status,)


def status_words(status: str) -> str:
    """A registry status as words: "ACTIVE_NOT_RECRUITING" -> "Active not recruiting"."""
    return status.replace("_", " ").capitalize() if status else "Not stated"
