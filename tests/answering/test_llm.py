"""The optional LLM against a real OpenAI-compatible HTTP server on 127.0.0.1 with scripted replies.

The server is a small stand-in for an endpoint that cannot run here; it answers
through the real llama-index OpenAILike client, and its replies include a
hallucinated amount, a dropped quote, a hang and a server error.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from assistant import Assistant
from assistant.settings import Settings

SECRET = "sk-test-secret-do-not-log"


class ScriptedEndpoint(BaseHTTPRequestHandler):
    mode = "rephrase"
    prompts: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        type(self).prompts.append(prompt)
        template = prompt.split("回答：\n", 1)[-1]
        mode = type(self).mode
        if mode == "hang":
            time.sleep(15)
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "boom"}}')
            return
        content = {
            "rephrase": "您好，根据政策规定：\n" + template,
            "hallucinate": template + "\n另外还可以额外获得奖励999万元。",
            "drop_quote": "可以申请补助，具体以主管部门为准。",
        }.get(mode, template)
        if "计算规则" in prompt and mode == "choose":
            content = type(self).choice
        payload = {"id": "x", "object": "chat.completion", "created": 0, "model": "scripted",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    choice = ""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedEndpoint)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def llm_bot(bot, session_settings: Settings, endpoint: str):  # type: ignore[no-untyped-def]
    """The template assistant's twin with an LLM, on the same injected clock (validity notices name today)."""
    settings = dataclasses.replace(session_settings, llm="openai_like", llm_base_url=endpoint,
                                   llm_model="scripted", llm_api_key=SECRET, llm_timeout_seconds=3.0)
    return Assistant.load(settings, clock=bot.clock, wait_for_model=True)


QUESTION = "技改投资3亿，LPR 3.45%，贴息多少"


def test_a_faithful_rephrasing_is_used(bot, llm_bot) -> None:
    ScriptedEndpoint.mode = "rephrase"
    reply = llm_bot.ask(QUESTION)
    assert reply.text.startswith("您好，根据政策规定")
    assert reply.calculations == bot.ask(QUESTION).calculations  # amounts stay the calculator's


@pytest.mark.parametrize("mode", ["hallucinate", "drop_quote", "error"])
def test_an_unfaithful_or_failed_llm_falls_back_to_the_template(bot, llm_bot, mode: str, caplog) -> None:
    ScriptedEndpoint.mode = mode
    with caplog.at_level(logging.WARNING):
        reply = llm_bot.ask(QUESTION)
    template = bot.ask(QUESTION)
    assert reply.text == template.text
    assert "999万元" not in reply.text
    assert SECRET not in caplog.text


def test_a_hanging_endpoint_falls_back_within_ten_seconds(bot, llm_bot) -> None:
    ScriptedEndpoint.mode = "hang"
    started = time.perf_counter()
    reply = llm_bot.ask(QUESTION)
    elapsed = time.perf_counter() - started
    assert elapsed < 10
    assert reply.text == bot.ask(QUESTION).text


def test_the_llm_may_only_choose_among_the_routers_rules(llm_bot) -> None:
    ScriptedEndpoint.mode = "choose"
    options = [("heilongjiang-12-niche-market", "隐形冠军"), ("harbin-2-single-champion", "单项冠军")]
    ScriptedEndpoint.choice = "harbin-2-single-champion"
    assert llm_bot.llm.choose("单项冠军奖励多少", options) == "harbin-2-single-champion"
    ScriptedEndpoint.choice = "heilongjiang-1-tech-reform"  # not offered: ignored
    assert llm_bot.llm.choose("单项冠军奖励多少", options) is None


def test_the_api_key_is_never_shown(llm_bot) -> None:
    assert SECRET not in repr(llm_bot.settings)
