"""The signed-in person's own account: who they are, their password, their API tokens.

A new token is shown once, on the page that answers its creation, and never again: the
service keeps only a digest of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError as FormInvalid

from domain import errors
from domain.directory.user import ApiToken
from web import forms
from web.auth import current_actor, start_session
from web.extension import current_service

bp = Blueprint("account", __name__, url_prefix="/account")
DEFAULT_TOKEN_DAYS = 90


@dataclass(frozen=True)
class TokenRow:
    token_id: UUID
    name: str
    expires_at: datetime
    status: str  # "active", "expired" or "revoked"

    @classmethod
    def of(cls, token: ApiToken, now: datetime) -> TokenRow:
        status = ("revoked" if token.revoked else
                  "active" if token.is_valid(now) else "expired")
        return cls(token.token_id, token.name, token.expires_at, status)


@bp.get("")
def overview() -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    user = service.user(actor.user_id)
    organisation = service.organisation(actor.organisation_id)
    return render_template("account.html", user=user, organisation=organisation)


@bp.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("password.html", form_errors={})
    service, actor = current_service(), current_actor()
    try:
        values = forms.parse(forms.PasswordForm(), request.form)
        service.change_password(actor, values["current_password"], values["new_password"])
    except (FormInvalid, errors.ValidationError) as invalid:
        found = forms.form_errors(invalid)
        if "password" in found:  # the domain names the new one "password"
            found["new_password"] = found.pop("password")
        return render_template("password.html", form_errors=found), 400
    start_session(actor)  # the new password ended every session, this one too
    flash(gettext("Ditt lösenord är bytt."))
    return redirect(url_for("account.overview"))


@bp.get("/tokens")
def tokens() -> ResponseReturnValue:
    return _tokens_page()


@bp.post("/tokens")
def create_token() -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    try:
        values = forms.parse(forms.TokenForm(), request.form)
        expires_at = service.clock.now() + timedelta(days=values["days"])
        _, bearer = service.issue_token(actor, values["name"], expires_at)
    except (FormInvalid, errors.ValidationError) as invalid:
        return _tokens_page(form_errors=forms.form_errors(invalid), status=400)
    return _tokens_page(created=bearer, created_name=values["name"], status=201)


@bp.post("/tokens/<uuid:token_id>/revoke")
def revoke_token(token_id: UUID) -> ResponseReturnValue:
    current_service().revoke_token(current_actor(), token_id)
    flash(gettext("API-nyckeln är återkallad."))
    return redirect(url_for("account.tokens"))


def _tokens_page(*, created: str | None = None, created_name: str = "",
                 form_errors: forms.FormErrors | None = None,
                 status: int = 200) -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    now = service.clock.now()
    rows = sorted((TokenRow.of(t, now) for t in service.user(actor.user_id).tokens.values()),
                  key=lambda row: (row.status != "active", row.expires_at))
    return render_template("tokens.html", rows=rows, created=created,
                           created_name=created_name, form_errors=form_errors or {},
                           default_days=DEFAULT_TOKEN_DAYS,
                           form=request.form if form_errors else {}), status
