"""Running a tender from the command line with an API token."""

import json

import pytest

from tests.fixtures.factories import draft_data


@pytest.fixture
def tokens(world, runner):
    def token(user):
        result = runner.invoke(args=["users", "token", user.username])
        assert result.exit_code == 0, result.output
        return result.output.strip()

    return {"agency": token(world.agency), "supervisor": token(world.supervisor)}


def run(runner, *args, token):
    return runner.invoke(args=[*args, "--token", token])


def test_a_tender_is_drafted_filed_and_published_from_the_command_line(
    runner, world, tokens, tmp_path, clock
):
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(draft_data(world.tenderer_org.id)), encoding="utf-8")
    documents = tmp_path / "documents.pdf"
    documents.write_bytes(b"%PDF tender documents")

    created = run(runner, "tender", "create", str(draft), token=tokens["agency"])
    assert created.exit_code == 0, created.output
    tender_id = json.loads(created.output)["id"]
    assert (
        run(
            runner, "tender", "attach", str(tender_id), str(documents), token=tokens["agency"]
        ).exit_code
        == 0
    )
    assert run(runner, "tender", "file", str(tender_id), token=tokens["agency"]).exit_code == 0
    decided = run(runner, "tender", "decide", str(tender_id), "accept", token=tokens["supervisor"])
    assert decided.exit_code == 0, decided.output
    clock.advance(days=1)
    published = run(runner, "tender", "publish", str(tender_id), token=tokens["agency"])
    assert published.exit_code == 0, published.output
    assert json.loads(published.output)["state"] == "published"
    listed = json.loads(runner.invoke(args=["tender", "list"]).output)
    assert [t["id"] for t in listed] == [tender_id]


def test_a_refused_command_prints_the_reason_and_exits_2(runner, world, tokens, make_tender):
    tender = make_tender("draft")
    result = run(runner, "tender", "publish", str(tender.id), token=tokens["agency"])
    assert result.exit_code == 2
    assert "invalid_state" in result.output


def test_a_bad_token_is_refused(runner, make_tender):
    tender = make_tender("draft")
    result = run(runner, "tender", "publish", str(tender.id), token="bh_wrong")
    assert result.exit_code == 2
    assert "invalid_token" in result.output


def test_a_supervisor_token_cannot_publish(runner, tokens, make_tender):
    tender = make_tender("filed")
    result = run(runner, "tender", "publish", str(tender.id), token=tokens["supervisor"])
    assert result.exit_code == 2
    assert "forbidden" in result.output


def test_an_amendment_from_the_command_line_moves_the_deadline(runner, tokens, make_tender, clock):
    from datetime import timedelta

    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=1))
    result = run(
        runner,
        "tender",
        "notice",
        str(tender.id),
        "--kind",
        "amendment",
        "--title",
        "BoQ",
        "--body",
        "Corrected.",
        "--affects-preparation",
        token=tokens["agency"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["moved_deadline"] is True


def test_a_malformed_draft_file_is_reported(runner, tokens, tmp_path):
    draft = tmp_path / "draft.json"
    draft.write_text("{not json", encoding="utf-8")
    result = run(runner, "tender", "create", str(draft), token=tokens["agency"])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output
