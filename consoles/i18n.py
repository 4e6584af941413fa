"""Simplified Chinese and English: the browser's language decides, a switch overrides.

The choice made with the switch is kept in the `lang` cookie for a year; without it,
the best match of the browser's Accept-Language wins, and Chinese when nothing
matches (the product's home market).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, request
from flask_babel import Babel, get_locale

from config import PROJECT_ROOT

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "lang"
# How each language names itself in the switch.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
# The value of <html lang> and of the locale handed to Intl in the browser.
HTML_LANG = {"zh": "zh-CN", "en": "en"}
TRANSLATIONS_DIR = PROJECT_ROOT / "consoles" / "translations"

babel = Babel()
language_blp = Blueprint("language", __name__)


def select_language() -> str:
    """The language of this request: the switch's cookie, else the browser's best match."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return _browser_language() or DEFAULT_LANGUAGE


def _browser_language() -> str | None:
    """The first of the browser's languages (by quality) we speak, matched on the
    primary subtag: `zh-CN`, `zh-Hans-CN` → zh, `en-GB` → en. (werkzeug's best_match
    would prefer an exact `en` at q=0.8 over `zh-CN` at q=1.)"""
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
    return None


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]


def safe_next(target: str | None, default: str = "/console/") -> str:
    """Only a path on this site (no scheme, no host, no `//…`) is a place to go back to."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@language_blp.get("/lang/<code>")
def switch_language(code: str):
    """Remember the chosen language and go back to the page the switch was on."""
    response = redirect(safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    babel.init_app(app, locale_selector=select_language)

    @app.context_processor
    def language_context() -> dict:
        language = current_language()
        return {"current_language": language, "html_lang": HTML_LANG[language],
                "language_names": LANGUAGE_NAMES, "languages": LANGUAGES}
