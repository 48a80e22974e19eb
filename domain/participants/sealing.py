"""A person's data sealed with AES-GCM under the person's own key.

The participant's id is the associated data: a sealed record copied onto another
participant does not open there. Deleting the key is erasure: the ciphertext left in the
event store (events cannot be changed) then holds nothing anyone can read.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import validation
from domain.directory.user import normalise_email
from domain.errors import RuleViolation, ValidationError
from domain.participants.personal_number import parse_personal_number
from domain.values import TargetGroup, parse_enum

_NONCE_BYTES = 12  # the size AES-GCM is specified for


@dataclass(frozen=True)
class PersonalDetails:
    """Who the person is and how to reach them, and the matcher's attestation of the
    target group they belong to (sensitive: the supplier never sees it)."""

    name: str
    target_group: TargetGroup
    eligibility_attested: bool
    personal_number: str | None = None
    email: str = ""
    phone: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "name", validation.text(self.name, "name", max_length=200))
        set_(self, "target_group", parse_enum(TargetGroup, self.target_group, "target_group"))
        validation.flag(self.eligibility_attested, "eligibility_attested")
        if not self.eligibility_attested:
            raise ValidationError("eligibility_attested",
                                  "the matcher must attest the target group")
        if self.personal_number not in (None, ""):
            set_(self, "personal_number", parse_personal_number(self.personal_number))
        else:
            set_(self, "personal_number", None)
        email = validation.text(self.email, "email", required=False, max_length=254)
        set_(self, "email", normalise_email(email) if email else "")
        set_(self, "phone", _phone(self.phone))


def _phone(value: object) -> str:
    phone = validation.text(value, "phone", required=False, max_length=30)
    if phone and not all(c.isdigit() or c in "+- ()" for c in phone):
        raise ValidationError("phone", "may hold only digits, spaces and + - ( )")
    return phone


class KeyStore(Protocol):
    """Where each person's key is kept: never in an event, a snapshot or a read model.
    The SQL one lives beside the read models (projections/key_store.py), wired in
    web/bootstrap.py."""

    def create(self, participant_id: UUID) -> bytes: ...

    def get(self, participant_id: UUID) -> bytes | None: ...

    def delete(self, participant_id: UUID) -> None: ...


class InMemoryKeyStore:
    """For the in-memory event store (tests, trying things out): gone with the process."""

    def __init__(self) -> None:
        self._keys: dict[UUID, bytes] = {}

    def create(self, participant_id: UUID) -> bytes:
        return self._keys.setdefault(participant_id, new_key())

    def get(self, participant_id: UUID) -> bytes | None:
        return self._keys.get(participant_id)

    def delete(self, participant_id: UUID) -> None:
        self._keys.pop(participant_id, None)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, participant_id: UUID, details: PersonalDetails) -> str:
    fields = asdict(details)
    fields["target_group"] = details.target_group.value
    plain = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plain, participant_id.bytes)
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes, participant_id: UUID, sealed: str) -> PersonalDetails:
    raw = base64.b64decode(sealed)
    try:
        plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                    participant_id.bytes)
    except InvalidTag:
        raise RuleViolation("The participant's data does not open with its key") from None
    return PersonalDetails(**json.loads(plain))
