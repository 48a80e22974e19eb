"""The portals' form input, checked with marshmallow schemas before a service method sees
it; the domain checks the values again by its own rules (e-mail, password length, names).

A refusal of either kind becomes `FormErrors`: field name → what is wrong, which the form
template shows beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from domain import errors
from domain.directory.user import MAX_TOKEN_VALIDITY

FormErrors = dict[str, str]
MATCH_MESSAGE = "Lösenorden är inte lika / the passwords differ"


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token, and the button that was pressed


class _NewPassword(_Form):
    new_password = fields.String(required=True)
    confirm_password = fields.String(required=True)

    @validates_schema
    def _same(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("new_password") != data.get("confirm_password"):
            raise ValidationError(MATCH_MESSAGE, "confirm_password")


class InvitationForm(_NewPassword):
    pass


class PasswordForm(_NewPassword):
    current_password = fields.String(required=True)


class TokenForm(_Form):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    days = fields.Integer(required=True, validate=validate.Range(
        min=1, max=MAX_TOKEN_VALIDITY.days))


class InviteForm(_Form):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    org_admin = fields.Boolean(load_default=False)


class DeactivateForm(_Form):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AuditGrantForm(_Form):
    auditor_id = fields.UUID(required=False, allow_none=True)
    auditor_id_typed = fields.String(load_default="")

    @validates_schema
    def _one(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("auditor_id") and not data.get("auditor_id_typed", "").strip():
            raise ValidationError("Välj en granskningsorganisation / choose one", "auditor_id")


def parse(schema: Schema, form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values, typed; empty fields count as missing."""
    values = {key: value for key, value in form.items() if value != ""}
    loaded: dict[str, Any] = schema.load(values)
    return loaded


def form_errors(error: ValidationError | errors.ValidationError) -> FormErrors:
    """What to show beside each field."""
    if isinstance(error, errors.ValidationError):
        return {error.field: error.rule}
    messages = error.normalized_messages()
    return {field: _first(message) for field, message in messages.items()}


def _first(message: Any) -> str:
    while isinstance(message, list | dict):
        message = next(iter(message.values() if isinstance(message, dict) else message), "")
    return str(message)
