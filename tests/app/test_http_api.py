"""The JSON HTTP API (assistant/http_api.py) on the real app: the real model, index and gradio server.

Replies must be exactly what the Python API gives for the same question and history.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from tests.conftest import free_port

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

# (question, follow-up asked after it or None): the follow-up is sent with the first exchange as history.
CONVERSATIONS = [
    ("哈尔滨第十一条讲什么", None),
    ("技改投资3亿元，LPR 3.45%，能拿多少贴息？", None),
    ("企业上市有什么补助？", "北交所上市呢？"),
    ("数字化车间有什么补助？", "合同金额是1500万元，能拿多少？"),
    ("哈尔滨的工业强市政策还有效吗", "那省里的呢？"),
    ("今天天气怎么样", None),
    ("能补多少？", "技改项目，设备投资2000万元"),
]


def ask(url: str, question: Any, history: Any = None, **options: Any) -> httpx.Response:
    body = {"question": question} if history is None else {"question": question, "history": history}
    return httpx.post(f"{url}/api/v1/ask", json=body, timeout=60, **options)


@pytest.mark.parametrize(("first", "follow_up"), CONVERSATIONS)
def test_the_api_gives_exactly_the_python_reply_with_and_without_history(served, bot, first: str,
                                                                           follow_up: str | None) -> None:
    url = served[0].rstrip("/")
    response = ask(url, first)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    expected = bot.ask(first).to_dict()
    assert response.json() == expected
    if follow_up is not None:
        history = [["user", first], ["assistant", expected["text"]]]
        answered = ask(url, follow_up, history)
        assert answered.status_code == 200
        assert answered.json() == bot.ask(follow_up, history=[tuple(turn) for turn in history]).to_dict()
        # The history matters: without it the follow-up is another question.
        alone = bot.ask(follow_up).to_dict()
        if alone != answered.json():
            assert ask(url, follow_up).json() == alone


@pytest.mark.parametrize(("body", "words"), [
    (b'{"question": ', "不是合法的 JSON"),
    (b'["question"]', "应为 JSON 对象"),
    (b'{}', "question 缺少该字段"),
    (b'{"question": 7}', "question 应为字符串"),
    (b'{"question": "hi", "history": "none"}', "history 应为列表"),
    (b'{"question": "hi", "history": [["boss", "x"]]}', "只能是 user 或 assistant"),
    (b'{"question": "hi", "history": [["user"]]}', "history.0"),
    (b'{"question": "hi", "mood": 1}', "mood 不认识的字段"),
])
def test_a_malformed_body_gets_422_with_a_chinese_message(served, body: bytes, words: str) -> None:
    url = served[0].rstrip("/")
    response = httpx.post(f"{url}/api/v1/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("请求格式不对：") and words in detail, detail
    assert ask(url, "哈尔滨第十一条讲什么").status_code == 200  # and the server keeps serving


def test_a_question_the_assistant_refuses_gets_400_in_chinese(served, bot) -> None:
    url, settings = served[0].rstrip("/"), served[1]
    for question in ("", "   ", "问" * (settings.max_question_chars + 1)):
        response = ask(url, question)
        try:
            bot.ask(question)
        except Exception as error:
            assert response.status_code == 400
            assert response.json() == {"detail": f"这个问题没能回答：{error}"}
        else:
            assert response.json() == bot.ask(question).to_dict()


def test_an_oversize_body_is_refused_with_413_before_parsing(served) -> None:
    url, settings = served[0].rstrip("/"), served[1]
    limit = settings.api_max_body_bytes
    history = [["user", "问" * 1000]] * (limit // 3000 + 2)  # well-formed JSON, just too big
    response = ask(url, "哈尔滨第十一条讲什么", history)
    assert response.status_code == 413 and "请求体过大" in response.json()["detail"]
    # Without a Content-Length (chunked), the same limit applies while reading.
    chunks = (b" " * 65536 for _ in range(limit // 65536 + 2))
    streamed = httpx.post(f"{url}/api/v1/ask", content=chunks, headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    # Not parsed: a body that is also malformed gets 413, not 422.
    assert httpx.post(f"{url}/api/v1/ask", content=b"{" * (limit + 1)).status_code == 413
    assert ask(url, "哈尔滨第十一条讲什么").status_code == 200


def test_clause_lookup_and_404s_in_chinese(served, bot) -> None:
    url = served[0].rstrip("/")
    got = httpx.get(f"{url}/api/v1/clauses/harbin/11")
    assert got.status_code == 200
    clause = bot.corpus.clause("harbin", "11")
    assert got.json()["text"] == clause.text and got.json()["title"] == clause.title
    assert httpx.get(f"{url}/api/v1/clauses/heilongjiang/第十四条").json()["clause"] == "14"
    for path, words in [("harbin/99", "没有第99条"), ("shanghai/1", "没有编号为 'shanghai' 的政策文件"),
                        ("harbin/abc", "无法识别")]:
        missing = httpx.get(f"{url}/api/v1/clauses/{path}")
        assert missing.status_code == 404 and words in missing.json()["detail"], missing.text
    unknown = httpx.get(f"{url}/api/v1/no-such-thing")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "没有这个接口地址，请查看 /docs。"}
    assert httpx.get(f"{url}/api/v1/ask").status_code == 405


def test_health_openapi_and_docs(served) -> None:
    url = served[0].rstrip("/")
    assert httpx.get(f"{url}/api/v1/health").json() == {"status": "ok", "documents": 2, "clauses": 42}
    schema = httpx.get(f"{url}/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/clauses/{doc_id}/{clause}", "/api/v1/health"} <= set(schema["paths"])
    assert "AskRequest" in schema["components"]["schemas"]
    docs = httpx.get(f"{url}/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text
    assert httpx.get(url).status_code == 200  # the page is still there, same port


def test_with_a_login_the_api_wants_the_pages_credentials(bot, session_settings: Settings, tmp_path) -> None:
    import ui

    settings = session_settings.with_overrides(data_dir=tmp_path, port=free_port(), auth_user="hotline",
                                               auth_password="pa55-Ωλ")
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    url = url.rstrip("/")
    try:
        for auth in (None, ("hotline", "wrong"), ("other", "pa55-Ωλ"), ("hotline", "")):
            refused = ask(url, "哈尔滨第十一条讲什么", auth=auth)
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
            assert refused.json()["detail"].startswith("需要登录")
            assert httpx.get(f"{url}/api/v1/clauses/harbin/11", auth=auth).status_code == 401
        garbled = httpx.get(f"{url}/api/v1/clauses/harbin/11", headers={"authorization": "Basic !!!"})
        assert garbled.status_code == 401
        answered = ask(url, "哈尔滨第十一条讲什么", auth=httpx.BasicAuth("hotline", "pa55-Ωλ"))
        assert answered.status_code == 200 and answered.json() == bot.ask("哈尔滨第十一条讲什么").to_dict()
        assert httpx.get(f"{url}/api/v1/health").status_code == 200  # for the load balancer
        with httpx.Client(base_url=url) as browser:  # logged in to the page: its session cookie is enough
            assert browser.post("/api/v1/ask", json={"question": "哈尔滨第十一条讲什么"}).status_code == 401
            browser.post("/login", data={"username": "hotline", "password": "wrong"})
            assert browser.post("/api/v1/ask", json={"question": "哈尔滨第十一条讲什么"}).status_code == 401
            assert browser.post("/login", data={"username": "hotline", "password": "pa55-Ωλ"}).status_code == 200
            assert browser.post("/api/v1/ask", json={"question": "哈尔滨第十一条讲什么"}).status_code == 200
    finally:
        demo.close()


def test_nothing_about_the_question_is_logged(served, caplog: pytest.LogCaptureFixture) -> None:
    url = served[0].rstrip("/")
    secret = "我们公司税号91230100MA1B2C3D4E能补多少"
    with caplog.at_level("DEBUG"):
        ask(url, secret)
        httpx.post(f"{url}/api/v1/ask", content=json.dumps({"question": secret, "x": 1}).encode())
    assert all("91230100MA1B2C3D4E" not in record.getMessage() for record in caplog.records)
