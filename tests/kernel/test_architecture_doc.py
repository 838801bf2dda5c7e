"""docs/architecture.md is the page a newcomer reads first: every path it names must exist, every
``path: name`` it cites must be defined there, and its folder map must show every capability."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
DOMAINS = ("trading", "evaluation", "audit")


def cited() -> list[str]:
    return re.findall(r"`([^`\s/]*/[^`]*?)`", DOC.read_text(encoding="utf-8"))


def test_every_path_the_architecture_page_names_exists():
    missing = []
    for token in cited():
        path = token.split(":", 1)[0].split(" ", 1)[0].rstrip("/")
        if "<" in path or path.startswith(("/", "POST", "GET", "PATCH")):
            continue  # a pattern (templates/<domain>/...) or a URL, not a path
        if not (ROOT / path).exists():
            missing.append(token)
    assert missing == []


def test_every_name_the_architecture_page_cites_in_a_module_is_defined_there():
    undefined = []
    for token in cited():
        if ":" not in token or not token.split(":", 1)[0].endswith(".py"):
            continue
        path, name = (part.strip() for part in token.split(":", 1))
        name = name.split(".")[0]
        source = (ROOT / path).read_text(encoding="utf-8")
        if not re.search(rf"^(def|class) {name}\b|^{name} =|^\s+def {name}\b", source, re.M):
            undefined.append(token)
    assert undefined == []


def test_the_folder_map_shows_every_capability_folder():
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```text", 1)[1].split("```", 1)[0]
    shown = set()
    parent = None
    for line in block.splitlines():
        top = re.match(r"^(\w+)/", line)
        if top:
            parent = top.group(1)
        inner = re.match(r"^  (\w+)/", line)
        if inner and parent:
            shown.add(f"{parent}/{inner.group(1)}")
    folders = {
        f"{domain}/{path.parent.name}"
        for domain in DOMAINS
        for path in (ROOT / domain).glob("*/__init__.py")
    }
    assert sorted(folders - shown) == []
