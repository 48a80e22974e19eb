"""A participant's own data: the identity number's check digit, and sealing under the
person's key (domain/participants)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.participants.participant import Participant, new_reference
from domain.participants.personal_number import parse_personal_number
from domain.participants.sealing import PersonalDetails, new_key, seal, unseal
from domain.values import TargetGroup


@pytest.mark.parametrize(("given", "expected"), [
    ("19811218-9876", "19811218-9876"),
    ("198112189876", "19811218-9876"),
    ("19811278-9873", "19811278-9873"),  # a co-ordination number: day 18 + 60
])
def test_a_valid_number_is_kept_in_its_printed_form(given: str, expected: str) -> None:
    assert parse_personal_number(given) == expected


@pytest.mark.parametrize(("given", "rule"), [
    ("19811218-9875", "the check digit does not match"),
    ("811218-9876", "must be twelve digits, as ÅÅÅÅMMDD-NNNN"),
    ("19811232-9876", "the date of birth is not a date"),
    ("abc", "must be twelve digits, as ÅÅÅÅMMDD-NNNN"),
])
def test_an_invalid_number_is_refused_naming_the_rule(given: str, rule: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_personal_number(given)
    assert (error.value.field, error.value.rule) == ("personal_number", rule)


DETAILS = PersonalDetails(name="Zlatan Qwertyson", personal_number="19811218-9876",
                          target_group=TargetGroup.YOUNG, eligibility_attested=True)


def test_sealed_data_opens_with_its_key_for_its_own_participant_only() -> None:
    key, participant_id = new_key(), uuid4()
    sealed = seal(key, participant_id, DETAILS)
    assert "Zlatan" not in sealed
    assert unseal(key, participant_id, sealed) == DETAILS
    with pytest.raises(RuleViolation):
        unseal(new_key(), participant_id, sealed)
    with pytest.raises(RuleViolation):
        unseal(key, uuid4(), sealed)  # copied onto another person


def test_the_target_group_must_be_attested() -> None:
    with pytest.raises(ValidationError) as error:
        PersonalDetails(name="A", target_group=TargetGroup.YOUNG, eligibility_attested=False)
    assert error.value.field == "eligibility_attested"


def test_a_reference_is_random_and_its_id_follows_from_it() -> None:
    first, second = new_reference(), new_reference()
    assert first != second and first.startswith("P-") and len(first) == 10
    assert Participant.id_for(first) == Participant.id_for(first) != Participant.id_for(second)


def test_retention_passes_the_given_months_after_the_last_activity() -> None:
    from datetime import date

    from domain.participants.participant import retention_has_passed

    last = date(2024, 1, 31)
    assert not retention_has_passed(last, 36, date(2027, 1, 30))
    assert retention_has_passed(last, 36, date(2027, 1, 31))
    assert retention_has_passed(date(2024, 2, 29), 12, date(2025, 2, 28))  # month's end
