"""The portals' session: Flask's signed cookie, its flags, and the key that signs it.

The cookie holds who signed in and when (web/auth.py), signed with SECRET_KEY, so it
cannot be forged or altered; it is HttpOnly, SameSite=Lax, and Secure whenever the app is
served over HTTPS. A session lasts 8 hours from sign-in.

SECRET_KEY, first that is set:
1. the setting SECRET_KEY (tests pass one);
2. the environment variable PROCUREMENT_SECRET_KEY: what production sets, the same for
   every web process and host;
3. the file `$PROCUREMENT_DATA_DIR/secret_key` (default ./var), made with a random key
   and mode 0600 the first time, so sessions survive a restart and every process on the
   same data directory accepts the others' cookies.

Secure cookies: PROCUREMENT_COOKIE_SECURE=yes|no decides; unset, the flag follows
PREFERRED_URL_SCHEME (PROCUREMENT_URL_SCHEME=https sets it) and is set on any request that
arrives over HTTPS. The embedded dev server speaks plain HTTP, where a Secure cookie would
never come back, so there it is off. Behind a proxy that ends TLS, set
PROCUREMENT_TRUSTED_PROXIES to the number of proxies so that X-Forwarded-Proto counts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from domain import config
from domain.errors import ConfigurationError

SESSION_LIFETIME = timedelta(hours=8)  # counted from sign-in (web/auth.py)
SECRET_KEY_ENV = "PROCUREMENT_SECRET_KEY"  # noqa: S105 - a variable name, not a key
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a key
COOKIE_SECURE_ENV = "PROCUREMENT_COOKIE_SECURE"
URL_SCHEME_ENV = "PROCUREMENT_URL_SCHEME"
TRUSTED_PROXIES_ENV = "PROCUREMENT_TRUSTED_PROXIES"
_YES = ("1", "y", "yes", "true", "on")
_NO = ("0", "n", "no", "false", "off")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure on every request that came over HTTPS
    even where the setting leaves it off."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask, settings: Mapping[str, Any]) -> None:
    """`settings` are those given to create_app: what they set wins over the environment."""
    env = os.environ
    app.config["PREFERRED_URL_SCHEME"] = (settings.get("PREFERRED_URL_SCHEME")
                                          or env.get(URL_SCHEME_ENV) or "http")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    if "PERMANENT_SESSION_LIFETIME" not in settings:
        app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    if "SESSION_COOKIE_SECURE" not in settings:
        app.config["SESSION_COOKIE_SECURE"] = _cookie_secure(app, env)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.config.get("PROCUREMENT_ENV"), env)
    app.session_interface = SessionInterface()
    proxies = _trusted_proxies(env)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)


def served_over_https(app: Flask) -> bool:
    return app.config.get("PREFERRED_URL_SCHEME") == "https"


def secret_key(overrides: Mapping[str, str] | None, environ: Mapping[str, str]) -> str:
    """The key from the environment, or else the one kept in the data directory."""
    key = (overrides or {}).get(SECRET_KEY_ENV) or environ.get(SECRET_KEY_ENV)
    if key:
        return key
    data_dir = (overrides or {}).get(config.DATA_DIR) or environ.get(config.DATA_DIR)
    return _key_file(Path(data_dir or config.DEFAULT_DATA_DIR) / SECRET_KEY_FILE)


def _key_file(path: Path) -> str:
    """Read the key, or make it: written to a private temporary file that is then linked
    into place, so two processes starting at once end up with the same whole key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigurationError(f"{path}: the secret key is missing or too short; delete "
                                 f"the file to make a new one, or set {SECRET_KEY_ENV}")
    return key


def check_settings(env: Mapping[str, str]) -> None:
    """Refuse wrong cookie and proxy settings before any process serves (bootstrap)."""
    _trusted_proxies(env)
    value = env.get(COOKIE_SECURE_ENV, "").strip().lower()
    if value and value not in _YES + _NO:
        raise ConfigurationError(f"{COOKIE_SECURE_ENV}: '{value}' is neither yes nor no")


def _cookie_secure(app: Flask, env: Mapping[str, str]) -> bool:
    value = env.get(COOKIE_SECURE_ENV, "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    if value:
        raise ConfigurationError(f"{COOKIE_SECURE_ENV}: '{value}' is neither yes nor no")
    return served_over_https(app)


def _trusted_proxies(env: Mapping[str, str]) -> int:
    value = env.get(TRUSTED_PROXIES_ENV, "").strip() or "0"
    if not value.isdigit():
        raise ConfigurationError(f"{TRUSTED_PROXIES_ENV}: '{value}' is not a number")
    return int(value)
