"""The portals' form input, checked with marshmallow schemas before a service method sees
it; the domain checks the values again by its own rules (e-mail, password length, names).

A refusal of either kind becomes `FormErrors`: field name → what is wrong, in the page's
language, which the form template shows beside the field. The schemas' messages are lazy
(translated when marshmallow raises them, inside the request); the domain's rules are
English (the API's words), so `say` puts the known ones in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from domain import errors
from domain.directory.user import MAX_TOKEN_VALIDITY

FormErrors = dict[str, str]


def N_(message: str) -> str:
    """Marks text for the catalog that is translated later, where it is shown (gettext's
    "noop" idiom: babel extracts `N_`)."""
    return message


REQUIRED = lazy_gettext("Fyll i fältet.")
LENGTH = lazy_gettext("Skriv mellan {min} och {max} tecken.")
REFUSED = N_("Värdet kan inte tas emot.")

# The domain's rules (domain/validation.py, domain/directory/) a portal form can meet; it
# names no rule by a code, so its words are what there is to go by. One it does not know
# yet is shown as REFUSED rather than in English on a Swedish page.
DOMAIN_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), message) for pattern, message in (
        (r"must not be empty", N_("Fyll i fältet.")),
        (r"must be at least (?P<n>\d+) characters",
         N_("Skriv minst %(n)s tecken.")),
        (r"must be at most (?P<n>\d+) characters",
         N_("Skriv högst %(n)s tecken.")),
        (r"must be an e-mail address.*",
         N_("Skriv en e-postadress, till exempel namn@example.se.")),
        (r"is already in use",
         N_("Adressen används redan av ett annat konto.")),
        (r"does not match", N_("Lösenordet stämmer inte.")),
        (r"must be in the future", N_("Tiden måste ligga i framtiden.")),
        (r"must be at most a year ahead", N_("En nyckel kan gälla högst ett år.")),
        (r"must be an id \(UUID\)",
         N_("Skriv ett id som 123e4567-e89b-12d3-a456-426614174000.")),
        (r"this invitation has already been used",
         N_("Inbjudan är redan använd.")),
        (r"the invitation link is not valid",
         N_("Länken till inbjudan är felaktig.")),
        (r"the invitation has expired; ask for a new one",
         N_("Inbjudan har gått ut; be om en ny.")),
        # A moment in a case's past (domain/past.py)
        (r"must be an ISO 8601 timestamp with a time zone.*",
         N_("Välj en tidpunkt med datum och klockslag.")),
        (r"must not be before the case was created.*",
         N_("Ärendet fanns inte då: välj en senare tidpunkt.")),
        (r"must be a version of the case, from 1 to (?P<n>\d+)",
         N_("Välj en version mellan 1 och %(n)s.")),
        (r"must be a whole number, a version of the case",
         N_("Välj en version av ärendet.")),
        (r"must not be in the future", N_("Tidpunkten får inte ligga i framtiden.")),
        (r"give either .* not both",
         N_("Välj antingen en tidpunkt eller en version, inte båda.")),
        (r"give .*: the moment to compare from", N_("Välj vad som ska jämföras.")),
    ))


def say(rule: str, fallback: str = REFUSED) -> str:
    """A rule of the domain in the page's language (`fallback`, marked with N_, for one
    not known here)."""
    return known_rule(rule) or gettext(fallback)


def known_rule(rule: str) -> str | None:
    """A rule of the domain in the page's language, if the catalog knows it."""
    for pattern, message in DOMAIN_RULES:
        found = pattern.fullmatch(rule.strip())
        if found:
            return gettext(message, **found.groupdict())
    return None


def _text(max_length: int, min_length: int = 1) -> fields.String:
    return fields.String(required=True, error_messages={"required": REQUIRED},
                         validate=validate.Length(min=min_length, max=max_length, error=LENGTH))


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token, and the button that was pressed


class _NewPassword(_Form):
    new_password = fields.String(required=True, error_messages={"required": REQUIRED})
    confirm_password = fields.String(required=True, error_messages={"required": REQUIRED})

    @validates_schema
    def _same(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("new_password") != data.get("confirm_password"):
            raise ValidationError(gettext("Lösenorden är inte lika."), "confirm_password")


class InvitationForm(_NewPassword):
    pass


class PasswordForm(_NewPassword):
    current_password = fields.String(required=True, error_messages={"required": REQUIRED})


class TokenForm(_Form):
    name = _text(100)
    days = fields.Integer(
        required=True,
        error_messages={"required": REQUIRED,
                        "invalid": lazy_gettext("Skriv ett heltal.")},
        validate=validate.Range(min=1, max=MAX_TOKEN_VALIDITY.days,
                                error=lazy_gettext("Skriv ett heltal från {min} till {max}.")))


class InviteForm(_Form):
    name = _text(200)
    email = _text(254, min_length=3)
    org_admin = fields.Boolean(load_default=False)


class DeactivateForm(_Form):
    reason = _text(2000)


class AuditGrantForm(_Form):
    auditor_id = fields.UUID(
        required=False, allow_none=True,
        error_messages={"invalid_uuid": lazy_gettext("Välj en granskningsorganisation i listan.")})
    auditor_id_typed = fields.String(load_default="")

    @validates_schema
    def _one(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("auditor_id") and not data.get("auditor_id_typed", "").strip():
            raise ValidationError(gettext("Välj en granskningsorganisation."), "auditor_id")


def parse(schema: Schema, form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values, typed; empty fields count as missing."""
    values = {key: value for key, value in form.items() if value != ""}
    loaded: dict[str, Any] = schema.load(values)
    return loaded


def form_errors(error: ValidationError | errors.ValidationError) -> FormErrors:
    """What to show beside each field."""
    if isinstance(error, errors.ValidationError):
        return {error.field: say(error.rule)}
    messages = error.normalized_messages()
    return {field: _first(message) for field, message in messages.items()}


def _first(message: Any) -> str:
    while isinstance(message, list | dict):
        message = next(iter(message.values() if isinstance(message, dict) else message), "")
    return str(message)
