"""Refusals shown on pages speak the page's language; the JSON API keeps its English messages
(scripts read the codes) and adds the page's wording as ``localized`` where the catalog has it
(a page's script shows a person that)."""

from tests.fixtures.app import csrf_token


def sign_in(client, username: str, password: str, language: str):
    headers = {"Accept-Language": language}
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
    )


def test_a_refused_sign_in_is_explained_in_chinese_on_a_chinese_page(client, make_user):
    user = make_user("agency")
    page = sign_in(client, user.username, "wrong-password-1", "zh-CN").get_data(as_text=True)
    assert "用户名或密码错误" in page


def test_the_same_refusal_is_in_english_on_an_english_page(client, make_user):
    user = make_user("agency")
    page = sign_in(client, user.username, "wrong-password-1", "en").get_data(as_text=True)
    assert "wrong username or password" in page


def test_a_refused_page_action_is_explained_in_chinese(make_tender, world, login):
    tender = make_tender("published")
    browser = login(world.bidder())
    answer = browser.post(
        f"/tenders/{tender.id}/questions",
        data={
            "question-body": "Is item 3.2 final?",
            "csrf_token": csrf_token(browser, f"/tenders/{tender.id}"),
        },
        headers={"Accept-Language": "zh-CN"},
        follow_redirects=True,
    )
    assert "请先下载招标文件" in answer.get_data(as_text=True)


def test_the_json_api_keeps_english_messages_and_adds_the_requests_language(
    client, make_tender, world, api_for
):
    tender = make_tender("published")
    api = api_for(world.bidder())
    answer = api.client.post(
        f"/api/tenders/{tender.id}/questions",
        json={"body": "Is item 3.2 final?"},
        headers=api.headers | {"Accept-Language": "zh-CN"},
    )
    assert answer.get_json()["error"]["code"] == "not_a_holder"
    assert "downloaded the documents" in answer.get_json()["error"]["message"]
    assert answer.get_json()["error"]["localized"].startswith("请先下载招标文件")


def test_a_refusal_the_catalog_does_not_translate_carries_no_second_message(
    client, make_tender, world, api_for
):
    tender = make_tender("published")
    api = api_for(world.bidder())
    answer = api.client.post(
        f"/api/tenders/{tender.id}/questions",
        json={"body": "Is item 3.2 final?"},
        headers=api.headers | {"Accept-Language": "en"},
    )
    assert answer.get_json()["error"]["code"] == "not_a_holder"
    assert "localized" not in answer.get_json()["error"]
