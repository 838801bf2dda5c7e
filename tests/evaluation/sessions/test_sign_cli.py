"""`bidhall report sign`: a member signs the finalized report with its key file, over HTTP."""

from __future__ import annotations

import json

from tests.fixtures.pki import PASSPHRASE
from tests.trading.opening.test_cli import key_file


def sign(runner, server, committee, seat, path):
    from bidhall.accounts import services as accounts

    _token, secret = accounts.issue_token(committee.member_ids[seat], "cli")
    return runner.invoke(
        args=[
            "report",
            "sign",
            "--session",
            str(committee.id),
            "--key",
            str(path),
            "--server",
            server,
            "--token",
            secret,
        ],
        env={"BIDHALL_KEY_PASSPHRASE": PASSPHRASE},
    )


def test_a_member_signs_the_report_from_the_command_line(server, runner, committee, tmp_path):
    committee.to_ranking()
    committee.run(committee.member(1), "finalize")
    result = sign(runner, server, committee, 3, key_file(tmp_path, committee.keys[3]))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["seat"] == 3 and answer["signed"] is True
    assert committee.state(committee.supervisor)["report"]["signed"] == [3]


def test_signing_before_the_report_is_finalized_is_refused(server, runner, committee, tmp_path):
    result = sign(runner, server, committee, 3, key_file(tmp_path, committee.keys[3]))
    assert result.exit_code != 0
    assert "nothing_to_sign" in result.output
