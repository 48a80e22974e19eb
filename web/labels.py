"""Names of the domain's codes in Swedish and English.

Each label is a pair (Swedish, English) rather than a catalog entry, because the read
models store both (the audit trail keeps its summaries in either language); a template
shows the page's language with `label|t` (web/i18n.py). The Swedish follows the vocabulary
of the buyer's guidance ("Framgångsfaktorer för sysselsättningskrav").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from domain.procurement.compliance import ComplianceOutcome, DeadlineStatus
from domain.procurement.lifecycle import State
from domain.values import PositionType, RequirementLevel, Role, TargetGroup

# One list of event names for the case page's timeline and the audit trail.
from projections.labels import EVENTS, Label

STATES: dict[State, Label] = {
    State.DRAFT: Label("Utkast", "Draft"),
    State.TENDERING: Label("Anbudsgivning", "Tendering"),
    State.EVALUATION: Label("Utvärdering", "Evaluation"),
    State.STANDSTILL: Label("Avtalsspärr", "Standstill"),
    State.DELIVERY: Label("Leverans", "Delivery"),
    State.FOLLOW_UP: Label("Uppföljning", "Follow-up"),
    State.CLOSED: Label("Avslutad", "Closed"),
    State.CANCELLED: Label("Avbruten", "Cancelled"),
}

ROLES: dict[Role, Label] = {
    Role.AUTHORITY: Label("Upphandlande myndighet", "Contracting authority"),
    Role.SUPPLIER: Label("Leverantör", "Supplier"),
    Role.MATCHER: Label("Matchningsansvarig", "Matcher"),
    Role.SOCIAL_ENTERPRISE: Label("Arbetsintegrerande socialt företag", "Social enterprise"),
    Role.AUDITOR: Label("Granskare", "Auditor"),
    Role.ADMIN: Label("Administratör", "Administrator"),
}

TARGET_GROUPS: dict[TargetGroup, Label] = {
    TargetGroup.LONG_TERM_UNEMPLOYED: Label("Långtidsarbetslösa", "Long-term unemployed"),
    TargetGroup.FOREIGN_BORN: Label("Utrikesfödda", "Foreign-born"),
    TargetGroup.YOUNG: Label("Ungdomar", "Young people"),
    TargetGroup.DISABILITY: Label("Personer med funktionsnedsättning",
                                  "People with disabilities"),
    TargetGroup.OTHER_FAR_FROM_LABOUR_MARKET: Label(
        "Andra som står långt från arbetsmarknaden", "Others far from the labour market"),
}

REQUIREMENT_LEVELS: dict[RequirementLevel, Label] = {
    RequirementLevel.DIALOGUE: Label("Dialogmodell", "Dialogue"),
    RequirementLevel.REQUIREMENT: Label("Kravmodell (kontraktsvillkor)", "Requirement"),
    RequirementLevel.BONUS: Label("Bonusmodell", "Bonus"),
}

POSITION_TYPES: dict[PositionType, Label] = {
    PositionType.FIXED_TERM_EMPLOYMENT: Label("Visstidsanställning", "Fixed-term employment"),
    PositionType.INTERNSHIP: Label("Praktik", "Internship"),
    PositionType.APPRENTICESHIP: Label("Lärlingsanställning", "Apprenticeship"),
}

DEADLINE_STATUSES: dict[DeadlineStatus, Label] = {
    DeadlineStatus.NOT_STARTED: Label("Avtalet har inte börjat", "Contract not started"),
    DeadlineStatus.PENDING: Label("Ingen anställning ännu", "Pending"),
    DeadlineStatus.AT_RISK: Label("Ingen anställning ännu, fristen löper snart ut", "At risk"),
    DeadlineStatus.MET: Label("I tid", "Met"),
    DeadlineStatus.MISSED: Label("Fristen missades", "Missed"),
}

OUTCOMES: dict[ComplianceOutcome, Label] = {
    ComplianceOutcome.MET: Label("Uppfyllt", "Met"),
    ComplianceOutcome.PARTLY_MET: Label("Delvis uppfyllt", "Partly met"),
    ComplianceOutcome.NOT_MET: Label("Ej uppfyllt", "Not met"),
}


def of(member: Enum, table: Mapping[Any, Label]) -> Label:
    """The label of a code; a code nobody has translated yet shows as itself."""
    return table.get(member) or Label(str(member.value), str(member.value))


def event(event_type: str) -> Label:
    return EVENTS.get(event_type) or Label(event_type, event_type)
