"""Languages: Swedish by default, English by a switch; one language per page.

Text in templates and code is written in Swedish and marked for translation
(`{{ _("...") }}`, `{% trans %}`, `gettext`, `lazy_gettext` for module-level text); the
English catalog is `web/translations/en/`. The chosen language lives in a cookie of its
own, so it holds before sign-in and after sign-out. Labels of codes (web/labels.py) carry
both languages; `label|t` picks the page's one. Outside a request (the CLI) everything is
Swedish.

After changing marked text, from the repository root (tests/e2e/test_i18n.py fails until
every message has an English translation and the compiled catalog is current):

    pybabel extract -F babel.cfg -o web/translations/messages.pot .
    pybabel update -i web/translations/messages.pot -d web/translations --ignore-obsolete
    (translate the new or fuzzy entries of web/translations/en/LC_MESSAGES/messages.po)
    pybabel compile -d web/translations
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request
from flask_babel import Babel, get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from domain.values import LANGUAGES as VALUE_LANGUAGES
from web.auth import optional_actor, public
from web.extension import current_service
from web.signin import local_path

LANGUAGES = VALUE_LANGUAGES
DEFAULT = "sv"
# English formats follow British usage (26 Nov 2026, 14:05), as its spelling does; the
# catalog is found under en/ all the same (gettext falls back from en_GB to en).
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("language", __name__)


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE) if has_request_context() else None
    return LOCALES[chosen if chosen in LANGUAGES else DEFAULT]


def current_locale() -> Locale:
    """The page's locale; Swedish outside a request."""
    return get_locale() or Locale.parse(LOCALES[DEFAULT])


def language() -> str:
    """The page's language code ("sv" or "en")."""
    return current_locale().language


def other_language() -> str:
    """The language the switch in the header offers."""
    return "en" if language() == "sv" else "sv"


def pick(label: Any) -> str:
    """A Label(sv, en) in the page's language."""
    return str(label.en if language() == "en" else label.sv)


def here() -> str:
    """Where the language switch comes back to: this page, if a GET can show it again (a
    form's answer to a post often can; a post-only address cannot, so then the start)."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    try:
        current_app.url_map.bind("localhost").match(request.path, method="GET")
    except HTTPException:
        return "/"
    return request.path


@bp.get("/language/<code>")
@public
def switch(code: str) -> Response:
    """Sets the language and goes back to where the user was (a local path only)."""
    response = redirect(local_path(request.args.get("next")) or "/")
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                            secure=request.is_secure)
        remember(code)
    return response


def remember(code: str) -> None:
    """A signed-in user's choice is kept on the user too: e-mail from the service (the
    scheduler's reminders) comes in the language the user reads the portal in."""
    actor = optional_actor()
    if actor is not None:
        current_service().choose_language(actor, code)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[DEFAULT])
    Babel(app, locale_selector=select_locale)
    # `{% trans %}` blocks span lines in the templates; their ids in the catalog should not
    # carry the indentation (babel.cfg extracts them trimmed too).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.add_template_filter(pick, "t")
    app.add_template_global(language)
    app.add_template_global(other_language)
    app.add_template_global(here)
    app.register_blueprint(bp)
