"""Languages: Swedish by default, English by a switch; one language per page.

Text in templates and code is written in Swedish and marked for translation
(`{{ _("...") }}`, `gettext`); the English catalog is `web/translations/en/`. The chosen
language lives in a cookie of its own, so it holds before sign-in and after sign-out.
Labels of codes (web/labels.py) carry both languages; `label|t` picks the page's one.

    pybabel extract -F babel.cfg -o web/translations/messages.pot .
    pybabel update -i web/translations/messages.pot -d web/translations
    pybabel compile -d web/translations
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, request
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

from web.auth import public

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("language", __name__)


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT


def language() -> str:
    """The page's language code ("sv" or "en")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def pick(label: Any) -> str:
    """A Label(sv, en) in the page's language."""
    return str(label.en if language() == "en" else label.sv)


@bp.get("/language/<code>")
@public
def switch(code: str) -> Response:
    """Sets the language and goes back to where the user was (a local path only)."""
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale)
    app.add_template_filter(pick, "t")
    app.add_template_global(language)
    app.register_blueprint(bp)
