"""The message catalogs cover what the pages say: every message of the code and the templates has
its Chinese text, and every stored code a page translates has an English name (the English
catalog holds only those names: the other msgids are English text already)."""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tests.pages.codes import TRANSLATIONS, raw_codes

ROOT = TRANSLATIONS.parent
# translations/babel.cfg, as pybabel reads it
METHODS = [
    ("bidhall/**.py", "python"),
    ("trading/**.py", "python"),
    ("evaluation/**.py", "python"),
    ("audit/**.py", "python"),
    ("templates/**.html", "jinja2"),
]


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po_file:
        return read_po(po_file)


def test_every_message_of_the_pages_has_its_chinese_text():
    chinese = _catalog("zh")
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_pgettext=((1, "c"), 2))
    messages = list(extract_from_dir(ROOT, method_map=METHODS, keywords=keywords))
    assert len(messages) > 500  # the extraction found the sources
    missing = set()
    for filename, line, message, _comments, context in messages:
        msgid = message if isinstance(message, str) else message[0]
        entry = chinese.get(msgid, context)
        if entry is None or not entry.string:
            missing.add(f"{filename}:{line} {msgid!r}")
    assert sorted(missing) == [], "messages without Chinese text in translations/zh"


def test_every_code_a_page_translates_has_an_english_name():
    chinese, english = _catalog("zh"), _catalog("en")
    translated = {str(entry.id) for entry in chinese if entry.id} & raw_codes()
    unnamed = {code for code in translated if not (english.get(code) and english[code].string)}
    assert sorted(unnamed) == [], "codes without an English name in translations/en"


def test_the_english_catalog_names_codes_only():
    chinese = {str(entry.id) for entry in _catalog("zh") if entry.id}
    names = {str(entry.id) for entry in _catalog("en") if entry.id}
    assert {msgid for msgid in names if not re.fullmatch(r"[a-z][a-z_]*", msgid)} == set()
    assert names - chinese == set(), "English names of codes no page translates"
