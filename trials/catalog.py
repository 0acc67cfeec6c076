"""The registries the finder knows: one entry each, everything that says who a registry is.

Its code (stored with every study), its name, the shape of its numbers and how people write
them, the address of a record on its website, its API's default address and the environment
variable that changes it, the package of its adapter (``trials.registries.<package>``) and how
to recognise a file downloaded from it. The order is the lead order: when a trial has records
in several registries, the first registry's record leads (ClinicalTrials.gov's is the fullest).

Adding a registry: one entry here, one sub-package of ``trials.registries`` building its
``Registry``, and its tests. A register that is only named by others' records (the EU Clinical
Trials Register's EudraCT numbers) has an entry without an API or a package.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Each shape is matched whole, with no digit or letter glued on either side: "NCT123456789"
# (nine digits) is no NCT number, and a date "2020-01-01" is no EudraCT number.
_BEFORE, _AFTER = r"(?<![A-Za-z0-9-])", r"(?![0-9])"


@dataclass(frozen=True)
class Register:
    code: str  # stored with every study: "ctgov"
    name: str  # "ClinicalTrials.gov"
    number: re.Pattern[str]  # a number of this register in any text; group 1 is its digits
    prefix: str  # what the normalised number starts with before those digits ("NCT")
    written: str  # what people write before a number for it to be recognised as this register's
    example: str  # a real number, for messages
    record_url: str  # the record's page, "{}" for the number
    api_url: str = ""  # the public API's default address; "" for a register only named by others
    api_env: str = ""  # the environment variable that sets another address
    package: str = ""  # trials.registries.<package> builds its ``Registry``
    sniff: Callable[[bytes], bool] | None = None  # a downloaded file's first bytes are this registry's
    download: str = ""  # what ``trials import`` takes from it, in words
    checks: str = ""  # what ``trials check`` asks its live API, in words

    def normalised(self, digits: str) -> str:
        return self.prefix + digits


def _xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _ctis_json(head: bytes) -> bool:
    return b'"ctNumber"' in head and b'"protocolSection"' not in head


CATALOG: tuple[Register, ...] = (
    Register("ctgov", "ClinicalTrials.gov",
             re.compile(_BEFORE + r"NCT\s?([0-9]{8})" + _AFTER, re.IGNORECASE), "NCT", "", "NCT04047628",
             "https://clinicaltrials.gov/study/{}", "https://clinicaltrials.gov/api/v2", "TRIALS_API_URL", "ctgov",
             download="a JSON download (the website's Download -> JSON, or an API answer)",
             checks="/version, one listing page, one full record and the field names"),
    Register("isrctn", "ISRCTN",
             re.compile(_BEFORE + r"ISRCTN\s?([0-9]{8})" + _AFTER, re.IGNORECASE), "ISRCTN", "", "ISRCTN88667898",
             "https://www.isrctn.com/{}", "https://www.isrctn.com/api", "TRIALS_ISRCTN_URL", "isrctn", _xml,
             download="an XML answer (/api/query/format/default)", checks="a count and one MS search"),
    # A CTIS number is a year, six digits and two pairs (2023-505613-24-00); "CTIS" may lead it.
    Register("ctis", "EU CTIS",
             re.compile(_BEFORE + r"(?:CTIS\s?)?((?:19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2})" + _AFTER,
                        re.IGNORECASE), "", "CTIS ", "2023-505613-24-00",
             "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}",
             "https://euclinicaltrials.eu/ctis-public-api", "TRIALS_CTIS_URL", "ctis", _ctis_json,
             download="a JSON record or search answer",
             checks="that the MS filter narrows the register, and one full record"),
    # A EudraCT number is a year, six digits and one pair (2019-001549-42), and no more pairs.
    Register("euctr", "EU Clinical Trials Register",
             re.compile(_BEFORE + r"(?:EudraCT\s?(?:number|no\.?)?\s?:?\s?)?((?:19|20)[0-9]{2}-[0-9]{6}-[0-9]{2})"
                        r"(?![0-9]|-[0-9])", re.IGNORECASE), "", "EudraCT ", "2019-001549-42",
             "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}"),
)

BY_CODE = {r.code: r for r in CATALOG}
# The registries the finder reads (those with an API), in lead order.
WITH_API: tuple[str, ...] = tuple(r.code for r in CATALOG if r.api_url)


def lead_rank(code: str) -> int:
    """Where a registry's record stands when a trial has several: 0 leads."""
    return next((i for i, r in enumerate(CATALOG) if r.code == code), len(CATALOG))


def name_of(code: str) -> str:
    return BY_CODE[code].name if code in BY_CODE else code


def names(codes: tuple[str, ...] = WITH_API, joined: str = "and") -> str:
    """"ClinicalTrials.gov, ISRCTN and EU CTIS": the registries the finder reads, in words."""
    words = [name_of(c) for c in codes]
    return f"{', '.join(words[:-1])} {joined} {words[-1]}" if len(words) > 1 else "".join(words)
