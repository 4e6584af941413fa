"""Every text the consoles show has its Chinese translation, with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "consoles" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
# The same as babel.cfg, plus the lazy alias the page modules use for texts at import time.
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def texts_in_the_consoles() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "consoles", METHOD_MAP, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_console_text_is_translated_to_chinese():
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    translated = {message.id: message.string for message in catalogue if message.id and message.string}
    missing = sorted(texts_in_the_consoles() - set(translated))
    assert not missing, f"add to {CATALOGUE.relative_to(ROOT)}: {missing}"


def test_translations_keep_their_placeholders():
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    for message in catalogue:
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id
