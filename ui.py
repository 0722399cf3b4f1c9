"""龙江惠企政策助手 — the web app that `make run` starts (http://127.0.0.1:7860 by default).

The only module that imports gradio.  Handlers call the Assistant (one instance,
shared: it keeps no per-user state) and format what it returns with
assistant.presenting; there is no policy logic here.  Per-user state (the
conversation, the feedback row being explained) lives in gr.State.

「重新加载政策库」 (关于 tab) exists only behind a login (settings.auth_user): it is
a staff action, and each reload loads the embedding model again (seconds of CPU,
a second copy in memory for a while), which no anonymous visitor should trigger.
"""

from __future__ import annotations

import html
import logging
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import presenting as show
from assistant.answering.profile import profile_turns
from assistant.app import Assistant
from assistant.calculator import MissingParameters
from assistant.errors import AssistantError
from assistant.feedback import FeedbackStore
from assistant.http_api import api_app_kwargs
from assistant.ingest.adding import EDITABLE_FIELDS, FIELDS, PolicyDraft, draft_policy, overrides_from_fields
from assistant.ingest.metadata import JURISDICTION_NAMES
from assistant.ingest.publishing import PolicyPublisher
from assistant.ingest.reading import IngestError, read_policy
from assistant.policies.corpus import Corpus
from assistant.settings import Settings, load_settings

logger = logging.getLogger("assistant.ui")

EXAMPLES = [
    "哈尔滨第十一条讲什么",
    "技改投资3亿元，LPR 3.45%，能拿多少贴息？",
    "企业上市有什么补助？",
    "数字化车间项目合同金额800万元，能补助多少？",
    "哈尔滨的工业强市政策还有效吗",
]
PRIVATE = "private"  # events the browser uses but the API does not document
VOTE_NAMES = {"up": "有帮助", "down": "有问题"}
# System fonts only: no request to Google Fonts, which is slow or blocked where this app is used.
FONTS = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "Consolas", "monospace"]
CSS = """
#chat pre, #chat pre code { white-space: pre-wrap !important; word-break: break-all; }
mark { background: #ffe58f; color: inherit; padding: 0 1px; }
.gradio-container { max-width: 1100px !important; width: 100% !important; min-width: 0 !important; margin: 0 auto; }
#feedback-status p { margin: 0; }
#chat .thought-group .content .message-content, #chat .thought-group .content .prose,
#chat .thought-group .content table, #chat .thought-group .content td, #chat .thought-group .content th {
  font-size: 14px !important; opacity: 1 !important; }
#chat .thought-group td:first-child { min-width: 4.5em; }
/* The chat's corner buttons (清空, 复制回答) float over the first message: start the messages below them. */
#chat .bubble-wrap { padding-top: 44px !important; }
.expired-badge { display: inline-block; background: #fff1f0; color: #a8071a; border: 1px solid #ffa39e;
  border-radius: 4px; padding: 0 6px; font-size: 13px; }
/* Every tab stays a tab: the tab bar wraps onto a second line instead of folding tabs into 「…」
   (gradio measures its hidden copy of the bar to decide what overflows; that copy is made narrow). */
.tab-wrapper .tab-container.visually-hidden button { padding: 0 !important; font-size: 1px !important; }
.tab-wrapper .tab-container[role=tablist] { flex-wrap: wrap; height: auto !important; }
.tab-wrapper { height: auto !important; }
.tab-wrapper .overflow-menu { display: none !important; }
@media (max-width: 640px) {
  .gradio-container .main { padding-left: 10px !important; padding-right: 10px !important; }
  .tab-container button { padding: 0 5px !important; font-size: 14px !important; }
}
"""
# Printing: whole answers, no chat scroll box, no input or buttons.  In <head>, not in CSS: gradio
# scopes custom CSS under .gradio-container, and the container itself must stop clipping.
PRINT_HEAD = """<style>
@media print {
  html, body, gradio-app, .gradio-container, .gradio-container .main, .gradio-container .wrap,
  .gradio-container .contain, .gradio-container .tabs, .gradio-container .tabitem, .gradio-container .column,
  #chat, #chat * { height: auto !important; max-height: none !important; overflow: visible !important; }
  #chat-input, #chat-examples, #chat-tools, #feedback-status, .tab-wrapper, #chat .message-buttons-left,
  #chat .icon-button-wrapper, #chat > label, footer, .gradio-container button { display: none !important; }
  #chat table tr { break-inside: avoid; }
}
</style>"""


def warn(message: str) -> None:
    """A toast in Chinese; gradio renders toast text as HTML, so it is escaped here."""
    gr.Warning(html.escape(message))


def unanswered_kind(route: str, cited: bool, previous_route: str | None) -> str | None:
    """Why a reply counts as unanswered for the admin view, or None when it answered."""
    if route == "out_of_scope":
        return "out_of_scope"
    if route == "clarify" and previous_route == "clarify":
        return "clarify_loop"  # asked back twice running: the user could not give what it needed
    return None if cited else "no_clause"


def document_choices(bot: Assistant) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(every policy, the policies with calculator rules) as (short title, doc_id) choices."""
    documents = [(d.short_title, d.doc_id) for d in bot.corpus.documents]
    grouped = show.rules_by_document(bot.corpus, bot.rules)
    return documents, [(title, doc_id) for title, doc_id in documents if doc_id in grouped]


class Handlers:
    """The app's event handlers; each calls the assistant and returns what the components show."""

    def __init__(self, bot: Assistant, store: FeedbackStore, settings: Settings | None = None) -> None:
        self.bot = bot  # replaced whole by reload(); a handler reads it once per call
        self.store = store
        # What reload() loads from; None (no login, or no settings given): no reloading.
        self.reload_settings = settings if settings is not None and settings.auth_user else None
        # 收录新政策 (管理 tab): one background add-policy job at a time, only behind a login.
        self.publisher = PolicyPublisher(self.reload_settings) if self.reload_settings is not None else None
        self.slots = max([len(r.params) for r in bot.rules.values()] + [1])
        # Page loads (gradio session hashes) that have asked a question: a reload's restore event that
        # the queue runs after the first answer must not put the stored conversation over it.
        self._asked: OrderedDict[str, None] = OrderedDict()
        self._asked_lock = threading.Lock()

    @property
    def corpus(self) -> Corpus:
        return self.bot.corpus

    # ---- 智能问答 ---------------------------------------------------------------------------
    def ask(self, question: str, messages: list[dict] | None, history: list[list[str]] | None,
            turns: list[dict] | None, request: gr.Request | None = None,
            ) -> tuple[list[dict], str, list[list[str]], list[dict], str]:
        """Answer one question in the conversation; a failure becomes a Chinese line in the chat.

        Returns (chat, input box, history, turns, the answer as plain text for 「复制回答」).  A question
        over the length limit is not sent: it stays in the box and a Chinese line says why.
        """
        self.note_asked(request)
        messages, history, turns = list(messages or []), list(history or []), list(turns or [])
        latest = turns[-1]["copy"] if turns and "copy" in turns[-1] else ""
        if not (question or "").strip():
            warn("请输入问题，例如「哈尔滨第十一条讲什么」。")
            return messages, question or "", history, turns, latest
        bot = self.bot
        limit = bot.settings.max_question_chars
        if len(question) > limit:
            warn(f"问题共 {len(question)} 字，超过 {limit} 字的上限，没有发送。原文仍在输入框中，"
                 f"请删去多余内容（例如只保留问题本身）后再发送。")
            return messages, question, history, turns, latest
        today = bot.clock()
        try:
            reply = bot.ask(question, history=[(role, text) for role, text in history])
            shown = show.reply_messages(reply, bot.corpus, today)
            text, citations = reply.text, [c.to_dict() for c in reply.citations]
            kept = show.kept_turn(question, reply, bot.corpus, today)
            copy = show.answer_copy_text(reply, bot.corpus, today)
            history += [["user", question], ["assistant", reply.text]]
            route = reply.route
            self.log_unanswered(question, reply, turns)
        except Exception as error:  # the edge: log it, say one Chinese line, keep the chat
            if not isinstance(error, AssistantError):
                logger.exception("answering failed")
            text, citations = show.failure_message(error), []
            shown = [{"role": "assistant", "content": show.escape_markdown(text)}]
            kept, copy, route = show.failed_turn(question, text), text, "failed"
            warn(text)
        turns.append({"index": len(messages) + 1, "question": question, "reply": text, "citations": citations,
                      "route": route, "copy": copy, "kept": kept.to_dict()})
        return [*messages, show.user_message(question), *shown], "", history, turns, copy

    def log_unanswered(self, question: str, reply: Any, turns: list[dict]) -> None:
        """Note for the admin view a question the assistant could not answer; never fails the answer."""
        kind = unanswered_kind(reply.route, bool(reply.citations), turns[-1].get("route") if turns else None)
        if kind is None:
            return
        try:
            self.store.record_unanswered(question, reply.text, kind)
        except AssistantError:
            logger.exception("could not log an unanswered question")

    def note_asked(self, request: gr.Request | None) -> None:
        """Remember that this page load has asked (the last 4096 page loads are remembered)."""
        session = getattr(request, "session_hash", None)
        if not session:
            return
        with self._asked_lock:
            self._asked[session] = None
            self._asked.move_to_end(session)
            while len(self._asked) > 4096:
                self._asked.popitem(last=False)

    def has_asked(self, request: gr.Request | None) -> bool:
        session = getattr(request, "session_hash", None)
        with self._asked_lock:
            return bool(session) and session in self._asked

    def restore(self, saved: dict | None, shown: list[dict] | None = None,
                request: gr.Request | None = None) -> tuple[Any, ...]:
        """The conversation kept in this browser (gr.BrowserState), shown again after a reload.

        A question asked before this page-load event ran (a fast typist, a busy queue) has started a
        new conversation: that one is kept, not replaced by the stored one — whether the question is
        already shown when the event was sent, or was answered before the queue ran the event (the
        event's inputs were taken before the question, so only the page load's own record tells).
        """
        if shown or self.has_asked(request):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        saved = saved if isinstance(saved, dict) else {}
        turns = [t for t in saved.get("turns") or [] if isinstance(t, dict)]
        latest = turns[-1].get("copy", "") if turns else ""
        return list(saved.get("messages") or []), list(saved.get("history") or []), turns, latest

    @staticmethod
    def keep(messages: list[dict] | None, history: list[list[str]] | None, turns: list[dict] | None) -> dict:
        """What the browser keeps across reloads: the chat shown, the history sent back, the turns."""
        return {"messages": messages or [], "history": history or [], "turns": turns or []}

    def export(self, turns: list[dict] | None, kind: str) -> Any:
        """The conversation as a Markdown or Word file to download; a Chinese line if there is nothing yet."""
        kept = [show.KeptTurn.from_dict(t["kept"]) for t in turns or [] if isinstance(t.get("kept"), dict)]
        if not kept:
            warn("还没有对话可以导出：先问一个问题。")
            return gr.File(value=None, visible=False)
        today = self.bot.clock()
        folder = Path(tempfile.mkdtemp(prefix="export-"))
        name = f"政策助手对话-{today.isoformat()}"
        if kind == "docx":
            path = folder / f"{name}.docx"
            path.write_bytes(show.conversation_docx(kept, today))
        else:
            path = folder / f"{name}.md"
            path.write_text(show.conversation_markdown(kept, today), encoding="utf-8")
        return gr.File(value=str(path), visible=True)

    def chat_report(self, history: list[list[str]] | None) -> tuple[Any, Any]:
        """The PDF and Word reports of the chat's latest reply when it was a match (政策体检), else nothing."""
        latest = show.last_match(history or [])
        if latest is None:
            return gr.File(value=None, visible=False), gr.File(value=None, visible=False)
        question, earlier = latest
        reply = self.bot.ask(question, history=earlier)
        description = profile_turns(question, earlier)
        today = self.bot.clock()
        return (gr.File(value=str(show.write_report(reply, description, today, kind="pdf")), visible=True),
                gr.File(value=str(show.write_report(reply, description, today, kind="docx")), visible=True))

    # ---- 政策体检 ---------------------------------------------------------------------------
    def checkup(self, place: str, industry: str | None, scale: str | None, projects: list[str] | None,
                listing: str | None, figures: str) -> tuple[str, list[list[str]], Any, Any]:
        """The form as one description, matched by the same engine as the chat; the list, the PDF and the
        Word report."""
        try:
            description = show.describe_company(place, industry, scale, projects, listing, figures)
        except ValueError as error:
            warn(str(error))
            return (show.escape_markdown(str(error)), [], gr.File(value=None, visible=False),
                    gr.File(value=None, visible=False))
        reply = self.bot.check_company(description)
        today = self.bot.clock()
        files = [gr.File(value=str(show.write_report(reply, [description], today, kind=kind)), visible=True)
                 if reply.route == "match" else gr.File(value=None, visible=False) for kind in ("pdf", "docx")]
        return show.checkup_summary(reply), show.benefit_rows(reply), files[0], files[1]

    def vote(self, turns: list[dict] | None, index: int, liked: bool | str) -> tuple[int | None, str]:
        """Store 👍/👎 for the reply whose messages include `index`; returns (feedback id, status line)."""
        turn = next((t for t in reversed(turns or []) if t["index"] <= index), None)
        if turn is None or liked not in (True, False):
            return None, ""
        vote = "up" if liked is True else "down"
        try:
            feedback_id = self.store.record(turn["question"], turn["reply"], turn["citations"], vote)
        except AssistantError as error:
            warn(str(error))
            return None, f"反馈没能保存：{show.escape_markdown(str(error))}"
        return feedback_id, f"已记录您的反馈（{VOTE_NAMES[vote]}）。可在下面补充原因（选填）。"

    def on_like(self, turns: list[dict], data: gr.LikeData) -> tuple[int | None, Any, Any]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        feedback_id, status = self.vote(turns, int(index), data.liked)
        if feedback_id is not None:  # a toast at the top of the screen, wherever the answer is scrolled to
            gr.Info(html.escape(status.split("。")[0] + "。"), duration=3)
        return feedback_id, gr.Markdown(status, visible=bool(status)), gr.Row(visible=feedback_id is not None)

    def give_reason(self, feedback_id: int | None, reason: str) -> tuple[str, str]:
        """Attach the optional reason to the vote just given."""
        if feedback_id is None:
            return "请先点击回答下方的 👍 或 👎。", reason
        if not (reason or "").strip():
            return "原因为空，未修改。", reason
        try:
            self.store.set_reason(feedback_id, reason)
        except AssistantError as error:
            warn(str(error))
            return f"原因没能保存：{show.escape_markdown(str(error))}", reason
        return "谢谢！原因已记录。", ""

    # ---- 条款查询 ---------------------------------------------------------------------------
    def open_document(self, doc_id: str) -> list[list[str]]:
        """The chosen document's clauses in order."""
        document = self.corpus.document(doc_id)
        return show.clause_rows(document) if document else []

    def open_clause(self, doc_id: str, number: str) -> tuple[str, str]:
        """Jump to a clause by number (「11」「第十一条」「附则」): (heading markdown, text to copy)."""
        try:
            clause_id = show.parse_clause_number(number)
        except ValueError as error:
            warn(str(error))
            return show.escape_markdown(str(error)), ""
        clause = self.corpus.clause(doc_id, clause_id)
        if clause is None:
            document = self.corpus.document(doc_id)
            message = f"{document.short_title if document else doc_id}没有「{number}」这一条。"
            warn(message)
            return show.escape_markdown(message), ""
        today = self.bot.clock()
        return show.clause_heading(self.corpus, clause, today), show.clause_copy_text(self.corpus, clause, today)

    def select_clause(self, doc_id: str, event: gr.SelectData) -> tuple[str, str, str]:
        label = str(event.row_value[0])
        return (label, *self.open_clause(doc_id, label))

    def search(self, keyword: str) -> tuple[list[list[str]], str]:
        """Clauses of every document containing all the keywords, matches highlighted."""
        bot = self.bot
        found = bot.find_keywords(keyword or "")
        if not (keyword or "").strip():
            return [], "请输入关键词，多个关键词用空格分开。"
        summary = f"共找到 {len(found)} 条包含「{show.escape_markdown(keyword.strip())}」的条款。点击一行查看全文。"
        return show.search_rows(bot.corpus, found), summary

    def select_result(self, event: gr.SelectData) -> tuple[str, str, str, str]:
        title, label = html.unescape(str(event.row_value[0])), html.unescape(str(event.row_value[1]))
        document = next((d for d in self.corpus.documents if d.short_title == title), None)
        doc_id = document.doc_id if document else ""
        return (doc_id, label, *self.open_clause(doc_id, label))

    # ---- 补贴计算器 -------------------------------------------------------------------------
    def pick_document(self, doc_id: str) -> Any:
        choices = show.rules_by_document(self.corpus, self.bot.rules).get(doc_id, [])
        return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

    def pick_rule(self, rule_id: str | None) -> list[Any]:
        """The rule's clause text and a form field per parameter (unused slots hidden)."""
        rule = self.bot.rules.get(rule_id or "")
        fields = show.form_fields(rule) if rule else []
        updates: list[Any] = [show.rule_markdown(rule) if rule else ""]
        for slot in range(self.slots):
            field = fields[slot] if slot < len(fields) else None
            if field is None:
                updates += [gr.Textbox(value="", visible=False), gr.Dropdown(choices=[], value=None, visible=False)]
                continue
            text, choice = field.widget == "text", field.widget == "choice"
            updates.append(gr.Textbox(label=field.label, placeholder=field.placeholder, value="", visible=text))
            updates.append(gr.Dropdown(label=field.label, choices=list(field.choices), value=None, visible=choice))
        return [*updates, "", [], ""]

    def calculate(self, rule_id: str | None, *values: Any) -> tuple[str, list[list[str]], str]:
        """Run the same engine as the chat: (result lines, worksheet rows, validity notice)."""
        bot = self.bot
        rule = bot.rules.get(rule_id or "")
        if rule is None:
            warn("请先选择一条计算规则。")
            return "请先选择一条计算规则。", [], ""
        fields = show.form_fields(rule)
        typed = {f.name: values[2 * i + (1 if f.widget == "choice" else 0)] for i, f in enumerate(fields)}
        try:
            calculation = bot.calculate(rule.rule_id, show.form_inputs(rule, typed))
        except (MissingParameters, ValueError, KeyError) as error:
            message = str(error.args[0]) if isinstance(error, KeyError) else str(error)
            warn(message)
            return f"无法计算：{show.escape_markdown(message)}", [], ""
        _, rows = show.worksheet_rows(calculation)
        headline = show.calculation_headline(calculation)
        notice = show.validity_note(bot.corpus, rule.doc_id, bot.clock())
        return headline, rows, show.escape_markdown(notice)

    # ---- 管理（登录后） ----------------------------------------------------------------------
    def admin(self, since: str, until: str) -> tuple[list[list[str]], list[list[str]], str]:
        """👎 answers with reasons and unanswered questions between two days (blank: no bound)."""
        try:
            start, end = show.parse_day(since, "开始日期"), show.parse_day(until, "结束日期")
            votes, unanswered = self.store.rows(start, end), self.store.unanswered_rows(start, end)
        except (ValueError, AssistantError) as error:
            warn(str(error))
            return [], [], show.escape_markdown(str(error))
        down, missed = show.downvote_rows(votes), show.unanswered_table(unanswered)
        return down, missed, f"👎 反馈 {len(down)} 条，未能回答的问题 {len(missed)} 条。"

    def admin_export(self, since: str, until: str) -> Any:
        """The admin view's two tables as one CSV file (UTF-8 with BOM, so Excel shows the Chinese)."""
        down, missed, _ = self.admin(since, until)
        path = Path(tempfile.mkdtemp(prefix="admin-")) / f"反馈与未回答-{self.bot.clock().isoformat()}.csv"
        path.write_text(show.admin_csv(down, missed), encoding="utf-8-sig")
        return gr.File(value=str(path), visible=True)

    # ---- 收录新政策（管理，登录后） ------------------------------------------------------------
    def _draft_upload(self, path: str | None, fields: dict[str, str] | None) -> tuple[PolicyDraft, dict[str, Any]]:
        """The upload drafted as `add-policy FILE` would, the form's changed fields as its flags: (draft, flags)."""
        if self.reload_settings is None:
            raise IngestError("只有以登录方式启动的网页服务才能收录新政策。")
        if not path:
            raise IngestError("请先选择要收录的政策文件（.pdf、.docx 或 .txt）。")
        read, corpus_dir = read_policy(Path(path)), self.reload_settings.corpus_dir
        today, via = self.bot.clock(), "网页「管理 → 收录新政策」"
        draft = draft_policy(read, {}, corpus_dir, today, via)
        overrides = overrides_from_fields(fields, draft.metadata) if fields else {}
        return (draft_policy(read, overrides, corpus_dir, today, via) if overrides else draft), overrides

    def preview_upload(self, path: str | None, *values: str) -> tuple[Any, ...]:
        """Clauses, metadata and drafted rules of the uploaded file; `values` are the form's fields
        (EDITABLE_FIELDS, none on a fresh upload).  Returns (summary, clauses, metadata, rules,
        rule checkboxes, what was previewed, *fields)."""
        fields = dict(zip(EDITABLE_FIELDS, values, strict=True)) if values else None
        try:
            draft, overrides = self._draft_upload(path, fields)
        except IngestError as error:
            warn(str(error))
            empty = gr.CheckboxGroup(choices=[], value=[])
            return (f"❌ {show.escape_markdown(str(error))}", [], [], [], empty, None,
                    *[gr.skip()] * len(EDITABLE_FIELDS))
        views = draft.draft_views()
        choices = show.upload_rule_choices(views)
        previewed = {"path": path, "overrides": overrides, "rule_ids": [v.rule_id for v in views]}
        # the form shows what will be written; an empty 层级 stays unchosen rather than an invalid ""
        shown: list[str | None] = [str(draft.metadata.get(key) or "") or None if key == "jurisdiction"
                                   else str(draft.metadata.get(key) or "") for key in EDITABLE_FIELDS]
        return (show.upload_summary(draft), show.upload_clause_rows(draft), show.upload_meta_rows(draft),
                show.upload_rule_rows(views), gr.CheckboxGroup(choices=choices, value=[c[1] for c in choices]),
                previewed, *shown)

    def publish(self, previewed: dict | None, kept: list[str] | None, *values: str) -> Iterator[tuple[Any, ...]]:
        """Write the previewed policy (the adopted rules only) and rebuild the index in the background,
        showing progress; when it is done the app answers from the new policies.  Yields (progress,
        heading, the two tabs' documents, about) — only the progress until the switch."""
        unchanged = [gr.skip()] * 5
        try:
            if self.publisher is None:
                raise IngestError("只有以登录方式启动的网页服务才能收录新政策。")
            self.publisher.check_idle()  # before drafting: the running job's files are already in corpus/
            if not previewed:
                raise IngestError("请先上传政策文件，核对预览后再确认收录。")
            draft, overrides = self._draft_upload(previewed["path"], dict(zip(EDITABLE_FIELDS, values, strict=True)))
            if overrides != previewed["overrides"]:
                raise IngestError("上面的信息修改后还没有重新预览：请先点「按填写的信息重新预览」，核对后再确认收录。")
            if draft.missing:
                needed = "、".join(FIELDS[key][0] for key in draft.missing)
                raise IngestError(f"还缺少{needed}，未收录：请在上面填写后重新预览。")
            draft.draft_views()  # the rule ids as previewed and as written
            draft.refuse_rules(set(previewed["rule_ids"]) - set(kept or []))
            self.publisher.start(draft, self._switch_to_new_policies)
        except IngestError as error:
            warn(str(error))
            yield (f"❌ {show.escape_markdown(str(error))}", *unchanged)
            return
        while (progress := self.publisher.progress).running:
            yield (show.publish_markdown(progress), *unchanged)
            time.sleep(1)
        if not progress.succeeded:
            warn(progress.message)
            yield (show.publish_markdown(progress), *unchanged)
            return
        documents, rule_documents = document_choices(self.bot)
        yield (show.publish_markdown(progress), show.intro_markdown(self.bot.corpus), gr.Dropdown(choices=documents),
               gr.Radio(choices=rule_documents), *self.about())

    def _switch_to_new_policies(self) -> str:
        """Load corpus/ and the index just built and answer from them (run by the publisher's thread)."""
        assert self.reload_settings is not None
        bot = Assistant.load(self.reload_settings, clock=self.bot.clock, build_if_missing=False, wait_for_model=True)
        needed = max([len(r.params) for r in bot.rules.values()] + [1])
        if needed > self.slots:  # the calculator's input boxes are laid out once, at start-up
            raise IngestError(f"新的计算规则需要 {needed} 个输入项，计算器只有 {self.slots} 个，需重启网页服务")
        self.bot = bot
        return f"助手已切换到新的政策库（共 {len(bot.corpus.documents)} 份政策），现在就可以提问。"

    # ---- 关于 -------------------------------------------------------------------------------
    def about(self) -> tuple[list[list[str]], str]:
        about = self.bot.about()
        return show.about_rows(about), show.about_markdown(about)

    def reload(self) -> tuple[Any, ...]:
        """Load corpus/ and the index again and switch to them, so policies added since start-up are answered.

        Questions already running finish on the old Assistant; a stale or missing index or a broken
        policy file keeps it and says why.  Returns (status, heading, the two tabs' documents, about).
        """
        if self.reload_settings is None:
            return self._refuse_reload("只有以登录方式启动的网页服务才能在此重新加载政策库；请重启网页服务。")
        try:
            bot = Assistant.load(self.reload_settings, clock=self.bot.clock, build_if_missing=False)
        except Exception as error:  # the edge: log the unexpected, keep serving the old policies
            if not isinstance(error, AssistantError):
                logger.exception("reloading the policies failed")
            reason = str(error) if isinstance(error, AssistantError) else f"程序内部出错（{type(error).__name__}）"
            return self._refuse_reload(f"政策库未重新加载，仍使用原来的 {len(self.corpus.documents)} 份政策：{reason}")
        needed = max([len(r.params) for r in bot.rules.values()] + [1])
        if needed > self.slots:  # the calculator's input boxes are laid out once, at start-up
            return self._refuse_reload(f"新的计算规则需要 {needed} 个输入项，计算器只有 {self.slots} 个："
                                       "请重启网页服务以加载新政策。")
        added = "、".join(f"《{d.title}》" for d in bot.corpus.documents if self.corpus.document(d.doc_id) is None)
        self.bot = bot
        status = f"已重新加载政策库：共 {len(bot.corpus.documents)} 份政策" + (f"，新增{added}。" if added else "。")
        documents, rule_documents = document_choices(bot)
        return (show.escape_markdown(status), show.intro_markdown(bot.corpus), gr.Dropdown(choices=documents),
                gr.Radio(choices=rule_documents), *self.about())

    def _refuse_reload(self, message: str) -> tuple[Any, ...]:
        warn(message)
        return show.escape_markdown(message), *[gr.skip()] * 5  # everything else stays as it is


COPY_JS = """(text) => {
  if (!text) { return; }
  const done = () => { const b = document.querySelector('#chat-copy-status'); if (b) { b.textContent = '已复制'; } };
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done); return; }
  const area = document.createElement('textarea');  // plain-HTTP deployments have no clipboard API
  area.value = text; document.body.appendChild(area); area.select();
  document.execCommand('copy'); area.remove(); done();
}"""
# A clicked result or a phone look-up loads the clause below the fold: bring it into view.
SCROLL_TO_CLAUSE_JS = """() => { setTimeout(() => {
  const target = document.querySelector('#clause-heading'); if (target) { target.scrollIntoView({block: 'start'}); }
}, 50); }"""


class Page:
    """What the tab builders share: the handlers, the settings and the components others listen to."""

    def __init__(self, bot: Assistant, settings: Settings, handlers: Handlers) -> None:
        self.bot, self.settings, self.handlers = bot, settings, handlers
        self.components: dict[str, Any] = {}


TabBuilder = Callable[[Page], None]


def build_chat_tab(page: Page) -> None:
    """智能问答: the chat, kept in the browser across reloads, with copy, export and 👍/👎."""
    handlers = page.handlers
    with gr.Tab("智能问答", id="chat"):
        copy_answer = gr.Button("复制回答", size="sm")
        chatbot = gr.Chatbot(elem_id="chat", label="对话", height="65vh", latex_delimiters=[], allow_tags=False,
                             buttons=[copy_answer], placeholder="您好！请问与黑龙江省、哈尔滨市工业扶持政策有关的问题，"
                             "例如条款内容、申报条件或补贴金额。")
        history, turns, feedback_id = gr.State([]), gr.State([]), gr.State(None)
        saved = gr.BrowserState({"messages": [], "history": [], "turns": []}, storage_key="longjiang-policy-chat")
        latest = gr.Textbox(visible=False, elem_id="chat-latest")
        status = gr.Markdown(visible=False, elem_id="feedback-status")
        with gr.Row(visible=False) as reason_row:
            reason = gr.Textbox(show_label=False, placeholder="原因（选填），如：引用的条款不对、金额有误", scale=5)
            send_reason = gr.Button("提交原因", scale=1, min_width=80)
        with gr.Row(equal_height=True, elem_id="chat-input"):
            limit = page.settings.max_question_chars
            question = gr.Textbox(show_label=False, placeholder="输入问题，按回车发送", scale=5,
                                  info=f"最多 {limit} 字；超出时不会截断，会提示您删减。")
            send = gr.Button("发送", variant="primary", scale=1, min_width=80)
        examples = gr.Dataset(components=[question], samples=[[q] for q in EXAMPLES], label="示例问题（点击即问）",
                              elem_id="chat-examples")
        with gr.Row(elem_id="chat-tools"):
            export_md = gr.Button("导出 Markdown", size="sm", min_width=120)
            export_docx = gr.Button("导出 Word", size="sm", min_width=120)
            copy_status = gr.HTML("", elem_id="chat-copy-status")
        exported = gr.File(label="导出的对话", visible=False, elem_id="chat-export")
        chat_pdf = gr.File(label="下载政策体检报告（PDF）", visible=False, elem_id="chat-report")
        chat_docx = gr.File(label="下载政策体检报告（Word）", visible=False, elem_id="chat-report-docx")
    chat_in, chat_out = [question, chatbot, history, turns], [chatbot, question, history, turns, latest]
    keep = {"fn": handlers.keep, "inputs": [chatbot, history, turns], "outputs": saved, "api_visibility": PRIVATE}
    gr.on([question.submit, send.click], handlers.ask, chat_in, chat_out, api_name="ask").then(**keep).then(
        handlers.chat_report, history, [chat_pdf, chat_docx], api_visibility=PRIVATE)
    examples.click(lambda sample: sample[0], examples, question, api_visibility=PRIVATE).then(
        handlers.ask, chat_in, chat_out, api_visibility=PRIVATE).then(**keep)
    copy_answer.click(None, latest, None, js=COPY_JS)
    chatbot.like(handlers.on_like, [turns], [feedback_id, status, reason_row], api_visibility=PRIVATE)
    gr.on([send_reason.click, reason.submit], handlers.give_reason, [feedback_id, reason], [status, reason],
          api_name="reason")
    # The chatbot's own 清空对话 (trash) button empties the display; forget the conversation with it.
    chatbot.clear(lambda: ([], [], None, gr.Markdown(visible=False), gr.Row(visible=False), "",
                           {"messages": [], "history": [], "turns": []}), None,
                  [history, turns, feedback_id, status, reason_row, latest, saved], api_visibility=PRIVATE)
    export_md.click(lambda t: handlers.export(t, "md"), turns, exported, api_visibility=PRIVATE)
    export_docx.click(lambda t: handlers.export(t, "docx"), turns, exported, api_visibility=PRIVATE)
    page.components.update(chatbot=chatbot, history=history, turns=turns, latest=latest, saved=saved,
                           copy_status=copy_status)


def build_clause_tab(page: Page) -> None:
    """条款查询: a document's clauses, a clause by number, keyword search over all documents."""
    handlers, bot = page.handlers, page.bot
    documents, _ = document_choices(bot)
    with gr.Tab("条款查询", id="clauses"):
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                document = gr.Dropdown(documents, value=documents[0][1], label="政策文件")
                with gr.Row(equal_height=True):
                    number = gr.Textbox(label="条款号", placeholder="如 11 或 第十一条", scale=3, min_width=120)
                    jump = gr.Button("查看", scale=1, min_width=70)
                clauses = gr.Dataframe(value=show.clause_rows(bot.corpus.documents[0]), headers=show.CLAUSE_HEADERS,
                                       wrap=True, interactive=False, label="全部条款（点击一行查看全文）",
                                       max_height=460, column_widths=["18%", "34%", "24%", "24%"])
            with gr.Column(scale=3, min_width=300):
                heading = gr.Markdown("请选择条款：点击左侧列表中的一行，或输入条款号。", elem_id="clause-heading")
                clause_text = gr.Textbox(label="条文（含引用与有效期，点右上角复制）", lines=10, max_lines=30,
                                         interactive=False, buttons=["copy"], elem_id="clause-text")
        with gr.Row(equal_height=True):
            keyword = gr.Textbox(label="关键词搜索（全部文件；括号、全半角、大小写不限，常用说法自动扩展）",
                                 placeholder="如 贴息 或 上市 补助 或 首台套", scale=5)
            find = gr.Button("搜索", scale=1, min_width=70)
        summary = gr.Markdown()
        results = gr.Dataframe(headers=show.SEARCH_HEADERS, datatype=["str", "str", "html", "html"], wrap=True,
                               interactive=False, label="搜索结果（点击一行查看全文）", elem_id="search-results",
                               column_widths=["18%", "12%", "20%", "50%"])
    document.change(handlers.open_document, document, clauses, api_name="clauses")
    gr.on([jump.click, number.submit], handlers.open_clause, [document, number], [heading, clause_text],
          api_name="clause").then(None, None, None, js=SCROLL_TO_CLAUSE_JS)
    clauses.select(handlers.select_clause, document, [number, heading, clause_text], api_visibility=PRIVATE).then(
        None, None, None, js=SCROLL_TO_CLAUSE_JS)
    gr.on([find.click, keyword.submit], handlers.search, keyword, [results, summary], api_name="search")
    results.select(handlers.select_result, None, [document, number, heading, clause_text],
                   api_visibility=PRIVATE).then(None, None, None, js=SCROLL_TO_CLAUSE_JS)
    page.components.update(document=document)


def build_calculator_tab(page: Page) -> None:
    """补贴计算器: a rule's parameters as a form, computed by the same engine as the chat."""
    handlers, bot = page.handlers, page.bot
    _, rule_docs = document_choices(bot)
    grouped = show.rules_by_document(bot.corpus, bot.rules)
    with gr.Tab("补贴计算器", id="calculator"):
        first_doc = rule_docs[0][1] if rule_docs else None
        first_rules = grouped.get(first_doc or "", [])
        rule_doc = gr.Radio(rule_docs, value=first_doc, label="政策文件")
        # Custom values are allowed so that API callers need not pick the document first;
        # an unknown rule id or choice is refused by the handler and the engine, in Chinese.
        rule = gr.Dropdown(first_rules, value=first_rules[0][1] if first_rules else None, label="计算规则",
                           allow_custom_value=True)
        rule_text = gr.Markdown()
        slots: list[gr.components.Component] = []
        for _ in range(handlers.slots):
            with gr.Row():
                slots.append(gr.Textbox(visible=False))
                slots.append(gr.Dropdown(visible=False, choices=[], value=None, allow_custom_value=True))
        compute = gr.Button("计算", variant="primary")
        result = gr.Markdown(elem_id="calc-result")
        worksheet = gr.Dataframe(headers=["项目", "内容"], wrap=True, interactive=False, label="计算单",
                                 column_widths=["22%", "78%"], max_height=2000)
        calc_notice = gr.Markdown()
    rule_doc.change(handlers.pick_document, rule_doc, rule, api_visibility=PRIVATE)
    rule.change(handlers.pick_rule, rule, [rule_text, *slots, result, worksheet, calc_notice], api_name="rule")
    compute.click(handlers.calculate, [rule, *slots], [result, worksheet, calc_notice], api_name="calculate")
    page.components.update(rule_doc=rule_doc, rule=rule, rule_outputs=[rule_text, *slots, result, worksheet,
                                                                        calc_notice])


def build_admin_tab(page: Page) -> None:
    """管理 (only behind a login): 👎 answers with reasons and unanswered questions, by date, as CSV."""
    if not page.settings.auth_user:
        return
    handlers = page.handlers
    with gr.Tab("管理", id="admin"):
        gr.Markdown("### 👎 反馈与未能回答的问题\n日期留空表示不限；格式如 2026-11-23。")
        with gr.Row(equal_height=True):
            since = gr.Textbox(label="开始日期", placeholder="2026-11-01", min_width=120)
            until = gr.Textbox(label="结束日期", placeholder="2026-11-30", min_width=120)
            query = gr.Button("查询", variant="primary", min_width=80)
            export = gr.Button("导出 CSV", min_width=100)
        summary = gr.Markdown(elem_id="admin-summary")
        downvotes = gr.Dataframe(headers=show.DOWNVOTE_HEADERS, wrap=True, interactive=False, label="👎 反馈（含原因）",
                                 elem_id="admin-downvotes")
        unanswered = gr.Dataframe(headers=show.UNANSWERED_HEADERS, wrap=True, interactive=False,
                                  label="未能回答的问题（超出范围、未找到条款、连续反问）", elem_id="admin-unanswered")
        exported = gr.File(label="导出的 CSV", visible=False, elem_id="admin-export")
        build_policy_upload(page)
    gr.on([query.click, since.submit, until.submit], handlers.admin, [since, until], [downvotes, unanswered, summary],
          api_visibility=PRIVATE)
    export.click(handlers.admin_export, [since, until], exported, api_visibility=PRIVATE)


def build_policy_upload(page: Page) -> None:
    """管理 → 收录新政策: upload, preview (clauses, metadata, drafted rules), confirm; progress below.

    The confirm button is wired in build_demo, which has the heading and the other tabs' lists it updates.
    """
    handlers = page.handlers
    gr.Markdown("### 收录新政策\n上传 .pdf、.docx 或 .txt 政策文件，核对识别出的条款、元数据和起草的计算规则后确认。"
                "确认后写入政策库并在后台重建索引，期间助手照常按原政策库回答，完成后自动切换，无需重启。")
    upload = gr.File(label="政策文件（.pdf / .docx / .txt）", type="filepath", elem_id="upload-file")
    upload_summary = gr.Markdown(elem_id="upload-summary")
    with gr.Row():
        upload_clauses = gr.Dataframe(headers=show.UPLOAD_CLAUSE_HEADERS, wrap=True, interactive=False,
                                      label="识别出的条款", elem_id="upload-clauses", max_height=360,
                                      column_widths=["14%", "26%", "60%"])
        upload_meta = gr.Dataframe(headers=show.UPLOAD_META_HEADERS, wrap=True, interactive=False,
                                   label="从原文读出的元数据", elem_id="upload-meta", max_height=360,
                                   column_widths=["24%", "56%", "20%"])
    with gr.Row(equal_height=True):
        fields = [gr.Textbox(label="doc_id", placeholder="如 qiqihar-2023", min_width=120),
                  gr.Textbox(label="标题", min_width=200),
                  gr.Textbox(label="发文机关", placeholder="如 牡丹江市人民政府", min_width=140),
                  gr.Textbox(label="所属地区", placeholder="如 牡丹江市", min_width=100),
                  gr.Dropdown([(f"{name}（{key}）", key) for key, name in JURISDICTION_NAMES.items()], value=None,
                              label="层级", min_width=120),
                  gr.Textbox(label="印发日期", placeholder="YYYY-MM-DD", min_width=110)]
    upload_rules = gr.Dataframe(headers=show.UPLOAD_RULE_HEADERS, wrap=True, interactive=False,
                                label="起草的计算规则（原文 → 公式 → 例）", elem_id="upload-rules",
                                column_widths=["16%", "36%", "28%", "20%"])
    kept = gr.CheckboxGroup([], label="采用的计算规则（取消勾选即不采用，该句按无法计算处理）", elem_id="upload-kept")
    previewed = gr.State(None)
    with gr.Row():
        again = gr.Button("按填写的信息重新预览", min_width=160)
        publish = gr.Button("确认收录", variant="primary", min_width=120, elem_id="upload-confirm")
    publish_status = gr.Markdown(elem_id="upload-progress")
    shown = [upload_summary, upload_clauses, upload_meta, upload_rules, kept, previewed, *fields]
    upload.upload(handlers.preview_upload, upload, shown, api_visibility=PRIVATE)
    again.click(handlers.preview_upload, [upload, *fields], shown, api_visibility=PRIVATE)
    page.components.update(publish=publish, publish_inputs=[previewed, kept, *fields], publish_status=publish_status)


def build_about_tab(page: Page) -> None:
    """关于: the loaded policies with validity, the model and its licence, reloading (behind a login)."""
    handlers = page.handlers
    with gr.Tab("关于", id="about"):
        gr.Markdown("### 已收录的政策")
        policies = gr.Dataframe(headers=["政策", "文号", "状态", "有效期至", "条数"], wrap=True, interactive=False,
                                column_widths=["40%", "18%", "14%", "18%", "10%"])
        model_info = gr.Markdown()
        with gr.Row(visible=handlers.reload_settings is not None, equal_height=True):
            reload = gr.Button("重新加载政策库", scale=0, min_width=160)
            reload_status = gr.Markdown("用 `python -m assistant add-policy` 收录新政策后，点此加载，无需重启。")
    page.components.update(policies=policies, model_info=model_info, reload=reload, reload_status=reload_status)


def build_checkup_tab(page: Page) -> None:
    """政策体检: the company-matching engine behind a form, with the A4 PDF and Word reports."""
    handlers, bot = page.handlers, page.bot
    with gr.Tab("政策体检", id="checkup"):
        gr.Markdown("填写企业情况，助手按已收录政策逐条比对：可申请的列出金额和计算单，条件未说明的列出要补充的信息。")
        with gr.Row():
            place = gr.Textbox(label="企业所在地", placeholder="如 哈尔滨市南岗区、宾县、大庆市", scale=2)
            industry = gr.Radio(list(show.INDUSTRIES), label="行业", scale=2)
            scale = gr.Radio(list(show.SCALES), label="是否规上", scale=3)
        projects = gr.CheckboxGroup(show.project_choices(bot.rules.values()), elem_id="checkup-projects",
                                    label="获得的认定、开展的项目（可多选）")
        listing = gr.Dropdown(list(show.LISTING_STAGES), value=show.LISTING_STAGES[0], label="上市挂牌阶段")
        figures = gr.Textbox(label="相关数额（写明是什么的数额）", lines=2, max_length=600,
                             placeholder="如：去年产值比前年增加9000万元；首台套产品成交价700万元")
        check = gr.Button("开始体检", variant="primary", elem_id="checkup-run")
        check_summary = gr.Markdown(elem_id="checkup-summary")
        check_rows = gr.Dataframe(headers=show.BENEFIT_HEADERS, wrap=True, interactive=False, label="逐条比对结果",
                                  column_widths=["14%", "30%", "22%", "34%"], elem_id="checkup-rows")
        with gr.Row():
            check_pdf = gr.File(label="下载政策体检报告（PDF）", visible=False, elem_id="checkup-report")
            check_docx = gr.File(label="下载政策体检报告（Word）", visible=False, elem_id="checkup-report-docx")
    check.click(handlers.checkup, [place, industry, scale, projects, listing, figures],
                [check_summary, check_rows, check_pdf, check_docx], api_name="checkup")


# The tabs in order; a new tab is one more builder here (it may read what earlier tabs put in page.components).
TAB_BUILDERS: list[TabBuilder] = [build_chat_tab, build_clause_tab, build_calculator_tab, build_checkup_tab,
                                  build_admin_tab, build_about_tab]


def build_demo(bot: Assistant, settings: Settings, store: FeedbackStore | None = None,
               tabs: list[TabBuilder] | None = None) -> gr.Blocks:
    """The app over `bot` with the given tabs (default TAB_BUILDERS); feedback goes to `store`
    (default: under settings.data_dir)."""
    handlers = Handlers(bot, store or FeedbackStore.for_settings(settings), settings)
    with gr.Blocks(title="龙江惠企政策助手", analytics_enabled=False) as demo:
        intro = gr.Markdown(show.intro_markdown(bot.corpus))
        page = Page(bot, settings, handlers)
        for build in tabs or TAB_BUILDERS:
            build(page)
        parts = page.components
        if "saved" in parts:
            restored = [parts["chatbot"], parts["history"], parts["turns"], parts["latest"]]
            demo.load(handlers.restore, [parts["saved"], parts["chatbot"]], restored, api_visibility=PRIVATE)
        if "policies" in parts:
            demo.load(handlers.about, None, [parts["policies"], parts["model_info"]], api_name="about")
            if handlers.reload_settings is not None and {"document", "rule_doc"} <= parts.keys():
                parts["reload"].click(handlers.reload, None, [parts["reload_status"], intro, parts["document"],
                                                              parts["rule_doc"], parts["policies"],
                                                              parts["model_info"]], api_name="reload")
        if "publish" in parts and {"document", "rule_doc", "policies"} <= parts.keys():
            parts["publish"].click(handlers.publish, parts["publish_inputs"],
                                   [parts["publish_status"], intro, parts["document"], parts["rule_doc"],
                                    parts["policies"], parts["model_info"]], api_visibility=PRIVATE)
        if "rule" in parts:
            demo.load(handlers.pick_rule, parts["rule"], parts["rule_outputs"], api_visibility=PRIVATE)
    demo.app_kwargs = api_app_kwargs(lambda: handlers.bot, settings)  # type: ignore[attr-defined]  # /api/v1 beside the page
    return demo


def launch(demo: gr.Blocks, settings: Settings, **options: Any) -> Any:
    """Queue and serve `demo` on the settings' host and port, behind a login when one is set."""
    # Queue positions every 5 s, not per event: per-event updates cost 1/3 of throughput (docs/operating.md).
    demo.queue(default_concurrency_limit=settings.concurrency_limit, status_update_rate=5,
               max_size=settings.queue_max_size)
    auth = (settings.auth_user, settings.auth_password) if settings.auth_user else None
    options = {"server_name": settings.host, "server_port": settings.port, "auth": auth, "css": CSS, "head": PRINT_HEAD,
               "footer_links": [], "show_error": False, "app_kwargs": dict(getattr(demo, "app_kwargs", {})),
               "theme": gr.themes.Default(font=FONTS, font_mono=MONO_FONTS), **options}
    return demo.launch(**options)


def main() -> int:
    """`python ui.py`: load everything, then serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up probes
    try:
        settings = load_settings()
        bot = Assistant.load(settings)
        demo = build_demo(bot, settings)
    except AssistantError as error:
        print(f"龙江惠企政策助手无法启动：{error}", file=sys.stderr)
        return 2
    print(f"龙江惠企政策助手：http://{settings.host}:{settings.port}", flush=True)
    launch(demo, settings)
    return 0


def __getattr__(name: str) -> Any:
    # `demo` for tools that look for one (gradio reload mode); built on first use, not at import.
    if name == "demo":
        settings = load_settings()
        globals()["demo"] = build_demo(Assistant.load(settings), settings)
        return globals()["demo"]
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
