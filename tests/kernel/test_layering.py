"""The dependency direction of DESIGN.md §2 is a set of import-linter contracts in pyproject.toml,
run by ``./run.sh test``. Here a copy of the tree gets one wrong import per contract, and the
contract must break: a contract that cannot fail guards nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bidhall", "trading", "evaluation", "audit")
NOT_KERNEL = {"shell", "__main__", "migrations", "__init__"}

# (file, the wrong import appended to it, the contract it must break)
WRONG = [
    ("bidhall/clock.py", "import trading.tenders.models", "The kernel knows no domain"),
    ("bidhall/realtime/fanout.py", "import bidhall.shell.app", "and not the shell"),
    ("trading/tenders/jobs.py", "import audit.ledger.chain", "never import audit"),
    (
        "trading/bids/sealing.py",
        "import evaluation.draws.models",
        "Trading never imports evaluation",
    ),
    ("trading/tenders/views.py", "from bidhall.db import db", "reach data only through services"),
    ("trading/bids/rules.py", "import flask", "Rules are plain Python"),
    ("evaluation/venues/models.py", "import flask_login", "Models know no Flask"),
]


def lint(tree: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("lint-imports")
    # wide enough that the report never wraps a contract's name
    environment = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "500"}
    return subprocess.run(
        [str(command), "--no-cache"], cwd=tree, env=environment, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def broken_tree(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    tree = tmp_path_factory.mktemp("layering")
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for path, line, _ in WRONG:
        with (tree / path).open("a", encoding="utf-8") as module:
            module.write(f"\n{line}  # noqa\n")
    return lint(tree)


@pytest.mark.parametrize("path,line,contract", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_import_breaks_its_contract(broken_tree, path, line, contract):
    assert broken_tree.returncode != 0
    report = broken_tree.stdout.replace("\n", " ")
    broken = [row for row in broken_tree.stdout.splitlines() if " BROKEN" in row]
    assert any(contract in row for row in broken), broken_tree.stdout[-3000:]
    module = path.removesuffix(".py").replace("/", ".")
    assert module in report


def test_the_kernel_contract_names_every_kernel_module():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    kernel = next(
        contract
        for contract in contracts["tool"]["importlinter"]["contracts"]
        if contract["name"].startswith("The kernel knows no domain")
    )
    listed = set(kernel["source_modules"])
    modules = {
        f"bidhall.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "bidhall").iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists()) and path.stem not in NOT_KERNEL
    }
    assert sorted(modules - listed) == []
