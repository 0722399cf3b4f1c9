"""The JSON HTTP API for other systems, served beside the gradio page (same process, same port).

    POST /api/v1/ask                      {"question": str, "history": [[role, text], …]} → Reply.to_dict()
    GET  /api/v1/clauses/{doc_id}/{clause} one clause, exactly as printed
    GET  /api/v1/health                    liveness for a load balancer (no login, nothing private)
    GET  /openapi.json, /docs              the schema and its browsable docs

Stateless: the caller sends the conversation as `history`, so any replica can answer any request.
`api_app_kwargs` returns keyword arguments for the FastAPI app that gradio builds
(`Blocks.launch(app_kwargs=…)`, ui.py): the routes come before gradio's own, the error handlers
answer /api/ requests in Chinese and leave the page's responses as they were.  With a login
configured (settings.auth_user) every route but health wants HTTP Basic with the page's user
name and password, or the session cookie of a browser logged in to the page.
Nothing is logged here: `Assistant.ask` logs route and time, as for the page.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.app import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.text.numbering import parse_clause_id

logger = logging.getLogger("assistant.http_api")

PREFIX = "/api/v1"
REALM = 'Basic realm="policy-assistant", charset="UTF-8"'
STATUS_MESSAGES = {
    401: "需要登录：请用 HTTP Basic 提供与网页相同的用户名和密码。",
    404: "没有这个接口地址，请查看 /docs。",
    405: "这个接口不支持该请求方法，请查看 /docs。",
    413: "请求体过大，已拒绝。",
}
# Pydantic error types → Chinese; anything else is reported by its location alone.
ERROR_TYPES = {
    "missing": "缺少该字段",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "tuple_type": "应为 [角色, 文本] 两项的列表",
    "too_short": "项数不够",
    "too_long": "项数过多",
    "literal_error": "只能是 user 或 assistant",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "不是合法的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
}


class AskRequest(BaseModel):
    """One question and the conversation so far (oldest first), as the Python API takes them."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="用户的问题", examples=["哈尔滨第十一条讲什么"])
    history: list[tuple[Literal["user", "assistant"], str]] = Field(
        default_factory=list, description="此前的对话 [[角色, 文本], …]，角色为 user 或 assistant",
        examples=[[["user", "数字化车间有什么补助？"], ["assistant", "……"]]],
    )


class ApiError(BaseModel):
    detail: str = Field(description="中文说明")


def api_app_kwargs(current: Callable[[], Assistant], settings: Settings) -> dict[str, Any]:
    """FastAPI keyword arguments that add the API to an app; `current()` gives the assistant to ask now."""
    router = build_router(current, settings)
    return {
        "title": "龙江惠企政策助手 API",
        "version": "1",
        "description": "无状态：对话历史由调用方随请求发送。金额均来自计算规则或所引条款原文。",
        "routes": router.routes,
        "docs_url": "/docs",
        "openapi_url": "/openapi.json",
        "exception_handlers": {RequestValidationError: _validation_error, StarletteHTTPException: _http_error},
        "middleware": [Middleware(BodyLimit, limit=settings.api_max_body_bytes)],  # type: ignore[arg-type]
    }


def build_router(current: Callable[[], Assistant], settings: Settings) -> APIRouter:
    """The /api/v1 routes over whatever assistant `current()` returns (the page may reload it)."""
    answering = threading.BoundedSemaphore(max(1, settings.concurrency_limit))  # as many at once as the page
    login = [Depends(_login_check(settings))]
    router = APIRouter(prefix=PREFIX)
    errors: dict[int | str, dict[str, Any]] = {code: {"model": ApiError} for code in (400, 401, 404, 413, 422)}

    @router.post("/ask", dependencies=login, responses=errors, summary="提问（含多轮对话历史）")
    def ask(request: AskRequest) -> JSONResponse:
        """Exactly `Reply.to_dict()` of `Assistant.ask(question, history)`."""
        with answering:
            try:
                reply = current().ask(request.question, history=[(role, text) for role, text in request.history])
            except AssistantError as error:
                return _error(400, f"这个问题没能回答：{error}")
            except Exception as error:  # the edge: logged as the page logs it, one Chinese line back
                logger.exception("answering failed")
                return _error(500, f"处理问题时出错了（{type(error).__name__}），请稍后重试。")
        return JSONResponse(reply.to_dict())

    @router.get("/clauses/{doc_id}/{clause}", dependencies=login, responses=errors, summary="查看条款原文")
    def clause(doc_id: str, clause: str) -> JSONResponse:
        """One clause as printed: 「harbin/11」, 「heilongjiang/第十四条」, 「heilongjiang/附则」."""
        corpus = current().corpus
        document = corpus.document(doc_id)
        if document is None:
            known = "、".join(d.doc_id for d in corpus.documents)
            return _error(404, f"没有编号为 {doc_id!r} 的政策文件（现有：{known}）。")
        try:
            clause_id = parse_clause_id(clause)
        except (AssistantError, ValueError):
            return _error(404, f"条款序号 {clause!r} 无法识别，请用 11、第十一条或附则这样的写法。")
        found = document.clause(clause_id)
        if found is None:
            return _error(404, f"{document.short_title}没有第{clause_id}条。")
        return JSONResponse({
            "doc_id": found.doc_id, "clause": found.clause, "label": found.label, "title": found.title,
            "section": found.section, "departments": list(found.departments), "text": found.text,
            "document_title": document.title,
            "valid_until": document.valid_until.isoformat() if document.valid_until else None,
        })

    @router.get("/health", summary="健康检查（负载均衡用，无需登录）")
    def health() -> JSONResponse:
        corpus = current().corpus
        return JSONResponse({"status": "ok", "documents": len(corpus.documents), "clauses": len(corpus.clauses)})

    return router


class BodyLimit:
    """Refuse an /api/ request body over `limit` bytes with 413, before anything parses it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        chunks, size = [], 0
        while True:  # read the body here, up to the limit, then replay it to the app
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"请求体过大（上限 {self.limit} 字节），已拒绝。"
        await _error(413, message, {"Connection": "close"})(scope, receive, send)


def _login_check(settings: Settings) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        if not settings.auth_user:
            return
        if not (_basic_matches(request.headers.get("authorization", ""), settings) or _page_session(request, settings)):
            raise StarletteHTTPException(401, STATUS_MESSAGES[401], headers={"WWW-Authenticate": REALM})
    return check


def _basic_matches(header: str, settings: Settings) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # Both compared, always, in constant time.
    same_user = secrets.compare_digest(user.encode(), settings.auth_user.encode())
    same_password = secrets.compare_digest(password.encode(), settings.auth_password.encode())
    return bool(sep) and same_user and same_password


def _page_session(request: Request, settings: Settings) -> bool:
    """A browser logged in to the page: gradio's session cookie, looked up in the app's own token table."""
    cookie_id, tokens = getattr(request.app, "cookie_id", None), getattr(request.app, "tokens", None)
    if cookie_id is None or not isinstance(tokens, dict):
        return False
    token = (request.cookies.get(f"access-token-{cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{cookie_id}"))
    return token is not None and tokens.get(token) == settings.auth_user


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _validation_error(request: Request, error: Exception) -> Response:
    if not _is_api(request) or not isinstance(error, RequestValidationError):
        return await request_validation_exception_handler(request, error)  # type: ignore[arg-type]
    return _error(422, "请求格式不对：" + "；".join(_describe(problem) for problem in error.errors()[:5]))


async def _http_error(request: Request, error: Exception) -> Response:
    if not _is_api(request) or not isinstance(error, StarletteHTTPException):
        return await http_exception_handler(request, error)  # type: ignore[arg-type]
    detail = error.detail if _is_chinese(error.detail) else STATUS_MESSAGES.get(error.status_code, "请求无法处理。")
    return _error(error.status_code, detail, dict(error.headers or {}))


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body") or "请求体"
    return f"{where} {ERROR_TYPES.get(str(problem.get('type')), '取值不对')}"


def _is_chinese(text: Any) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)

