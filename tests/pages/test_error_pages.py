"""A browser meets a refusal or a failure as a page in its language (403, 404, 500); a script asking
JSON, and every /api/ call, keeps the one error payload with its English message."""

from __future__ import annotations

import pytest


@pytest.fixture
def failing(app):
    """The app with one page that fails, as a bug would."""

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/test/broken", "test_broken", broken)
    return app


@pytest.mark.parametrize(
    ("language", "heading", "message"),
    [
        ("en", "Page not found", "There is no page at this address"),
        ("zh-CN", "页面不存在", "未找到该内容"),
    ],
)
def test_an_unknown_address_is_a_page_in_the_readers_language(client, language, heading, message):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert heading in page and message in page
    assert 'data-error-code="not_found"' in page
    assert "requested URL was not found" not in page  # Werkzeug's text is for developers


def test_a_page_of_another_role_is_refused_in_chinese(login, make_user):
    browser = login(make_user("bidder"))
    response = browser.get("/admin/users", headers={"Accept-Language": "zh-CN"})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "无权访问" in page and "您没有执行此操作的权限" in page


def test_a_failure_is_a_page_with_its_log_id_in_chinese(failing):
    response = failing.test_client().get("/test/broken", headers={"Accept-Language": "zh-CN"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统内部错误" in page and "日志编号" in page
    assert "a bug" not in page and "Traceback" not in page


def test_scripts_keep_the_json_payload_with_werkzeugs_message(client):
    for headers, path in (
        ({"Accept": "application/json", "Accept-Language": "zh-CN"}, "/no/such/page"),
        ({"Accept-Language": "zh-CN"}, "/api/no/such"),
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        error = response.get_json()["error"]
        assert error["code"] == "not_found"
        assert error["message"].startswith("The requested URL was not found")
