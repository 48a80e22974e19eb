"""Swedish words for the domain's codes, with the English beside them.

A stop-gap until real i18n: each label is a pair (Swedish, English). The Swedish follows
the vocabulary of the buyer's guidance ("Framgångsfaktorer för sysselsättningskrav").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple

from domain.procurement.compliance import ComplianceOutcome, DeadlineStatus
from domain.procurement.lifecycle import State
from domain.values import PositionType, RequirementLevel, Role, TargetGroup


class Label(NamedTuple):
    sv: str
    en: str


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

# Event class names (domain/procurement/events.py) as the history shows them.
EVENTS: dict[str, Label] = {
    "Created": Label("Upphandling skapad", "Procurement created"),
    "SetupRevised": Label("Grunduppgifter ändrade", "Set-up revised"),
    "RequirementSet": Label("Sysselsättningskrav fastställt", "Employment requirement set"),
    "FollowUpPlanSet": Label("Uppföljningsmodell fastställd", "Follow-up plan set"),
    "FollowUpPlanAmended": Label("Uppföljningsmodell ändrad", "Follow-up plan amended"),
    "DialogueNoteAdded": Label("Anteckning från dialog", "Dialogue note added"),
    "Published": Label("Upphandlingen annonserad", "Published"),
    "TenderSubmitted": Label("Anbud inlämnat", "Tender submitted"),
    "TenderingClosed": Label("Anbudstiden stängd", "Tendering closed"),
    "Awarded": Label("Tilldelningsbeslut fattat", "Contract awarded"),
    "ContractSigned": Label("Avtal tecknat", "Contract signed"),
    "KickOffHeld": Label("Startmöte hållet", "Kick-off held"),
    "MatcherAppointed": Label("Matchningsansvarig utsedd", "Matcher appointed"),
    "PartnerInvited": Label("Samarbetspartner inbjuden", "Partner invited"),
    "PositionOffered": Label("Plats erbjuden", "Position offered"),
    "CandidateProposed": Label("Kandidat föreslagen", "Candidate proposed"),
    "CandidateAccepted": Label("Kandidat antagen", "Candidate accepted"),
    "CandidateDeclined": Label("Kandidat avböjd", "Candidate declined"),
    "PreparationRecorded": Label("Förberedande insats registrerad", "Preparation recorded"),
    "PlacementStarted": Label("Anställning påbörjad", "Placement started"),
    "PlacementEnded": Label("Anställning avslutad", "Placement ended"),
    "CheckpointRecorded": Label("Uppföljning registrerad", "Checkpoint recorded"),
    "ReportSubmitted": Label("Rapport inlämnad", "Report submitted"),
    "ReportVerified": Label("Rapport godkänd", "Report verified"),
    "ReportQueried": Label("Rapport ifrågasatt", "Report queried"),
    "DeviationNoted": Label("Avvikelse noterad", "Deviation noted"),
    "DeviationDecided": Label("Avvikelse beslutad", "Deviation decided"),
    "ContractEnded": Label("Avtalet har upphört", "Contract ended"),
    "Closed": Label("Upphandlingen avslutad", "Procurement closed"),
    "Cancelled": Label("Upphandlingen avbruten", "Procurement cancelled"),
}


def of(member: Enum, table: Mapping[Any, Label]) -> Label:
    """The label of a code; a code nobody has translated yet shows as itself."""
    return table.get(member) or Label(str(member.value), str(member.value))


def event(event_type: str) -> Label:
    return EVENTS.get(event_type) or Label(event_type, event_type)
