"""Chinese and English UI text through Flask-Babel. The .po catalogs are the source; the binary
.mo files are compiled from them when missing or older, so a fresh clone needs no extra step."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request, session

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogs(root: Path = TRANSLATIONS) -> None:
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as po_file:
            catalog = read_po(po_file)
        # several processes may start at once (test workers, server workers): unique temp names
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")
        with open(tmp, "wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
