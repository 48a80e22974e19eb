"""A case's events as OCDS releases: one release per change the public has a use for.

Each event is folded into the domain's own aggregate (projections/casefile.py `fold`), and
the events below each yield a release of the case as it stood right after them, tagged
with the stage it changed:

| event | tag |
|---|---|
| Created | planning |
| SetupRevised, RequirementSet | planningUpdate |
| Published | tender |
| TenderingClosed | tenderUpdate (the tenderers, once the tenders are opened) |
| Cancelled | tenderCancellation |
| Awarded | award |
| ContractSigned | contract |
| ReportVerified, ContractEnded, Closed | implementation (the first), then implementationUpdate |

The figures of the employment requirement are released only when the authority has
checked them (a verified supplier report), when the contract ends and at close: not at
each placement, whose dates would tell one person's story.

What a release holds, and what it never holds: the employment requirement is the
sustainability extension's `social.disadvantagedEmploymentOpportunities` goal pursued by
`contractPerformanceConditions` (eForms: BT-06 strategic procurement `soc-obj`, BT-775
social procurement `opp`; the OCDS goal code is the mapping of both). Delivered full-time
months and follow-up outcomes go into `contracts[].implementation.metrics` (the shape of
the OCDS metrics extension) as aggregate figures only: counts of people suppressed with
the statistics' rule (projections/statistics.py `suppress`), and nothing per person: no
participant reference, no name, no target group, no placement. Tenders stay sealed: who
tendered is released only once tendering has closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.errors import ConfigurationError
from domain.procurement import Procurement, events
from domain.procurement.followup_plan import EMPLOYMENT_STATUSES
from domain.procurement.lifecycle import State
from projections.casefile import CaseFile, fold
from projections.statistics import MIN_CELL, STATUS_ITEM, latest_outcomes, suppress

# An ocid is the publisher's prefix (registered with the Open Contracting Partnership) and
# the case's id. The default is a test prefix, for the demo: register one before publishing.
OCID_PREFIX_SETTING = "PROCUREMENT_OCID_PREFIX"
TEST_OCID_PREFIX = "ocds-test00"
_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}$")

GOAL = "social.disadvantagedEmploymentOpportunities"
STRATEGY = "contractPerformanceConditions"
EFORMS_CODES = {"BT-06": "soc-obj", "BT-775": "opp"}
ORG_SCHEME = "SE-BLV"  # org-id.guide: the Swedish Companies Registration Office's numbers
CURRENCY = "SEK"
_LOCAL = ZoneInfo("Europe/Stockholm")

Organisations = Callable[[UUID], tuple[str, str]]
"""An organisation's name and organisation number."""


def ocid_prefix(value: str | None) -> str:
    """The configured prefix (the test prefix when none is set); a malformed one refuses."""
    prefix = value or TEST_OCID_PREFIX
    if not _PREFIX.match(prefix):
        raise ConfigurationError(f"{OCID_PREFIX_SETTING} must be 'ocds-' and six lower-case "
                                 f"letters or digits (got {prefix!r})")
    return prefix


def ocid(prefix: str, procurement_id: UUID) -> str:
    return f"{prefix}-{procurement_id}"


_TAGS: dict[type[events.ProcurementEvent], str] = {
    events.Created: "planning",
    events.SetupRevised: "planningUpdate",
    events.RequirementSet: "planningUpdate",
    events.Published: "tender",
    events.TenderingClosed: "tenderUpdate",
    events.Cancelled: "tenderCancellation",
    events.Awarded: "award",
    events.ContractSigned: "contract",
    events.ReportVerified: "implementation",
    events.ContractEnded: "implementation",
    events.Closed: "implementation",
}


def releases(prefix: str, history: Iterable[events.ProcurementEvent],
             organisations: Organisations) -> list[dict[str, Any]]:
    """The case's releases, oldest first."""
    found: list[dict[str, Any]] = []
    file: CaseFile | None = None
    implementation_released = False
    for event in history:
        file = fold(file, event)
        tag = _TAGS.get(type(event))
        if tag is None:
            continue
        if tag == "implementation":
            tag = "implementationUpdate" if implementation_released else tag
            implementation_released = True
        found.append(_Release(prefix, file.case, event, organisations).build(tag))
    return found


@dataclass
class _Release:
    prefix: str
    case: Procurement
    event: events.ProcurementEvent
    organisations: Organisations

    def build(self, tag: str) -> dict[str, Any]:
        case = self.case
        the_ocid = ocid(self.prefix, case.id)
        release: dict[str, Any] = {
            "ocid": the_ocid, "id": f"{the_ocid}-{self.event.originator_version}",
            "date": self.event.timestamp.isoformat(), "tag": [tag],
            "initiationType": "tender", "language": "sv",
            "parties": self._parties(), "buyer": self._party_ref(case.owner_id),
            "tender": self._tender(),
        }
        if case.award is not None:
            release["awards"] = [self._award()]
        if case.contract is not None:
            release["contracts"] = [self._contract()]
        return release

    # -- parties ---------------------------------------------------------------------

    @staticmethod
    def _party_id(organisation_id: UUID) -> str:
        # The service's id: the directory does not hold organisation numbers unique.
        return str(organisation_id)

    def _party_ref(self, organisation_id: UUID) -> dict[str, str]:
        return {"id": self._party_id(organisation_id),
                "name": self.organisations(organisation_id)[0]}

    def _parties(self) -> list[dict[str, Any]]:
        case = self.case
        roles: dict[UUID, list[str]] = {case.owner_id: ["buyer", "procuringEntity"]}
        for supplier_id in sorted(self._tenderer_ids(), key=str):
            roles.setdefault(supplier_id, []).append("tenderer")
        if case.awarded_supplier_id is not None:
            roles.setdefault(case.awarded_supplier_id, []).append("supplier")
        parties = []
        for organisation_id, its_roles in roles.items():
            name, number = self.organisations(organisation_id)
            parties.append({"id": self._party_id(organisation_id), "name": name,
                            "identifier": {"scheme": ORG_SCHEME, "id": number,
                                           "legalName": name},
                            "roles": its_roles})
        return parties

    def _tenderer_ids(self) -> list[UUID]:
        """Who tendered: sealed until tendering closes, and for ever if it never did."""
        return sorted(self.case.tenderer_ids, key=str) if self.case.tendering_closed else []

    # -- stages ------------------------------------------------------------------------

    def _tender(self) -> dict[str, Any]:
        case, setup = self.case, self.case.setup
        tender: dict[str, Any] = {
            "id": setup.reference, "title": setup.title, "status": _tender_status(case.state),
            "procuringEntity": self._party_ref(case.owner_id),
        }
        if setup.cpv_codes:
            tender["items"] = [{"id": str(number), "classification": {
                "scheme": "CPV", "id": code.split("-")[0]}}
                for number, code in enumerate(setup.cpv_codes, 1)]
            tender["mainProcurementCategory"] = "works" if setup.cpv_codes[0].startswith(
                "45") else "services"
        if setup.estimated_value_sek is not None:
            tender["value"] = _money(setup.estimated_value_sek)
        if setup.contract_start and setup.contract_end:
            tender["contractPeriod"] = _period(setup.contract_start, setup.contract_end)
        if case.tender_deadline is not None:
            tender["tenderPeriod"] = {"endDate": _day_end(case.tender_deadline)}
        requirement = case.requirement
        tender["hasSustainability"] = requirement is not None
        if requirement is not None:
            eforms = ", ".join(f"{bt} {code}" for bt, code in EFORMS_CODES.items())
            tender["sustainability"] = [{
                "goal": GOAL, "strategies": [STRATEGY],
                "description": (
                    f"Sysselsättningskrav ({requirement.level.value}): minst "
                    f"{_number(requirement.minimum_full_time_months)} heltidsmånader för "
                    f"personer som står långt från arbetsmarknaden (eForms: {eforms})."),
            }]
        if case.tendering_closed:
            tender["numberOfTenderers"] = len(case.tenders)
            tender["tenderers"] = [self._party_ref(s) for s in self._tenderer_ids()]
        return tender

    def _award_id(self) -> str:
        return f"{self.case.setup.reference}-award"

    def _award(self) -> dict[str, Any]:
        award = self.case.award
        assert award is not None  # noqa: S101 - the caller checked
        return {"id": self._award_id(), "status": "active", "date": _day_start(award.decided_on),
                "suppliers": [self._party_ref(award.supplier_id)]}

    def _contract(self) -> dict[str, Any]:
        case, contract = self.case, self.case.contract
        assert contract is not None  # noqa: S101 - the caller checked
        ended = contract.ended_on is not None
        return {"id": f"{case.setup.reference}-contract", "awardID": self._award_id(),
                "status": "terminated" if ended else "active",
                "dateSigned": _day_start(contract.signed_on),
                "period": _period(contract.start, contract.ended_on or contract.end),
                "implementation": {"metrics": self._metrics()}}

    # -- the figures: aggregates only ---------------------------------------------------

    def _metrics(self) -> list[dict[str, Any]]:
        case = self.case
        if case.requirement is None or case.contract is None:
            return []
        as_of = min(self.event.timestamp.astimezone(_LOCAL).date(),
                    case.contract.ended_on or date.max)
        assessment = case.assess_compliance(as_of)
        unit = {"name": "heltidsmånader"}
        months = {"id": "fullTimeMonths", "title": "Heltidsmånader enligt sysselsättningskravet",
                  "observations": [
                      {"id": "required", "measure": _number(assessment.required_months),
                       "unit": unit},
                      {"id": "delivered", "measure": _number(assessment.delivered_months),
                       "unit": unit, "period": _period(case.contract.start, as_of)}]}
        people = len({p.participant_ref for p in case.placements.values()})
        placed = _observation("placed", {"placed": people}, "placed", {})
        outcomes = {"id": "outcomes",
                    "title": "Sysselsättning vid uppföljningens kontrollpunkter (antal personer)",
                    "observations": self._outcomes()}
        return [months, {"id": "participants", "title": "Personer som fått anställning",
                         "observations": [placed]}, outcomes]

    def _outcomes(self) -> list[dict[str, Any]]:
        # Every status of a checkpoint kind, zeros too: a group of under 5 people is then
        # suppressed whole, and no status shows that someone had it.
        counts: dict[str, dict[str, int]] = {}
        for (_, kind), record in latest_outcomes(self.case).items():
            cells = counts.setdefault(kind, dict.fromkeys(EMPLOYMENT_STATUSES, 0))
            cells[str(record.values[STATUS_ITEM])] += 1
        observations = []
        for kind in sorted(counts):
            for status in EMPLOYMENT_STATUSES:
                observations.append(_observation(
                    f"{kind}-{status}", counts[kind], status,
                    {"checkpoint": kind, "employmentStatus": status}))
        return observations


def _observation(observation_id: str, group: dict[str, int], cell: str,
                 dimensions: dict[str, str]) -> dict[str, Any]:
    """One count of people, with the statistics' suppression applied to its group."""
    shown, _ = suppress(dict(group))
    observation: dict[str, Any] = {"id": observation_id, "unit": {"name": "personer"}}
    if dimensions:
        observation["dimensions"] = dimensions
    if shown[cell] is None:
        observation["notes"] = f"Undertryckt: färre än {MIN_CELL} personer"
    else:
        observation["measure"] = shown[cell]
    return observation


def _tender_status(state: State) -> str:
    if state is State.DRAFT:
        return "planning"
    if state in (State.TENDERING, State.EVALUATION):
        return "active"
    if state is State.CANCELLED:
        return "cancelled"
    return "complete"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _money(amount: Decimal) -> dict[str, Any]:
    return {"amount": _number(amount), "currency": CURRENCY}


def _day_start(day: date) -> str:
    return datetime.combine(day, time(), tzinfo=_LOCAL).isoformat()


def _day_end(day: date) -> str:
    return datetime.combine(day, time(23, 59, 59), tzinfo=_LOCAL).isoformat()


def _period(start: date, end: date) -> dict[str, str]:
    return {"startDate": _day_start(start), "endDate": _day_end(end)}
