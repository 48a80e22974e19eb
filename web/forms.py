"""The portals' form input, checked with marshmallow schemas before a service method sees
it; the domain checks the values again by its own rules (e-mail, password length, names).

A refusal of either kind becomes `FormErrors`: field name → what is wrong, in the page's
language, which the form template shows beside the field. The schemas' messages are lazy
(translated when marshmallow raises them, inside the request); the domain's rules are
English (the API's words), so `say` puts the known ones in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from domain import errors
from domain.directory.user import MAX_TOKEN_VALIDITY
from web.domain_rules import N_, known_rule

FormErrors = dict[str, str]


REQUIRED = lazy_gettext("Fyll i fältet.")
LENGTH = lazy_gettext("Skriv mellan {min} och {max} tecken.")
REFUSED = N_("Värdet kan inte tas emot.")

def say(rule: str, fallback: str = REFUSED) -> str:
    """A rule of the domain in the page's language (`fallback`, marked with N_, for one
    not known here)."""
    return known_rule(rule) or gettext(fallback)


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
