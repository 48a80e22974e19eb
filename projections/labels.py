"""Swedish and English names of every event, as the audit trail and the case page's
timeline show them (web/labels.py uses this list too)."""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    sv: str
    en: str


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
    "ReminderPolicySet": Label("Påminnelseregler ändrade", "Reminder policy set"),
    "ReminderSent": Label("Påminnelse skickad", "Reminder sent"),
    "MarkedForPublication": Label("Publicerad som öppna data", "Published as open data"),
    "User.LanguageChosen": Label("Språk valt", "Language chosen"),
    "Cancelled": Label("Upphandlingen avbruten", "Procurement cancelled"),
    # The directory
    "Organisation.Registered": Label("Organisation registrerad", "Organisation registered"),
    "Organisation.Renamed": Label("Organisation har bytt namn", "Organisation renamed"),
    "Organisation.AuditAccessGranted": Label("Granskningsbehörighet beviljad",
                                             "Audit access granted"),
    "Organisation.AuditAccessRevoked": Label("Granskningsbehörighet återkallad",
                                             "Audit access revoked"),
    "User.Invited": Label("Användare inbjuden", "User invited"),
    # The participant register: rows show the pseudonymous reference only
    "Participant.Registered": Label("Deltagare registrerad", "Participant registered"),
    "Participant.Erased": Label("Deltagarens uppgifter raderade", "Participant erased"),
    "User.InvitationAccepted": Label("Inbjudan accepterad", "Invitation accepted"),
    "User.PasswordChanged": Label("Lösenord bytt", "Password changed"),
    "User.SignInFailed": Label("Misslyckad inloggning", "Failed sign-in"),
    "User.SignInFailuresCleared": Label("Misslyckade inloggningar nollställda",
                                        "Failed sign-ins cleared"),
    "User.TokenIssued": Label("API-nyckel utfärdad", "API token issued"),
    "User.TokenRevoked": Label("API-nyckel återkallad", "API token revoked"),
    "User.Deactivated": Label("Användare inaktiverad", "User deactivated"),
    "EmailIndex.Claimed": Label("E-postadress knuten till användare",
                                "E-mail address claimed by a user"),
}

DEVIATION_DECISIONS: dict[str, Label] = {
    "remedy": Label("åtgärd", "remedy"),
    "sanction": Label("vite", "sanction"),
    "waiver": Label("godtagen", "waiver"),
}

COMPLIANCE_OUTCOMES: dict[str, Label] = {
    "met": Label("uppfyllt", "met"),
    "partly_met": Label("delvis uppfyllt", "partly met"),
    "not_met": Label("ej uppfyllt", "not met"),
}


# What a task in an inbox asks of its party (projections/case_list.py, obligations.py).
TASKS: dict[str, Label] = {
    "close_tendering": Label("Stäng anbudstiden", "Close tendering"),
    "award": Label("Fatta tilldelningsbeslut", "Award the contract"),
    "sign_contract": Label("Teckna avtal efter avtalsspärren",
                           "Sign the contract after the standstill"),
    "appoint_matcher": Label("Utse matchningsaktör", "Appoint a matcher"),
    "decide_deviation": Label("Besluta om avvikelse", "Decide on a deviation"),
    "close_procurement": Label("Avsluta med beslut om kravuppfyllelse",
                               "Close with a compliance decision"),
    "contract_end": Label("Avtalet löper ut", "Contract ends"),
    "report_verification": Label("Granska leverantörens rapport", "Review the supplier's report"),
    "propose_candidate": Label("Föreslå kandidat till platsen",
                               "Propose a candidate for the position"),
    "candidate_answer": Label("Svara på föreslagen kandidat", "Answer a proposed candidate"),
    "start_placement": Label("Starta anställningen", "Start the placement"),
    "first_placement": Label("Första anställningen senast", "First placement due"),
    "report": Label("Lämna periodisk rapport", "Submit the periodic report"),
    "checkpoint": Label("Registrera uppföljning", "Record a follow-up checkpoint"),
    "standstill_end": Label("Avtalsspärren löper ut", "Standstill ends"),
}


# The stages of a reminder (domain/procurement/reminders.py), as its recipient reads them.
STAGES: dict[str, Label] = {
    "before": Label("Påminnelse", "Reminder"),
    "due": Label("Förfaller i dag", "Due today"),
    "escalation": Label("Försenad, eskalerad till myndigheten",
                        "Overdue, escalated to the authority"),
}


def stage(code: str) -> Label:
    return STAGES.get(code) or Label(code, code)


def task(kind: str) -> Label:
    return TASKS.get(kind) or Label(kind, kind)


def event(event_type: str) -> Label:
    """A type nobody has named yet shows as itself."""
    return EVENTS.get(event_type) or Label(event_type, event_type)


def checkpoint(key: str) -> Label:
    """A checkpoint of the follow-up plan (`start`, `during_3`, `exit`, `after_exit_6`), in
    the words of the case page (web/portals/actions.py `checkpoint_label`)."""
    if key == "start":
        return Label("Vid start", "At the start")
    if key == "exit":
        return Label("Vid avslut", "At the end")
    months = key.rsplit("_", 1)[-1]
    if key.startswith("during_"):
        return Label(f"Under anställningen, {months} månader",
                     f"During the placement, {months} months")
    if key.startswith("after_exit_"):
        return Label(f"{months} månader efter avslut", f"{months} months after the end")
    return Label(key, key)
