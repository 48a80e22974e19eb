"""The access policy (domain/access.py): the parts an organisation plays in a case, and what
each part may do. Expectations are written out by hand, not derived from the policy table."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.access import (
    Command,
    Part,
    allows,
    authorities_allowing,
    authority_parts,
    may_see_target_groups,
    participant_parts,
    parts_of,
)
from domain.examples import example_tender, new_actor
from domain.procurement.lifecycle import State
from domain.values import Actor, Role
from tests.unit.builders import Given, case_in

P = Part
C = Command


def parts(actor: Actor, given: Given, audited: frozenset[object] = frozenset()) -> set[Part]:
    return set(parts_of(actor, given.case, audited))


# -- parts_of ------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    (Role.AUTHORITY, {P.CONTRACTING_AUTHORITY}),
    (Role.SUPPLIER, set()),
    (Role.MATCHER, set()),
    (Role.SOCIAL_ENTERPRISE, set()),
    (Role.AUDITOR, set()),
    (Role.ADMIN, set()),
])
def test_without_a_case_only_an_authority_may_start_one(role: Role, expected: set[Part]) -> None:
    assert set(parts_of(new_actor(role), None)) == expected


@pytest.mark.parametrize("state", list(State))
def test_the_creating_authority_owns_the_case_in_every_state(state: State) -> None:
    given = case_in(state)
    assert parts(given.parties.authority, given) == {P.OWNER}


def test_another_user_of_the_owning_authority_is_owner_too() -> None:
    given = case_in(State.DRAFT)
    colleague = Actor(uuid4(), given.parties.authority.organisation_id, Role.AUTHORITY)
    assert parts(colleague, given) == {P.OWNER}


def test_another_authority_has_no_part() -> None:
    given = case_in(State.DELIVERY)
    assert parts(new_actor(Role.AUTHORITY), given) == set()


def test_the_owners_organisation_acting_as_another_party_type_has_no_part() -> None:
    given = case_in(State.TENDERING)
    as_matcher = Actor(uuid4(), given.parties.authority.organisation_id, Role.MATCHER)
    assert parts(as_matcher, given) == set()


def test_no_supplier_has_a_part_in_a_draft() -> None:
    given = case_in(State.DRAFT)
    assert parts(given.parties.supplier, given) == set()


def test_any_supplier_is_a_prospective_tenderer_while_tendering() -> None:
    given = case_in(State.TENDERING)
    assert parts(new_actor(Role.SUPPLIER), given) == {P.PROSPECTIVE_TENDERER}


def test_a_supplier_that_tendered_is_a_tenderer() -> None:
    given = case_in(State.TENDERING)
    supplier = given.parties.supplier
    given.case.submit_tender(supplier, example_tender(supplier))
    assert parts(supplier, given) == {P.PROSPECTIVE_TENDERER, P.TENDERER}


def test_after_tendering_a_supplier_that_did_not_tender_has_no_part() -> None:
    given = case_in(State.EVALUATION)
    assert parts(new_actor(Role.SUPPLIER), given) == set()


@pytest.mark.parametrize("state", [State.EVALUATION, State.STANDSTILL, State.DELIVERY,
                                   State.CLOSED])
def test_a_losing_tenderer_remains_only_a_tenderer(state: State) -> None:
    given = case_in(state)
    assert parts(given.parties.other_supplier, given) == {P.TENDERER}


@pytest.mark.parametrize("state", [State.STANDSTILL, State.DELIVERY, State.FOLLOW_UP,
                                   State.CLOSED])
def test_the_winner_is_the_awarded_supplier(state: State) -> None:
    given = case_in(state)
    assert parts(given.parties.supplier, given) == {P.TENDERER, P.AWARDED_SUPPLIER}


def test_the_appointed_matcher_is_the_matcher() -> None:
    given = case_in(State.DELIVERY)
    assert parts(given.parties.matcher, given) == {P.MATCHER}
    assert parts(new_actor(Role.MATCHER), given) == set()


def test_a_matcher_that_is_replaced_loses_its_part() -> None:
    given = case_in(State.DELIVERY)
    given.case.appoint_matcher(given.parties.authority, uuid4())
    assert parts(given.parties.matcher, given) == set()


def test_an_invited_social_enterprise_is_a_partner() -> None:
    given = case_in(State.DELIVERY)
    assert parts(given.parties.social_enterprise, given) == {P.PARTNER}
    assert parts(new_actor(Role.SOCIAL_ENTERPRISE), given) == set()


def test_an_auditor_has_a_part_only_with_a_grant_for_the_owning_authority() -> None:
    given = case_in(State.DELIVERY)
    auditor, owner = given.parties.auditor, given.case.owner_id
    assert parts(auditor, given) == set()
    assert parts(auditor, given, frozenset({uuid4()})) == set()
    assert parts(auditor, given, frozenset({owner})) == {P.AUDITOR}


def test_an_admin_has_no_part_even_with_a_grant() -> None:
    given = case_in(State.DELIVERY)
    admin = new_actor(Role.ADMIN)
    assert parts(admin, given, frozenset({given.case.owner_id})) == set()


def test_an_organisation_id_alone_gives_no_part() -> None:
    """A matcher organisation appointed as matcher is not a partner, and vice versa."""
    given = case_in(State.DELIVERY)
    given.case.invite_partner(given.parties.authority, given.parties.matcher.organisation_id)
    assert parts(given.parties.matcher, given) == {P.MATCHER}
    as_enterprise = Actor(uuid4(), given.parties.matcher.organisation_id,
                          Role.SOCIAL_ENTERPRISE)
    assert parts(as_enterprise, given) == {P.PARTNER}


# -- what each part may do -------------------------------------------------------------------

VIEWS = {C.VIEW_CASE, C.VIEW_HISTORY, C.VIEW_DELIVERY, C.VIEW_COMPLIANCE, C.VIEW_PAST,
         C.VERIFY_HISTORY}
REPORTS = {C.VIEW_STATISTICS, C.PRODUCE_FOLLOW_UP_REPORT, C.PRODUCE_AUDIT_EXTRACT}


def allowed(*held: Part) -> set[Command]:
    return {command for command in Command if allows(command, frozenset(held))}


def test_no_part_allows_nothing() -> None:
    assert allowed() == set()


def test_a_contracting_authority_may_only_create_a_case() -> None:
    assert allowed(P.CONTRACTING_AUTHORITY) == {C.CREATE_PROCUREMENT}


def test_an_auditor_reads_everything_and_changes_nothing() -> None:
    assert allowed(P.AUDITOR) == VIEWS | REPORTS | {C.VIEW_READ_LOG, C.EXPORT_OPEN_DATA,
                                                C.VIEW_DOUBLE_COUNTS}


def test_only_an_auditor_reads_who_read_the_people_of_a_case() -> None:
    assert {part for part in Part if allows(C.VIEW_READ_LOG, frozenset({part}))} == {
        P.AUDITOR}


def test_a_prospective_tenderer_may_read_the_case_and_tender() -> None:
    assert allowed(P.PROSPECTIVE_TENDERER) == {C.VIEW_CASE, C.SUBMIT_TENDER}


def test_a_tenderer_may_read_the_case_and_tender_again() -> None:
    assert allowed(P.TENDERER) == {C.VIEW_CASE, C.SUBMIT_TENDER}


def test_the_awarded_supplier_runs_delivery() -> None:
    assert allowed(P.AWARDED_SUPPLIER) == {
        C.INVITE_PARTNER, C.OFFER_POSITION, C.ACCEPT_CANDIDATE, C.DECLINE_CANDIDATE,
        C.START_PLACEMENT, C.END_PLACEMENT, C.RECORD_CHECKPOINT, C.SUBMIT_REPORT,
        C.NOTE_DEVIATION, C.VIEW_CASE, C.VIEW_DELIVERY, C.VIEW_COMPLIANCE,
        C.PRODUCE_FOLLOW_UP_REPORT}


def test_the_matcher_proposes_candidates_and_follows_them_up() -> None:
    assert allowed(P.MATCHER) == {
        C.PROPOSE_CANDIDATE, C.RECORD_CHECKPOINT, C.NOTE_DEVIATION, C.VIEW_CASE,
        C.VIEW_DELIVERY, C.VIEW_COMPLIANCE, C.PRODUCE_FOLLOW_UP_REPORT}


def test_a_partner_records_preparation_and_its_checkpoint_items() -> None:
    assert allowed(P.PARTNER) == {C.RECORD_PREPARATION, C.RECORD_CHECKPOINT, C.VIEW_CASE,
                                  C.VIEW_DELIVERY}


def test_the_owner_governs_the_case_but_does_not_act_for_the_supplier_or_matcher() -> None:
    assert allowed(P.OWNER) == {
        C.REVISE_SETUP, C.SET_REQUIREMENT, C.SET_FOLLOW_UP_PLAN, C.AMEND_FOLLOW_UP_PLAN,
        C.ADD_DIALOGUE_NOTE, C.PUBLISH, C.CLOSE_TENDERING, C.AWARD_CONTRACT,
        C.SIGN_CONTRACT, C.HOLD_KICK_OFF, C.APPOINT_MATCHER, C.INVITE_PARTNER,
        C.VERIFY_REPORT, C.QUERY_REPORT, C.NOTE_DEVIATION, C.DECIDE_DEVIATION,
        C.END_CONTRACT, C.CLOSE, C.CANCEL, C.SET_REMINDER_POLICY, C.MARK_FOR_PUBLICATION,
        C.EXPORT_OPEN_DATA, C.VIEW_DOUBLE_COUNTS, *VIEWS, *REPORTS}


@pytest.mark.parametrize(("held", "sees"), [
    ({P.OWNER}, True), ({P.MATCHER}, True), ({P.AUDITOR}, True),
    ({P.AWARDED_SUPPLIER, P.TENDERER}, False), ({P.PARTNER}, False), (set(), False),
])
def test_target_groups_are_hidden_from_suppliers_and_partners(held: set[Part],
                                                              sees: bool) -> None:
    assert may_see_target_groups(frozenset(held)) is sees


# -- the participant register ------------------------------------------------------------------

def test_any_matcher_may_register_a_participant_and_only_a_matcher() -> None:
    assert allowed(P.MATCHING_ORGANISATION) == {C.REGISTER_PARTICIPANT}
    for role in Role:
        registering = P.MATCHING_ORGANISATION in participant_parts(new_actor(role), None)
        assert registering is (role is Role.MATCHER)


def test_the_registering_matcher_reads_everything_and_may_erase() -> None:
    assert allowed(P.REGISTRAR) == {C.VIEW_PARTICIPANT, C.VIEW_PARTICIPANT_CONTACT,
                                    C.ERASE_PARTICIPANT}


def test_the_employing_supplier_reads_the_name_and_contact_only() -> None:
    assert allowed(P.EMPLOYER) == {C.VIEW_PARTICIPANT_CONTACT}


def test_the_operator_erases_but_reads_no_one() -> None:
    assert {c for c in allowed(P.OPERATOR) if "participant" in c.value} == {
        C.ERASE_PARTICIPANT}


@pytest.mark.parametrize(("role", "employs", "expected"), [
    (Role.MATCHER, False, {P.MATCHING_ORGANISATION}),  # another matcher than the registrar
    (Role.SUPPLIER, True, {P.EMPLOYER}),
    (Role.SUPPLIER, False, set()),
    (Role.AUTHORITY, True, set()),
    (Role.AUDITOR, True, set()),
    (Role.SOCIAL_ENTERPRISE, True, set()),
    (Role.ADMIN, False, {P.OPERATOR}),
])
def test_parts_towards_a_registered_person(role: Role, employs: bool,
                                           expected: set[Part]) -> None:
    assert set(participant_parts(new_actor(role), uuid4(), employs)) == expected


def test_the_registrar_is_the_matcher_organisation_that_registered() -> None:
    matcher = new_actor(Role.MATCHER)
    assert set(participant_parts(matcher, matcher.organisation_id)) == {
        P.MATCHING_ORGANISATION, P.REGISTRAR}


# -- an authority as a whole: statistics, period extracts ------------------------------------

def test_statistics_are_the_authoritys_own_and_its_auditors_only() -> None:
    authority = new_actor(Role.AUTHORITY)
    own = authority.organisation_id
    assert authority_parts(authority, own) == {P.OWNER}
    assert authority_parts(new_actor(Role.AUTHORITY), own) == set()
    auditor = new_actor(Role.AUDITOR)
    assert authority_parts(auditor, own) == set()
    assert authority_parts(auditor, own, {own}) == {P.AUDITOR}
    for role in (Role.SUPPLIER, Role.MATCHER, Role.SOCIAL_ENTERPRISE, Role.ADMIN):
        assert authority_parts(new_actor(role), own, {own}) == set()
    assert {part for part in Part if allows(C.VIEW_STATISTICS, frozenset({part}))} == {
        P.OWNER, P.AUDITOR}


def test_an_auditor_has_the_statistics_of_every_authority_that_granted_it() -> None:
    auditor, granted = new_actor(Role.AUDITOR), {uuid4(), uuid4()}
    assert set(authorities_allowing(C.VIEW_STATISTICS, auditor, granted)) == granted
    supplier = new_actor(Role.SUPPLIER)
    assert authorities_allowing(C.VIEW_STATISTICS, supplier, granted) == []
