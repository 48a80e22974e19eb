"""Security headers on every response, and CSRF protection of every portal form.

The headers are five fixed strings (and HSTS over HTTPS), set in one `after_request`
written here rather than taken from a library: there is nothing to configure, and a reader
sees the whole policy in one place.

- Content-Security-Policy allows scripts, styles and images from this site only, no inline
  script or style (the templates have none: style.css holds every rule), no plugins, no
  <base>, forms posting to this site only, and no framing by anyone.
- Referrer-Policy is same-origin, not no-referrer: over HTTPS flask-wtf checks that a form
  post's Referer is this site, and with no-referrer the browser would send none. Nothing
  is sent to other sites, so an invitation link in the address bar never leaves.
- Cache-Control: no-store on everything but the static files, because pages show cases,
  one-time invitation links and API tokens that no cache should keep.

CSRF: flask-wtf's CSRFProtect checks every POST (PUT, PATCH, DELETE) except those to the
JSON API, which signs in by bearer token only and never reads the session cookie.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect

from web import auth, sessions

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    # A form's token is good for as long as the session it belongs to (8 hours), not the
    # library's one hour, so a form left open over lunch still posts.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, the API left out
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.after_request(add_headers)


def _protect_forms() -> None:
    if current_app.config["WTF_CSRF_ENABLED"] and not auth.is_api_request():
        csrf.protect(apply_exemptions=True)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure or sessions.served_over_https(current_app):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
