"""Every text the console shows has a Danish translation: Danish is the default, so an
untranslated string is an English word on a Danish page."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "signage" / "translations" / "da" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("signage/**.py", "python"),
    ("signage/templates/**.html", "jinja2"),
]


def extracted() -> dict[str, str]:
    """msgid → where it is used, from the code and templates under signage/."""
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        options_map={"signage/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, filename)
    return found


def catalog() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_console_text_has_a_danish_translation() -> None:
    danish, texts = catalog(), extracted()
    # Both kinds of source are read: a template's text and a Python module's.
    assert {"Sign in", "Wrong email or password."} <= texts.keys()
    missing = {msgid: where for msgid, where in texts.items() if not danish.get(msgid)}
    assert missing == {}, f"{len(missing)} texts lack a Danish translation"


def test_the_catalog_names_each_text_once() -> None:
    ids = [
        line
        for line in CATALOG.read_text(encoding="utf-8").splitlines()
        if line.startswith('msgid "') and line != 'msgid ""'
    ]
    repeated = sorted({line for line in ids if ids.count(line) > 1})
    assert repeated == []
