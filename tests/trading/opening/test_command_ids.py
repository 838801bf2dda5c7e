"""A command's client-made id is scoped to (user, hall, command): a retry gets the first result,
the same id elsewhere is a new command, and the same id with other content is refused."""

from __future__ import annotations

from tests.fixtures.opening import NS, heard


def _join(client, hall):
    return client.emit("join", {"tender_id": hall.id}, namespace=NS, callback=True)


def _say(client, hall, cmd_id, text):
    return client.emit(
        "say", {"tender_id": hall.id, "cmd_id": cmd_id, "text": text}, namespace=NS, callback=True
    )


def _announcements(client):
    return [m for m in heard(client) if m["type"] == "hall.announcement"]


def test_a_cmd_id_used_in_one_hall_is_a_new_command_in_another(make_hall, hall_client):
    first, second = make_hall(3), make_hall(3)
    client = hall_client(first.agency)
    _join(client, first)
    _join(client, second)
    _say(client, first, "same-id", "Sign in, please.")
    in_second = _say(client, second, "same-id", "Sign in, please.")
    assert in_second["ok"] and "replayed" not in in_second
    assert {m["tender_id"] for m in _announcements(client)} == {first.id, second.id}


def test_a_cmd_id_used_for_one_command_is_a_new_command_for_another(make_hall, hall_client):
    hall = make_hall(3)
    client = hall_client(hall.agency)
    _join(client, hall)
    _say(client, hall, "same-id", "Sign in, please.")
    signed = client.emit(
        "sign_in", {"tender_id": hall.id, "cmd_id": "same-id"}, namespace=NS, callback=True
    )
    assert signed["ok"] and signed["command"] == "sign_in" and "replayed" not in signed


def test_a_cmd_id_reused_with_other_content_is_refused_and_nothing_is_said(make_hall, hall_client):
    hall = make_hall(3)
    client = hall_client(hall.agency)
    _join(client, hall)
    _say(client, hall, "same-id", "Sign in, please.")
    reused = _say(client, hall, "same-id", "The reading out starts.")
    assert reused["error"]["code"] == "cmd_id_reused"
    assert [m["payload"]["text"] for m in _announcements(client)] == ["Sign in, please."]


def test_a_retry_with_the_same_id_and_content_gets_the_first_result(make_hall, api_for):
    hall = make_hall(3)
    api = api_for(hall.agency)
    body = {"cmd_id": "retry-1", "text": "Sign in, please."}
    first = api.post(f"/api/tenders/{hall.id}/opening/say", json=body).get_json()
    again = api.post(f"/api/tenders/{hall.id}/opening/say", json=body).get_json()
    assert again["seq"] == first["seq"] and again["replayed"] is True


def test_a_retry_over_http_of_a_command_sent_over_the_socket_gets_the_first_result(
    make_hall, hall_client, api_for
):
    hall = make_hall(3)
    client = hall_client(hall.agency)
    _join(client, hall)
    first = _say(client, hall, "retry-2", "Sign in, please.")
    again = api_for(hall.agency).post(
        f"/api/tenders/{hall.id}/opening/say",
        json={"cmd_id": "retry-2", "text": "Sign in, please."},
    )
    assert again.get_json()["seq"] == first["seq"]
