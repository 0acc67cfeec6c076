"""Builds the multiple sclerosis test cases of tests/data/registries/ctis/ms/ from the real
recorded CTIS records (see that folder's README.md).

No real CTIS record of an MS stem-cell trial is available, so each case is a real merged
record (a /retrieve body with its /search element merged over it) copied and edited. Every
edit is a line below, so the cases can be rebuilt and checked: ``python -m
tests.support.build_ctis_cases``. Real people's names and addresses of the source records are
replaced with placeholders, so no real investigator is tied to a built trial.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "registries" / "ctis"
PART_I = ("authorizedApplication", "authorizedPartI")
IDENTIFIERS = (*PART_I, "trialDetails", "clinicalTrialIdentifiers")
INFORMATION = (*PART_I, "trialDetails", "trialInformation")


def _real(number: str) -> dict:
    return json.loads((DATA / f"retrieve-merged_{number}.json").read_text(encoding="utf-8"))


def _at(record: dict, path: tuple[str, ...]) -> Any:
    for key in path:
        record = record[key]
    return record


def _criteria(inclusion: list[str], exclusion: list[str]) -> dict:
    return {
        "principalInclusionCriteria": [{"number": n, "principalInclusionCriteria": t}
                                       for n, t in enumerate(inclusion, start=1)],
        "principalExclusionCriteria": [{"number": n, "principalExclusionCriteria": t}
                                       for n, t in enumerate(exclusion, start=1)],
    }


def _placeholder_people(part: dict, number: int) -> None:
    """Site investigators and site e-mail/phone replaced: a built trial names no real person."""
    for n, site in enumerate(part.get("trialSites", []), start=1):
        site["personInfo"] = {"firstName": "Site", "lastName": f"Investigator {number}.{n}",
                              "telephone": "+000000000", "email": f"site{number}.{n}@example.org"}
        info = site["organisationAddressInfo"]
        info["phone"], info["email"] = "+000000000", f"site{number}.{n}@example.org"


def _sponsor(record: dict, name: str, *, commercial: bool, contact: str) -> None:
    sponsor = _at(record, PART_I)["sponsors"][0]
    for organisation in [sponsor["organisation"], *(c["organisation"] for c in sponsor["publicContacts"])]:
        organisation["name"], organisation["commercial"] = name, commercial
    sponsor["isCommercial"], sponsor["commercial"] = commercial, "Commercial" if commercial else "Non-Commercial"
    sponsor["publicContacts"] = sponsor["publicContacts"][:1]
    public = sponsor["publicContacts"][0]
    public.update(functionalName=contact, functionalEmailAddress="trial.office@example.org", telephone="+000000000")
    for key in ("scientificContacts", "thirdParties", "addresses"):
        sponsor.pop(key, None)
    record["sponsor"] = name
    record["sponsorType"] = "Pharmaceutical company" if commercial else "Hospital/Clinic/Other health care facility"


def _titles(record: dict, public: str, full: str, short: str) -> None:
    identifiers = _at(record, IDENTIFIERS)
    identifiers.update(publicTitle=public, fullTitle=full, shortTitle=short)
    record["ctTitle"], record["shortTitle"] = full, short


def _condition(record: dict, condition: str) -> None:
    medical = _at(record, INFORMATION)["medicalCondition"]
    medical["partIMedicalConditions"] = medical["partIMedicalConditions"][:1]
    medical["partIMedicalConditions"][0]["medicalCondition"] = condition
    medical["meddraConditionTerms"] = [{"termId": 0, "version": "20.0", "level": "LLT",
                                       "termName": "Multiple sclerosis", "classificationCode": "10028245",
                                       "organClass": 10029205, "active": True}]
    _at(record, PART_I)["medicalConditions"] = [{"medicalCondition": condition, "isConditionRareDisease": False}]
    record["conditions"] = condition
    record["therapeuticAreas"] = ["Diseases [C] - Nervous System Diseases [C10]"]


def _product(record: dict, name: str, substance: str, therapy: str | None) -> None:
    """One product replaces the recorded ones; a cell product carries its ``therapies`` entry."""
    product = copy.deepcopy(_at(record, PART_I)["products"][0])
    product.pop("productDictionaryInfo", None)
    product.update(productName=name, jsonActiveSubstanceNames=substance, allSubstancesChemicals=therapy is None,
                   therapies=[] if therapy is None else [{"advancedTherapyType": "Somatic cell therapy medicinal "
                                                                                 "product", "description": therapy}])
    _at(record, PART_I)["products"] = [product]
    _at(record, PART_I).pop("productRoleGroupInfos", None)
    record["product"] = name


def _status(record: dict, code: int, countries: dict[str, int]) -> None:
    record["ctStatus"] = record["ctPublicStatusCode"] = code
    record["trialCountries"] = [f"{c}:{n}" for c, n in countries.items()]
    states = record["authorizedApplication"]["memberStatesConcerned"]
    record["authorizedApplication"]["memberStatesConcerned"] = [
        {**s, "mscPublicStatusCode": countries[s["mscName"]]} for s in states if s["mscName"] in countries]


def _common(record: dict, number: str) -> None:
    """What every case drops: other trials' numbers, documents and application history (they
    name the source trial), its paediatric plan, and ctrdata's own keys."""
    record["ctNumber"] = number
    for key in ("documents", "events", "ctrname", "record_last_import", "endPoint"):
        record.pop(key, None)
    record["authorizedApplication"].pop("applicationInfo", None)
    _at(record, PART_I).pop("rowCountriesInfo", None)
    _at(record, PART_I)["rowSubjectCount"] = 0
    _at(record, (*PART_I, "trialDetails")).pop("scientificAdviceAndPip", None)
    _at(record, IDENTIFIERS)["secondaryIdentifyingNumbers"] = {}
    _at(record, INFORMATION).pop("sourceOfMonetarySupport", None)
    _at(record, INFORMATION)["populationOfTrialSubjects"]["isVulnerablePopulationSelected"] = False
    record["ageGroup"], record["gender"], record["ageRangeSecondary"] = "18-64 years", "Female, Male", [""]


def net_ms() -> dict:
    """(a) Neural stem cells in progressive MS, modelled on NET-MS (EudraCT 2022-002654-95), from
    2024-510663-34-00 (its Italian part II has a Milan site)."""
    record = copy.deepcopy(_real("2024-510663-34-00"))
    _common(record, "2022-002654-95-00")  # built: EudraCT number + "-00", as transitioned trials get
    record["authorizedApplication"]["eudraCt"] = {"isTransitioned": True, "eudraCtCode": "2022-002654-95"}
    _titles(record, "Neural stem cell transplantation in progressive multiple sclerosis",
            "A phase I, open-label, dose-escalation study of intrathecal transplantation of allogeneic human "
            "neural stem cells in patients with progressive multiple sclerosis", "NET-MS")
    _condition(record, "Progressive multiple sclerosis")
    information = _at(record, INFORMATION)
    information["trialObjective"]["mainObjective"] = ("To assess the safety and tolerability of intrathecal "
                                                      "allogeneic human neural stem cells in progressive MS.")
    information["eligibilityCriteria"] = _criteria(
        ["Age 18 to 55 years", "Primary or secondary progressive multiple sclerosis",
         "EDSS between 6.5 and 8.0"],
        ["Relapse within the past 3 months", "Pregnancy or breastfeeding"])
    information["endPoint"] = {"primaryEndPoints": [{"number": 1, "isPrimary": True, "endPoint":
                                                     "Number of adverse events and serious adverse events at "
                                                     "12 months"}]}
    record["primaryEndPoint"] = information["endPoint"]["primaryEndPoints"][0]["endPoint"]
    information["trialCategory"]["trialPhase"] = "1"
    record["trialPhase"] = "Human Pharmacology (Phase I)- First administration to humans"
    _product(record, "Human neural stem cells (hNSC)", "allogeneic human neural stem cells",
             "Allogeneic foetal-derived human neural stem cells, given intrathecally")
    _sponsor(record, "Built Sponsor Hospital (NET-MS case)", commercial=False, contact="NET-MS trial office")
    parts = record["authorizedApplication"]["authorizedPartsII"]
    italy = next(p for p in parts if p["mscInfo"]["countryName"] == "Italy")
    italy["trialSites"] = [s for s in italy["trialSites"]
                           if s["organisationAddressInfo"]["address"]["city"] in ("Milan", "Rome")]
    _placeholder_people(italy, 1)
    record["authorizedApplication"]["authorizedPartsII"] = [italy]
    _status(record, 4, {"Italy": 4})
    record.update(decisionDate="IT: 23/10/2024", decisionDateOverall="23/10/2024", startDateEU="17/01/2025",
                  totalNumberEnrolled="12", lastUpdated="15/09/2025", lastPublicationUpdate="16/09/2025")
    return record


def msc() -> dict:
    """(b) Mesenchymal stem cells in MS, naming MESEMS's real ClinicalTrials.gov number, from
    2023-505613-24-00 (three member states, so each gets its own status)."""
    record = copy.deepcopy(_real("2023-505613-24-00"))
    _common(record, "2024-599999-01-00")  # built, made up
    record["authorizedApplication"]["eudraCt"] = {"isTransitioned": False}
    _at(record, IDENTIFIERS)["secondaryIdentifyingNumbers"] = {"nctNumber": {"number": "NCT01854957"}}
    _titles(record, "Mesenchymal stem cells for multiple sclerosis",
            "A randomised, double-blind, placebo-controlled crossover phase II study of intravenous autologous "
            "bone marrow-derived mesenchymal stem cells in multiple sclerosis", "MSC-MS")
    _condition(record, "Multiple sclerosis")
    information = _at(record, INFORMATION)
    information["trialObjective"] = {"mainObjective": "To assess the safety and efficacy of autologous "
                                                      "mesenchymal stem cells in active multiple sclerosis."}
    information["eligibilityCriteria"] = _criteria(
        ["Relapsing-remitting or secondary progressive multiple sclerosis", "EDSS 3.0 to 6.5"],
        ["Treatment with an immunosuppressant within 3 months"])
    information["endPoint"] = {"primaryEndPoints": [{"number": 1, "isPrimary": True, "endPoint":
                                                     "Cumulative number of gadolinium-enhancing lesions"}]}
    record["primaryEndPoint"] = information["endPoint"]["primaryEndPoints"][0]["endPoint"]
    _product(record, "Autologous bone marrow mesenchymal stem cells", "autologous mesenchymal stromal cells",
             "Autologous bone marrow-derived mesenchymal stem cells, expanded in culture, given intravenously")
    _sponsor(record, "Built University Hospital (MSC case)", commercial=False, contact="MSC-MS trial office")
    for number, part in enumerate(record["authorizedApplication"]["authorizedPartsII"], start=1):
        _placeholder_people(part, number)
    _status(record, 3, {"Belgium": 3, "Poland": 2, "Greece": 5})
    record.update(totalNumberEnrolled="40", lastUpdated="02/10/2025", lastPublicationUpdate="03/10/2025")
    return record


def ended_hsct() -> dict:
    """(d) An ended (8) trial: autologous haematopoietic stem cell transplantation in relapsing MS,
    from 2023-505613-24-00."""
    record = copy.deepcopy(_real("2023-505613-24-00"))
    _common(record, "2023-599998-02-00")  # built, made up
    record["authorizedApplication"]["eudraCt"] = {"isTransitioned": False}
    _titles(record, "Stem cell transplantation against relapsing multiple sclerosis",
            "A randomised phase III trial of autologous haematopoietic stem cell transplantation versus "
            "alemtuzumab in highly active relapsing multiple sclerosis", "HSCT-RMS")
    _condition(record, "Relapsing multiple sclerosis")
    information = _at(record, INFORMATION)
    information["trialObjective"] = {"mainObjective": "To compare the time to disease activity after "
                                                      "autologous haematopoietic stem cell transplantation "
                                                      "and after alemtuzumab."}
    information["eligibilityCriteria"] = _criteria(["Relapsing-remitting multiple sclerosis", "EDSS up to 5.5"],
                                                   ["Progressive multiple sclerosis"])
    information["endPoint"] = {"primaryEndPoints": [{"number": 1, "isPrimary": True, "endPoint":
                                                     "Time to new disease activity"}]}
    record["primaryEndPoint"] = information["endPoint"]["primaryEndPoints"][0]["endPoint"]
    information["trialCategory"]["trialPhase"] = "5"
    record["trialPhase"] = "Therapeutic confirmatory (Phase III)"
    _product(record, "Cyclophosphamide", "cyclophosphamide", None)
    _sponsor(record, "Built University Hospital (HSCT case)", commercial=False, contact="HSCT-RMS trial office")
    for number, part in enumerate(record["authorizedApplication"]["authorizedPartsII"], start=1):
        _placeholder_people(part, number)
    _status(record, 8, {"Belgium": 8, "Poland": 8, "Greece": 8})
    record.update(endDateEU="30/06/2025", totalNumberEnrolled="60", lastUpdated="01/07/2025",
                  lastPublicationUpdate="02/07/2025")
    return record


CASES = {
    "net-ms_2022-002654-95-00.json": net_ms,
    "msc_2024-599999-01-00.json": msc,
    "ended-hsct_2023-599998-02-00.json": ended_hsct,
}


def main() -> None:
    folder = DATA / "ms"
    folder.mkdir(exist_ok=True)
    for name, build in CASES.items():
        (folder / name).write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", folder / name)


if __name__ == "__main__":
    main()
