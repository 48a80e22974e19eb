"""The access policy: which part in a procurement may run which command or query.

This table is the only place that decides access. A part comes from the organisation's
role in the case (DESIGN.md §2), never from the role name alone: an authority owns only
the procurements it created, a supplier is awarded only the contract it won.
"""

from __future__ import annotations

from collections.abc import Collection, Set
from enum import Enum
from typing import Protocol
from uuid import UUID

from domain.procurement import Procurement
from domain.procurement.lifecycle import State
from domain.procurement.tenders import Tender
from domain.values import Actor, Role


class Part(Enum):
    CONTRACTING_AUTHORITY = "contracting_authority"  # any authority: may start a case
    OWNER = "owner"  # the authority that created the procurement
    PROSPECTIVE_TENDERER = "prospective_tenderer"  # any supplier while tendering is open
    TENDERER = "tenderer"  # a supplier that has submitted a tender
    AWARDED_SUPPLIER = "awarded_supplier"
    MATCHER = "matcher"  # the appointed matcher (Arbetsförmedlingen or the municipality)
    PARTNER = "partner"  # an invited social enterprise
    AUDITOR = "auditor"  # an audit organisation granted by the owning authority
    PUBLIC = "public"  # anyone, signed in or not, once the owner marked the case for publication
    # Parts in the directory rather than in a case:
    OPERATOR = "operator"  # runs the service; no access to case content by that alone
    MEMBER = "member"  # a user of the organisation concerned
    ORG_ADMIN = "org_admin"  # that organisation's own administrator
    AUTHORITY_ADMIN = "authority_admin"  # the administrator of a contracting authority
    # Parts in the participant register:
    MATCHING_ORGANISATION = "matching_organisation"  # any matcher: may register people
    REGISTRAR = "registrar"  # the matcher organisation that registered the person
    EMPLOYER = "employer"  # the awarded supplier of a case that placed the person


class Command(Enum):
    CREATE_PROCUREMENT = "create_procurement"
    REVISE_SETUP = "revise_setup"
    SET_REQUIREMENT = "set_requirement"
    SET_FOLLOW_UP_PLAN = "set_follow_up_plan"
    AMEND_FOLLOW_UP_PLAN = "amend_follow_up_plan"
    ADD_DIALOGUE_NOTE = "add_dialogue_note"
    PUBLISH = "publish"
    SUBMIT_TENDER = "submit_tender"
    CLOSE_TENDERING = "close_tendering"
    AWARD_CONTRACT = "award_contract"
    SIGN_CONTRACT = "sign_contract"
    HOLD_KICK_OFF = "hold_kick_off"
    APPOINT_MATCHER = "appoint_matcher"
    INVITE_PARTNER = "invite_partner"
    OFFER_POSITION = "offer_position"
    PROPOSE_CANDIDATE = "propose_candidate"
    ACCEPT_CANDIDATE = "accept_candidate"
    DECLINE_CANDIDATE = "decline_candidate"
    RECORD_PREPARATION = "record_preparation"
    START_PLACEMENT = "start_placement"
    END_PLACEMENT = "end_placement"
    RECORD_CHECKPOINT = "record_checkpoint"
    SUBMIT_REPORT = "submit_report"
    VERIFY_REPORT = "verify_report"
    QUERY_REPORT = "query_report"
    NOTE_DEVIATION = "note_deviation"
    DECIDE_DEVIATION = "decide_deviation"
    END_CONTRACT = "end_contract"
    CLOSE = "close"
    CANCEL = "cancel"
    SET_REMINDER_POLICY = "set_reminder_policy"
    MARK_FOR_PUBLICATION = "mark_for_publication"
    # queries
    VIEW_CASE = "view_case"
    VIEW_HISTORY = "view_history"
    VIEW_DELIVERY = "view_delivery"  # positions, candidates, placements, checkpoints, reports
    VIEW_COMPLIANCE = "view_compliance"
    EXPORT_OPEN_DATA = "export_open_data"  # the case as Open Contracting releases
    VIEW_PAST = "view_past"  # the case as it stood at a past moment, and diffs
    VERIFY_HISTORY = "verify_history"  # the hash chain's check and head
    VIEW_DOUBLE_COUNTS = "view_double_counts"  # a placement's months claimed elsewhere too
    # the directory
    REGISTER_ORGANISATION = "register_organisation"
    INVITE_USER = "invite_user"
    VIEW_USERS = "view_users"
    DEACTIVATE_USER = "deactivate_user"
    GRANT_AUDIT_ACCESS = "grant_audit_access"
    # the participant register
    REGISTER_PARTICIPANT = "register_participant"
    VIEW_PARTICIPANT = "view_participant"  # everything: identity number, target group
    VIEW_PARTICIPANT_CONTACT = "view_participant_contact"  # the name and contact only
    ERASE_PARTICIPANT = "erase_participant"
    VIEW_READ_LOG = "view_read_log"  # who read the people of a case
    # reports (reports/): PDFs and downloads
    VIEW_STATISTICS = "view_statistics"  # an authority's statistics, cells under 5 suppressed
    PRODUCE_FOLLOW_UP_REPORT = "produce_follow_up_report"  # one procurement's follow-up PDF
    PRODUCE_AUDIT_EXTRACT = "produce_audit_extract"  # every event of a case or a period


P = Part
_OWNER = frozenset({P.OWNER})
_SUPPLIER = frozenset({P.AWARDED_SUPPLIER})

POLICY: dict[Command, frozenset[Part]] = {
    Command.CREATE_PROCUREMENT: frozenset({P.CONTRACTING_AUTHORITY}),
    Command.REVISE_SETUP: _OWNER,
    Command.SET_REQUIREMENT: _OWNER,
    Command.SET_FOLLOW_UP_PLAN: _OWNER,
    Command.AMEND_FOLLOW_UP_PLAN: _OWNER,
    Command.ADD_DIALOGUE_NOTE: _OWNER,
    Command.PUBLISH: _OWNER,
    Command.SUBMIT_TENDER: frozenset({P.PROSPECTIVE_TENDERER, P.TENDERER}),
    Command.CLOSE_TENDERING: _OWNER,
    Command.AWARD_CONTRACT: _OWNER,
    Command.SIGN_CONTRACT: _OWNER,
    Command.HOLD_KICK_OFF: _OWNER,
    Command.APPOINT_MATCHER: _OWNER,
    Command.INVITE_PARTNER: frozenset({P.OWNER, P.AWARDED_SUPPLIER}),
    Command.OFFER_POSITION: _SUPPLIER,
    Command.PROPOSE_CANDIDATE: frozenset({P.MATCHER}),
    Command.ACCEPT_CANDIDATE: _SUPPLIER,
    Command.DECLINE_CANDIDATE: _SUPPLIER,
    Command.RECORD_PREPARATION: frozenset({P.PARTNER}),
    Command.START_PLACEMENT: _SUPPLIER,
    Command.END_PLACEMENT: _SUPPLIER,
    # Which items each of them may give is the follow-up plan's rule, not access.
    Command.RECORD_CHECKPOINT: frozenset({P.AWARDED_SUPPLIER, P.MATCHER, P.PARTNER}),
    Command.SUBMIT_REPORT: _SUPPLIER,
    Command.VERIFY_REPORT: _OWNER,
    Command.QUERY_REPORT: _OWNER,
    Command.NOTE_DEVIATION: frozenset({P.OWNER, P.AWARDED_SUPPLIER, P.MATCHER}),
    Command.DECIDE_DEVIATION: _OWNER,
    Command.END_CONTRACT: _OWNER,
    Command.CLOSE: _OWNER,
    Command.CANCEL: _OWNER,
    Command.SET_REMINDER_POLICY: _OWNER,
    Command.MARK_FOR_PUBLICATION: _OWNER,
    Command.VIEW_CASE: frozenset({P.OWNER, P.PROSPECTIVE_TENDERER, P.TENDERER,
                                  P.AWARDED_SUPPLIER, P.MATCHER, P.PARTNER, P.AUDITOR}),
    Command.VIEW_HISTORY: frozenset({P.OWNER, P.AUDITOR}),
    Command.VIEW_DELIVERY: frozenset({P.OWNER, P.AWARDED_SUPPLIER, P.MATCHER, P.PARTNER,
                                      P.AUDITOR}),
    Command.VIEW_COMPLIANCE: frozenset({P.OWNER, P.AWARDED_SUPPLIER, P.MATCHER, P.AUDITOR}),
    # The export holds aggregate figures only, never a person (projections/ocds/).
    Command.EXPORT_OPEN_DATA: frozenset({P.OWNER, P.AUDITOR, P.PUBLIC}),
    Command.VIEW_PAST: frozenset({P.OWNER, P.AUDITOR}),
    Command.VERIFY_HISTORY: frozenset({P.OWNER, P.AUDITOR}),
    # The authorities concerned: told how many months, never whose (projections/double_counts.py).
    Command.VIEW_DOUBLE_COUNTS: frozenset({P.OWNER, P.AUDITOR}),
    Command.REGISTER_ORGANISATION: frozenset({P.OPERATOR}),
    Command.INVITE_USER: frozenset({P.OPERATOR, P.ORG_ADMIN}),
    Command.VIEW_USERS: frozenset({P.OPERATOR, P.ORG_ADMIN}),
    Command.DEACTIVATE_USER: frozenset({P.OPERATOR, P.ORG_ADMIN}),
    Command.GRANT_AUDIT_ACCESS: frozenset({P.AUTHORITY_ADMIN}),
    Command.REGISTER_PARTICIPANT: frozenset({P.MATCHING_ORGANISATION}),
    # Authorities and auditors see pseudonyms and statistics only; the operator runs the
    # service and may erase, but reads no one.
    Command.VIEW_PARTICIPANT: frozenset({P.REGISTRAR}),
    Command.VIEW_PARTICIPANT_CONTACT: frozenset({P.REGISTRAR, P.EMPLOYER}),
    Command.ERASE_PARTICIPANT: frozenset({P.REGISTRAR, P.OPERATOR}),
    # The operator reads the whole log at the console (no actor, no policy).
    Command.VIEW_READ_LOG: frozenset({P.AUDITOR}),
    # Statistics are the authority's own and its auditors' (parts towards an authority:
    # authority_parts). Suppliers never: outcomes are by target group. Matchers and the
    # operator neither: they have no part in all of an authority's cases.
    Command.VIEW_STATISTICS: frozenset({P.OWNER, P.AUDITOR}),
    # A follow-up report shows what the case page shows the party, pseudonyms only (the
    # target group only where may_see_target_groups allows).
    Command.PRODUCE_FOLLOW_UP_REPORT: frozenset({P.OWNER, P.AUDITOR, P.AWARDED_SUPPLIER,
                                                 P.MATCHER}),
    Command.PRODUCE_AUDIT_EXTRACT: frozenset({P.OWNER, P.AUDITOR}),
}


class CaseParties(Protocol):
    """Who is who in a case: the aggregate has these, and so does a row of the case list
    (projections/case_list.py), so the portals' lists and the commands share one rule."""

    @property
    def owner_id(self) -> UUID: ...
    @property
    def state(self) -> State: ...
    @property
    def tenderer_ids(self) -> Collection[UUID]: ...
    @property
    def awarded_supplier_id(self) -> UUID | None: ...
    @property
    def matcher_id(self) -> UUID | None: ...
    @property
    def partner_ids(self) -> Collection[UUID]: ...


def parts_of(actor: Actor, case: CaseParties | None,
             audited_authorities: Set[object] = frozenset()) -> frozenset[Part]:
    """Every part the actor's organisation plays in the case (or, with no case, may play)."""
    org, role = actor.organisation_id, actor.role
    if case is None:
        return frozenset({P.CONTRACTING_AUTHORITY} if role is Role.AUTHORITY else ())
    parts: set[Part] = set()
    if role is Role.AUTHORITY and case.owner_id == org:
        parts.add(P.OWNER)
    if role is Role.SUPPLIER:
        if case.state is State.TENDERING:
            parts.add(P.PROSPECTIVE_TENDERER)
        if org in case.tenderer_ids:
            parts.add(P.TENDERER)
        if case.awarded_supplier_id == org:
            parts.add(P.AWARDED_SUPPLIER)
    if role is Role.MATCHER and case.matcher_id == org:
        parts.add(P.MATCHER)
    if role is Role.SOCIAL_ENTERPRISE and org in case.partner_ids:
        parts.add(P.PARTNER)
    if role is Role.AUDITOR and case.owner_id in audited_authorities:
        parts.add(P.AUDITOR)
    return frozenset(parts)


def authority_parts(actor: Actor, authority_id: UUID,
                    audited_authorities: Set[object] = frozenset()) -> frozenset[Part]:
    """The actor's parts towards an authority as a whole (its statistics, an audit extract
    of a period): the authority itself, or an audit organisation it granted access."""
    if actor.role is Role.AUTHORITY and actor.organisation_id == authority_id:
        return frozenset({P.OWNER})
    if actor.role is Role.AUDITOR and authority_id in audited_authorities:
        return frozenset({P.AUDITOR})
    return frozenset()


def authorities_allowing(command: Command, actor: Actor,
                         audited_authorities: Set[UUID] = frozenset()) -> list[UUID]:
    """The authorities towards which the actor's parts allow `command`, in a stable order."""
    candidates = sorted({actor.organisation_id, *audited_authorities}, key=str)
    return [a for a in candidates
            if allows(command, authority_parts(actor, a, audited_authorities))]


def public_parts(case: Procurement) -> frozenset[Part]:
    """The part anyone plays in a case, without signing in: the public's, once the owner
    has marked the case for publication; none before."""
    return frozenset({P.PUBLIC}) if case.marked_for_publication else frozenset()


def participant_parts(actor: Actor, registered_by: UUID | None,
                      employs: bool = False) -> frozenset[Part]:
    """The actor's parts towards a person in the register (`registered_by` None: towards
    one not registered yet). `employs`: the actor's organisation is the awarded supplier
    of a case with a placement of the person, which the caller has checked on the case."""
    parts: set[Part] = set()
    if actor.role is Role.MATCHER:
        parts.add(P.MATCHING_ORGANISATION)
        if registered_by == actor.organisation_id:
            parts.add(P.REGISTRAR)
    if actor.role is Role.SUPPLIER and employs:
        parts.add(P.EMPLOYER)
    if actor.role is Role.ADMIN:
        parts.add(P.OPERATOR)
    return frozenset(parts)


def shows_placed_names(parts: frozenset[Part]) -> bool:
    """Whether a case page names the people placed in it: only for the employing supplier,
    which needs to reach its employees. The matcher reads them in its register, not on a
    case; everyone else sees references only."""
    return P.AWARDED_SUPPLIER in parts


def allows(command: Command, parts: frozenset[Part]) -> bool:
    return bool(POLICY[command] & parts)


def tenders_are_sealed(case: Procurement) -> bool:
    """Until tendering closes (and for ever, if the case was cancelled before that), no one
    but each tenderer sees a tender: not its content, not who tendered, not how many."""
    return not case.tendering_closed


def visible_version(actor: Actor, case: Procurement) -> int:
    """The case's version as the actor may know it. While tenders are sealed, the tenders of
    other organisations (each submission and revision an event) are not counted: a version
    that grew with them would tell how many were submitted. Every change the actor can see
    still moves it on, so it serves as the actor's ETag and If-Match."""
    if not tenders_are_sealed(case):
        return case.version
    return case.version - sum(t.revision for t in case.tenders.values()
                              if not _own(actor, t))


def _own(actor: Actor, tender: Tender) -> bool:
    return actor.role is Role.SUPPLIER and tender.supplier_id == actor.organisation_id


def may_see_tender(actor: Actor, parts: frozenset[Part], case: Procurement,
                   tender: Tender) -> bool:
    """Tenders are sealed: before tendering closes only the tenderer sees its own; after,
    the owner and auditors do too; a competing supplier never does."""
    if tender.supplier_id == actor.organisation_id and actor.role is Role.SUPPLIER:
        return True
    return not tenders_are_sealed(case) and bool(parts & {P.OWNER, P.AUDITOR})


def may_see_target_groups(parts: frozenset[Part]) -> bool:
    """Target-group membership is sensitive: suppliers and partners never see it."""
    return bool(parts & {P.OWNER, P.MATCHER, P.AUDITOR})
