"""One parser for everything sent to the platform (bidhall.inputs): each class of bad input the
review found is refused as a 400 with its field named, over HTTP and Socket.IO, on SQLite and
PostgreSQL alike, and never reaches the database."""

from __future__ import annotations

import pytest

from tests.fixtures.opening import NS

DEEP = "[" * 60_000 + "]" * 60_000


def _error(response) -> dict:
    return response.get_json()["error"]


# --- nested JSON --------------------------------------------------------------------------------


def test_deeply_nested_json_is_refused_as_400_even_on_an_anonymous_endpoint(client):
    response = client.post("/api/tokens", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "json_too_deep"


def test_json_nested_a_little_past_the_limit_is_refused_too(client):
    body = '{"username":' + "[" * 40 + "1" + "]" * 40 + "}"
    response = client.post("/api/tokens", data=body, content_type="application/json")
    assert _error(response)["code"] == "json_too_deep"


# --- integers -----------------------------------------------------------------------------------


def test_an_id_beyond_the_database_range_in_a_path_is_simply_not_found(client):
    assert client.get("/api/tenders/99999999999999999999").status_code == 404
    assert client.get("/api/tenders/2147483648").status_code == 404


def test_digits_that_are_not_ascii_in_a_path_are_not_an_id(client, make_tender):
    tender = make_tender("published")
    assert client.get(f"/api/tenders/{tender.id}").status_code == 200
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in str(tender.id))
    assert client.get(f"/api/tenders/{arabic_indic}").status_code == 404


def test_a_huge_integer_in_a_json_body_is_refused_with_its_field(make_tender, world, api_for):
    tender = make_tender("published")
    response = api_for(world.bidder()).post(
        f"/api/tenders/{tender.id}/uploads", json={"lot": 2**70, "size": 100}
    )
    assert response.status_code == 400
    assert _error(response)["details"]["field"] == "lot"


def test_a_huge_integer_in_a_query_string_is_refused(make_hall, api_for):
    hall = make_hall(3)
    response = api_for(hall.agency).get(
        f"/api/tenders/{hall.id}/opening/messages?after=99999999999999999999"
    )
    assert response.status_code == 400
    assert _error(response)["details"]["field"] == "after"


def test_superscript_digits_in_a_query_string_are_refused_not_a_500(make_hall, api_for):
    hall = make_hall(3)
    response = api_for(hall.agency).get(f"/api/tenders/{hall.id}/opening/messages?after=²")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_field"


def test_superscript_digits_in_the_upload_offset_header_are_refused(make_tender, world, api_for):
    tender = make_tender("published")
    bidder = world.bidder()
    api = api_for(bidder)
    from trading.tenders import services

    services.download_document(bidder, tender.id, tender.documents[0].id)[1].close()
    upload = api.post(f"/api/tenders/{tender.id}/uploads", json={"size": 10}).get_json()
    response = api.client.patch(
        f"/api/uploads/{upload['upload_id']}",
        data=b"0123456789",
        headers=dict(api.headers, **{"Upload-Offset": "²"}),
        content_type="application/offset+octet-stream",
    )
    assert response.status_code == 400
    assert _error(response)["details"]["field"] == "Upload-Offset"


# --- types and text -----------------------------------------------------------------------------


def test_a_number_where_an_organisation_name_is_expected_is_refused(make_user, api_for):
    response = api_for(make_user("admin")).post(
        "/api/organisations", json={"name": 1, "kind": "bidder"}
    )
    assert response.status_code == 400
    assert _error(response)["details"]["field"] == "name"


@pytest.mark.parametrize("text", ["bidder\x00", "bid\x07der", "\ud800"])
def test_control_characters_in_text_are_refused_before_the_database(client, text):
    response = client.post("/api/tokens", json={"username": text, "password": "x"})
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_text"


def test_a_nul_character_in_a_query_string_is_refused(make_user, api_for):
    response = api_for(make_user("admin")).get("/api/organisations?kind=bid%00der")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_text"


def test_a_nul_character_in_a_form_field_is_refused(client):
    from tests.fixtures.app import csrf_token

    response = client.post(
        "/login",
        data={"username": "a\x00", "password": "x", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400


def test_newlines_and_tabs_in_text_are_kept(make_user, api_for):
    response = api_for(make_user("admin")).post(
        "/api/organisations", json={"name": "Line one\n\tline two", "kind": "bidder"}
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "Line one\n\tline two"


def test_a_page_posted_as_json_reads_it_as_an_empty_form_not_a_500(client, make_user):
    from tests.fixtures.app import csrf_token

    user = make_user("bidder")
    response = client.post(
        "/login",
        json={"username": user.username, "password": 1},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code in (200, 400)
    assert "/api/me" not in response.headers.get("Location", "")
    assert client.get("/api/me").status_code == 401


# --- Socket.IO ----------------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["join", "replay", "state", "say"])
def test_a_hall_event_sent_with_no_data_is_answered_with_an_error(make_hall, hall_client, event):
    hall = make_hall(3)
    client = hall_client(hall.agency)
    answer = client.emit(event, namespace=NS, callback=True)
    assert answer["error"]["code"] == "invalid_body"


def test_watching_a_tender_with_no_data_is_answered_with_an_error(app):
    from bidhall.extensions import socketio

    client = socketio.test_client(app, namespace="/tenders")
    answer = client.emit("watch", namespace="/tenders", callback=True)
    assert answer["error"]["code"] == "invalid_body"


@pytest.mark.parametrize(
    "data",
    [{"last_seq": 2**70}, {"last_seq": "²"}],
    ids=["huge", "superscript"],
)
def test_joining_with_an_impossible_last_seq_is_answered_with_an_error(
    make_hall, hall_client, data
):
    hall = make_hall(3)
    answer = hall_client(hall.agency).emit(
        "join", {"tender_id": hall.id, **data}, namespace=NS, callback=True
    )
    assert answer["error"]["details"]["field"] == "last_seq"


def test_replaying_after_a_huge_seq_is_answered_with_an_error(make_hall, hall_client):
    hall = make_hall(3)
    answer = hall_client(hall.agency).emit(
        "replay", {"tender_id": hall.id, "after": 2**70}, namespace=NS, callback=True
    )
    assert answer["error"]["details"]["field"] == "after"


def test_joining_a_hall_with_a_huge_tender_id_is_answered_with_an_error(hall_client):
    answer = hall_client().emit("join", {"tender_id": 2**70}, namespace=NS, callback=True)
    assert answer["error"]["details"]["field"] == "tender_id"


def test_an_unknown_hall_event_is_answered_with_an_error(hall_client):
    answer = hall_client().emit("reveal_all", {"tender_id": 1}, namespace=NS, callback=True)
    assert answer["error"]["code"] == "unknown_event"


def test_a_hall_message_nested_too_deeply_is_answered_with_an_error(make_hall, hall_client):
    hall = make_hall(3)
    client = hall_client(hall.agency)
    client.acks = None
    client.socketio.server._handle_eio_message(client.eio_sid, f'2{NS},7["join",{DEEP}]')
    assert client.acks["args"][0]["error"]["code"] == "json_too_deep"


def test_a_refusal_also_arrives_as_the_namespaces_error_event(hall_client):
    client = hall_client()
    client.emit("join", namespace=NS)
    errors = [m for m in client.get_received(NS) if m["name"] == "hall.error"]
    assert errors and errors[0]["args"][0]["error"]["code"] == "invalid_body"


# --- Socket.IO origins --------------------------------------------------------------------------


def _handshake(client, origin: str):
    return client.get(
        "/socket.io/?EIO=4&transport=polling", headers={"Origin": origin, "Host": "localhost"}
    )


def test_a_socket_connection_from_another_site_is_refused(client):
    assert _handshake(client, "https://evil.example").status_code == 400


def test_a_socket_connection_from_the_platforms_own_origin_is_accepted(client):
    assert _handshake(client, "http://localhost").status_code == 200


@pytest.mark.parametrize(
    "app_overrides", [{"SOCKETIO_ALLOWED_ORIGINS": ["https://ggzy.example.gov.cn"]}]
)
def test_a_configured_public_origin_is_accepted_and_others_are_not(client):
    assert _handshake(client, "https://ggzy.example.gov.cn").status_code == 200
    assert _handshake(client, "https://evil.example").status_code == 400


def test_the_allowed_origins_are_read_from_the_environment_as_a_list():
    from bidhall import config

    settings = config.load(
        {"BIDHALL_ENV": "testing"},
        environ={"SOCKETIO_ALLOWED_ORIGINS": "https://a.example/, https://b.example"},
    )
    assert settings["SOCKETIO_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
