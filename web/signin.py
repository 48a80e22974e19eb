"""Signing in and out, and accepting an invitation by choosing a password.

A failed sign-in says one thing, whatever failed (no such address, wrong password, too many
attempts, deactivated account), with status 401, so the answer tells nobody which
addresses exist. After signing in, the person goes back to the page they asked for, if
that is a path on this site (never to another site).
"""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError as FormInvalid

from domain import errors
from domain.values import LANGUAGES
from web import forms
from web.auth import current_actor, end_session, optional_actor, public, start_session
from web.extension import current_service

bp = Blueprint("signin", __name__)

# What a refused invitation says when the domain's reason is not one forms.say knows.
INVITATION_REFUSED = forms.N_("Länken är använd, felaktig eller för gammal.")


def local_path(value: str | None) -> str | None:
    """`value` if it is a path on this site, else None: `next` must never lead elsewhere
    (no scheme, no host, no `//host` or `/\\host`, which browsers read as another site)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(char) < 32 for char in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> ResponseReturnValue:
    next_path = local_path(request.values.get("next"))
    if request.method == "GET":
        if optional_actor() is not None:
            return redirect(next_path or url_for("start.index"))
        return render_template("sign_in.html", next=next_path, email="")
    email = request.form.get("email", "")
    actor = current_service().sign_in(email, request.form.get("password", ""))
    if actor is None:
        return render_template("sign_in.html", next=next_path, email=email,
                               failed=True), 401
    start_session(actor)
    # The language chosen before signing in (the switch's cookie) is the user's from now.
    if (chosen := request.cookies.get("lang")) in LANGUAGES:
        current_service().choose_language(actor, chosen)
    return redirect(next_path or url_for("start.index"))


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """Ends every session of the user (a copy of the cookie is worth nothing after it)."""
    current_service().end_sessions(current_actor())
    end_session()
    flash(gettext("Du är utloggad."))
    return redirect(url_for("signin.sign_in"))


@bp.route("/invitations/<uuid:user_id>/<secret>", methods=["GET", "POST"])
@public
def invitation(user_id: UUID, secret: str) -> ResponseReturnValue:
    """The one-time link of an invitation: a used, wrong or expired one is refused (400)
    before a password is asked for."""
    service = current_service()
    try:
        user = service.check_invitation(user_id, secret)
    except (errors.RuleViolation, errors.ValidationError) as refusal:
        return _refused(refusal)
    if request.method == "GET":
        return render_template("invitation.html", user=user, form_errors={})
    try:
        values = forms.parse(forms.InvitationForm(), request.form)
        service.accept_invitation(user_id, secret, values["new_password"])
    except (FormInvalid, errors.ValidationError) as invalid:
        return render_template("invitation.html", user=user,
                               form_errors=_password_errors(invalid)), 400
    except errors.RuleViolation as refusal:  # used or expired while the form was open
        return _refused(refusal)
    flash(gettext("Ditt lösenord är sparat: logga in."))
    return redirect(url_for("signin.sign_in"))


def _refused(refusal: errors.RuleViolation | errors.ValidationError) -> ResponseReturnValue:
    return render_template("invitation.html",
                           refused=forms.say(refusal.rule, INVITATION_REFUSED)), 400


def _password_errors(invalid: FormInvalid | errors.ValidationError) -> forms.FormErrors:
    found = forms.form_errors(invalid)
    if "password" in found:  # the domain names the new password "password"
        found["new_password"] = found.pop("password")
    return found
