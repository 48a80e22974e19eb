"""An organisation admin's page: the organisation's users, inviting and deactivating them,
and for a contracting authority, which audit organisations may read its procurements.

Every action goes through the service, whose access policy decides (an organisation admin
of this organisation; for audit access, an authority's admin); the page only offers the
forms the policy would accept. Until e-mail is sent (a later issue), the one-time
invitation link is shown on the page that answers the invitation, for the admin to pass on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError as FormInvalid

from domain import errors, validation
from domain.access import Command
from domain.directory.organisation import Organisation
from domain.directory.user import OrgRole, User
from web import forms
from web.auth import current_actor
from web.extension import current_service

bp = Blueprint("organisation", __name__, url_prefix="/organisation")


@dataclass(frozen=True)
class UserRow:
    user_id: UUID
    name: str
    email: str
    org_admin: bool
    status: str  # "active", "invited", "invitation_expired" or "deactivated"
    is_me: bool

    @classmethod
    def of(cls, user: User, me: UUID, now: datetime) -> UserRow:
        if not user.active:
            status = "deactivated"
        elif user.password_hash is not None:
            status = "active"
        else:
            status = "invited" if now < user.invitation_expires else "invitation_expired"
        return cls(user.id, user.name, user.email, user.org_role is OrgRole.ORG_ADMIN, status,
                   user.id == me)


@bp.get("/users")
def users() -> ResponseReturnValue:
    return _page()


@bp.post("/users")
def invite() -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    try:
        values = forms.parse(forms.InviteForm(), request.form)
        role = OrgRole.ORG_ADMIN if values["org_admin"] else OrgRole.MEMBER
        user_id, secret = service.invite_user(actor, actor.organisation_id, values["name"],
                                              values["email"], role)
    except (FormInvalid, errors.ValidationError) as invalid:
        return _page(form_errors=forms.form_errors(invalid), form=request.form, status=400)
    link = url_for("signin.invitation", user_id=user_id, secret=secret, _external=True)
    return _page(invited=service.user(user_id), invitation_link=link, status=201)


@bp.post("/users/<uuid:user_id>/deactivate")
def deactivate(user_id: UUID) -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    try:
        values = forms.parse(forms.DeactivateForm(), request.form)
    except FormInvalid as invalid:
        return _page(form_errors={f"reason-{user_id}": forms.form_errors(invalid)["reason"]},
                     status=400)
    service.deactivate_user(actor, user_id, values["reason"])
    flash(gettext("Användaren är avaktiverad."))
    return redirect(url_for("organisation.users"))


@bp.post("/audit-access")
def grant_audit_access() -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    try:
        values = forms.parse(forms.AuditGrantForm(), request.form)
        typed = values["auditor_id_typed"].strip()
        auditor_id = (validation.uuid(typed, "auditor_id_typed") if typed
                      else values["auditor_id"])
    except (FormInvalid, errors.ValidationError) as invalid:
        return _page(form_errors=forms.form_errors(invalid), status=400)
    service.grant_audit_access(actor, auditor_id)
    flash(gettext("%(name)s kan nu läsa era upphandlingar.",
                  name=service.organisation(auditor_id).name))
    return redirect(url_for("organisation.users"))


@bp.post("/audit-access/<uuid:auditor_id>/revoke")
def revoke_audit_access(auditor_id: UUID) -> ResponseReturnValue:
    service = current_service()
    service.revoke_audit_access(current_actor(), auditor_id)
    flash(gettext("%(name)s kan inte längre läsa era upphandlingar.",
                  name=service.organisation(auditor_id).name))
    return redirect(url_for("organisation.users"))


def _page(*, invited: User | None = None, invitation_link: str | None = None,
          form_errors: forms.FormErrors | None = None, form: object = None,
          status: int = 200) -> ResponseReturnValue:
    """The page; listing the users is refused (403) to anyone who may not manage them."""
    service, actor = current_service(), current_actor()
    organisation = service.organisation(actor.organisation_id)
    now = service.clock.now()
    rows = [UserRow.of(u, actor.user_id, now)
            for u in service.organisation_users(actor, organisation.id)]
    granted: list[Organisation] = []
    grantable: list[Organisation] = []
    may_grant = service.directory_allows(actor, Command.GRANT_AUDIT_ACCESS, organisation.id)
    if may_grant:
        for auditor in service.audit_organisations():
            audits_us = organisation.id in auditor.audited_authority_ids
            (granted if audits_us else grantable).append(auditor)
    return render_template("organisation.html", organisation=organisation, rows=rows,
                           invited=invited, invitation_link=invitation_link,
                           form_errors=form_errors or {}, form=form or {},
                           may_grant=may_grant, granted=granted, grantable=grantable), status
