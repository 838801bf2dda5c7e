"""`bidhall demo` plays the whole life cycle on the embedded default, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_the_demo_plays_the_life_cycle_and_ends_with_a_json_summary(tmp_path):
    bidhall = os.path.join(os.path.dirname(sys.executable), "bidhall")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [bidhall, "demo", "--instance", str(tmp_path / "demo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["ok"] is True
    assert summary["state"] == "opened"
    assert summary["opened"] == 3
    assert summary["receipts_verified"] == 3
    assert summary["deadline_moved"] is True
    assert "decrypted remotely" in result.stdout
    assert (tmp_path / "demo" / "bidhall.db").exists()
