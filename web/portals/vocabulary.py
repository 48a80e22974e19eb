"""Names of the codes the portals' forms offer that no other page shows yet, in Swedish
and English (the rest are in web/labels.py)."""

from __future__ import annotations

from domain.participants.participant import ErasureReason
from domain.participants.read_log import ReadGround
from domain.procurement.deviations import DecisionKind
from domain.procurement.dialogue import Counterpart
from domain.procurement.matching import CandidateStatus
from domain.procurement.reports import ReportStatus
from projections.labels import Label

COUNTERPARTS: dict[Counterpart, Label] = {
    Counterpart.UNION: Label("Fackförbund", "Trade union"),
    Counterpart.EMPLOYER_ORGANISATION: Label("Arbetsgivarorganisation", "Employers' organisation"),
    Counterpart.NON_PROFIT: Label("Idéburen organisation", "Non-profit organisation"),
    Counterpart.SOCIAL_ENTERPRISE: Label("Socialt företag", "Social enterprise"),
    Counterpart.SUPPLIER: Label("Leverantör", "Supplier"),
    Counterpart.OTHER: Label("Annan", "Other"),
}

DECISION_KINDS: dict[DecisionKind, Label] = {
    DecisionKind.REMEDY: Label("Åtgärd", "Remedy"),
    DecisionKind.SANCTION: Label("Vite", "Sanction"),
    DecisionKind.WAIVER: Label("Godtas", "Waiver"),
}

# The options of the follow-up plan's items that ship (domain/procurement/followup_plan.py).
PLAN_OPTIONS: dict[str, Label] = {
    "same_employer": Label("Anställd hos samma arbetsgivare", "Employed by the same employer"),
    "other_employer": Label("Anställd hos annan arbetsgivare", "Employed elsewhere"),
    "studies": Label("Studerar", "Studying"),
    "unemployed": Label("Arbetslös", "Unemployed"),
    "other_intervention": Label("I annan insats", "In another programme"),
    "unknown": Label("Okänt", "Unknown"),
    "fixed_term": Label("Visstidsanställning", "Fixed-term"),
    "permanent": Label("Tillsvidareanställning", "Permanent"),
    "internship": Label("Praktik", "Internship"),
    "apprenticeship": Label("Lärlingsanställning", "Apprenticeship"),
    "none": Label("Ingen anställning", "None"),
}


def option(code: str) -> Label:
    """A plan item's option; one a plan brings that is not named here shows as itself."""
    return PLAN_OPTIONS.get(code) or Label(code, code)

CANDIDATE_STATUSES: dict[CandidateStatus, Label] = {
    CandidateStatus.PROPOSED: Label("Föreslagen, väntar på svar", "Proposed, awaiting answer"),
    CandidateStatus.ACCEPTED: Label("Antagen", "Accepted"),
    CandidateStatus.DECLINED: Label("Avböjd", "Declined"),
    CandidateStatus.PLACED: Label("Anställd", "Placed"),
}

REPORT_STATUSES: dict[ReportStatus, Label] = {
    ReportStatus.SUBMITTED: Label("Inlämnad, väntar på granskning", "Submitted, awaiting review"),
    ReportStatus.VERIFIED: Label("Godkänd", "Verified"),
    ReportStatus.QUERIED: Label("Ifrågasatt", "Queried"),
}

ERASURE_REASONS: dict[ErasureReason, Label] = {
    ErasureReason.ASKED_TO_BE_ERASED: Label("Personen bad om att bli raderad",
                                            "The person asked to be erased"),
    ErasureReason.LEFT_PROGRAMME: Label("Personen har lämnat programmet",
                                        "The person left the programme"),
    ErasureReason.REGISTERED_BY_MISTAKE: Label("Registrerad av misstag",
                                               "Registered by mistake"),
    ErasureReason.RETENTION_PERIOD_PASSED: Label("Lagringstiden har löpt ut",
                                                 "The retention period has passed"),
}


READ_GROUNDS: dict[ReadGround, Label] = {
    ReadGround.REGISTERING_MATCHER: Label("Registrerande matchningsaktör",
                                          "The registering matcher"),
    ReadGround.EMPLOYER: Label("Arbetsgivare i ärendet", "Employer in the case"),
}
