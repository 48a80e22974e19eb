"""HTML forms for the portals' commands, validated by the API's own request schemas.

A form is a list of `Field`s whose names are paths into the JSON body the API takes
("plan.planned_positions" is `{"plan": {"planned_positions": ...}}`), so a form posts the
same body the API would get and the same marshmallow schema (web/api/schemas/requests.py)
checks it and builds the domain's value objects: one set of rules for both doors.
What a browser sends differently is translated here and only here: a ticked box is
"on", a list is one line (or one ticked box) per entry, a decimal may have a comma.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import MultiDict

from domain import errors
from web.domain_rules import known_rule
from web.i18n import language

# Kinds of input, each with its own way from the browser's strings to the body's value.
TEXT, TEXTAREA, DATE, INTEGER, DECIMAL, SELECT, CHECKBOX, CHECKBOXES, LINES = (
    "text", "textarea", "date", "integer", "decimal", "select", "checkbox", "checkboxes",
    "lines")

Option = tuple[str, str]  # value, what the user reads
FormErrors = dict[str, str]


@dataclass(frozen=True)
class Field:
    name: str  # the path into the body, dotted
    label: Any  # a (lazy) translated string
    kind: str = TEXT
    required: bool = False
    options: Sequence[Option] = ()
    default: Any = None  # str, bool or list of str, as the input shows it
    hint: Any = None
    body: bool = True  # False: an id the route takes from the form, not part of the body

    @property
    def html_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass
class Filled:
    """A form as the page shows it: the fields, what is in them, what is wrong."""

    fields: list[Field]
    values: dict[str, Any] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)  # errors not tied to one field

    @classmethod
    def fresh(cls, fields: list[Field]) -> Filled:
        """The form before the user has typed: defaults, and where a required choice has
        only one option, that option."""
        return cls(fields, {f.name: f.default if f.default is not None or not (
            f.kind == SELECT and f.required and len(f.options) == 1) else f.options[0][0]
            for f in fields})

    def value(self, name: str) -> Any:
        return self.values.get(name)


def read(fields: Sequence[Field], form: MultiDict[str, str]) -> dict[str, Any]:
    """What the user entered, field by field, as the inputs hold it (for showing again)."""
    values: dict[str, Any] = {}
    for f in fields:
        if f.kind == CHECKBOX:
            values[f.name] = f.name in form
        elif f.kind == CHECKBOXES:
            values[f.name] = form.getlist(f.name)
        else:
            values[f.name] = form.get(f.name, "").strip()
    return values


def body_of(fields: Sequence[Field], values: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body the API would take. Empty inputs are left out, so the schema says
    which are required; numbers that are not numbers go through as text, so the schema
    names them."""
    body: dict[str, Any] = {}
    for f in fields:
        if not f.body:
            continue
        value = _converted(f, values.get(f.name))
        if value is None:
            continue
        *parents, leaf = f.name.split(".")
        node = body
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return body


def _converted(f: Field, raw: Any) -> Any:
    if f.kind == CHECKBOX:
        return bool(raw)
    if f.kind == CHECKBOXES:
        return list(raw or [])
    if raw is None or raw == "":
        return None
    if f.kind == LINES:
        return [line.strip() for line in str(raw).splitlines() if line.strip()]
    if f.kind == INTEGER:
        try:
            return int(raw)
        except ValueError:
            return raw
    if f.kind == DECIMAL:
        return str(raw).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    return raw


def load(schema: Schema, fields: Sequence[Field], values: Mapping[str, Any]) -> Any:
    """The schema's result (the domain's value object, or a dict of them)."""
    return schema.load(body_of(fields, values))


def errors_of(error: Exception, fields: Sequence[Field]) -> tuple[FormErrors, list[str]]:
    """Field errors, and the rest for the summary at the top of the form."""
    names = {f.name for f in fields}
    if isinstance(error, SchemaError):
        found = dict(_flatten(error.messages))
        by_field = {name: _message(text) for name, text in found.items() if name in names}
        rest = [f"{name}: {_message(text)}" for name, text in found.items()
                if name not in names]
        return by_field, rest
    if isinstance(error, errors.ValidationError):
        name = _closest(error.field, names)
        if name is not None:
            return {name: _rule(error.rule)}, []
        return {}, [f"{error.field}: {_rule(error.rule)}"]
    if isinstance(error, errors.InvalidState):
        return {}, [gettext("Det går inte i upphandlingens nuvarande läge.")
                    + " " + _rule(error.rule)]
    if isinstance(error, errors.RuleViolation):
        return {}, [_rule(error.rule)]
    if isinstance(error, errors.ConcurrencyConflict):
        return {}, [gettext("Någon annan ändrade ärendet samtidigt. Försök igen.")]
    raise error


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            found.extend(_flatten(value, name))
        return found
    if isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, str)]
        nested = [m for m in messages if not isinstance(m, str)]
        found = [(prefix, texts[0])] if texts else []
        for item in nested:
            found.extend(_flatten(item, prefix))
        return found
    return [(prefix, str(messages))]


def _closest(name: str, names: set[str]) -> str | None:
    """The form field a domain error's field points at: the same path, or its last part
    (the domain names "fte"; the form may call it "fte" too, or "plan.fte")."""
    if name in names:
        return name
    matches = [n for n in names if n.split(".")[-1] == name.split(".")[-1]]
    return matches[0] if len(matches) == 1 else None


# marshmallow's own messages, in the page's language.
_SCHEMA_MESSAGES: dict[str, Callable[[], str]] = {
    "Missing data for required field.": lambda: gettext("Fyll i fältet."),
    "Not a valid integer.": lambda: gettext("Skriv ett heltal."),
    "Not a valid date.": lambda: gettext("Skriv ett datum som ÅÅÅÅ-MM-DD."),
    "Not a valid UUID.": lambda: gettext("Välj ett av alternativen."),
    "Not a valid boolean.": lambda: gettext("Välj ja eller nej."),
    "Unknown field.": lambda: gettext("Okänt fält."),
    "Field may not be null.": lambda: gettext("Fyll i fältet."),
}


def _message(text: str) -> str:
    known = _SCHEMA_MESSAGES.get(text)
    if known is not None:
        return known()
    if text.startswith("Must be one of"):
        return gettext("Välj ett av alternativen.")
    if "decimal" in text.lower() or "number" in text.lower():
        return gettext("Skriv ett tal, till exempel 12,5.")
    return _rule(text)


def _rule(rule: str) -> str:
    """The domain states its rules in English (domain/ never imports the web's catalog).
    Those the catalog knows (web/forms.py) are said in the page's language; any other is
    introduced in it and quoted in English, marked as such for screen readers."""
    known = known_rule(rule)
    if known:
        return known
    if language() == "en":
        return rule
    return Markup('{} <span lang="en">{}</span>').format(gettext("Regeln säger:"), rule)


YES = lazy_gettext("Ja")
NO = lazy_gettext("Nej")
