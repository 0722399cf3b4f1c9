"""The hotline workbench in headless Chromium (issue 16): copying, quotes, expiry, clause search,
keeping answers (reload, export, print) and input — the real app on a real gradio server.

Screenshots go to test-artifacts/ (workbench-*.png), at 1366×900, 390×844 and 320×640.
"""

from __future__ import annotations

import base64
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.quoting import cite_line, quote_whole
from tests.ui.test_browser import ARTIFACTS, ask, browser, clipboard, open_app, open_tab, save  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}
LOOKUP = "哈尔滨第十一条讲什么"
LISTING = "企业上市有什么补助"
CALCULATION = "技改投资3亿元，LPR 3.45%，能拿多少贴息？"


@pytest.fixture
def page(browser: Any, served: tuple[str, Any]) -> Any:  # noqa: F811
    page = open_app(browser, served[0], DESKTOP)
    yield page
    page.context.close()


def expiry(day: str) -> str:
    return f"（该政策已于{day}到期）"


# ---- 1. copying ----------------------------------------------------------------------------------
def test_a_citations_copy_button_gives_the_plain_citation_with_its_expiry(page: Any, bot) -> None:
    ask(page, LOOKUP)
    chat = page.locator("#chat")
    chat.get_by_text("依据 · 哈尔滨市工业强市政策 第十一条 降低企业融资成本").click()
    clause = bot.corpus.clause("harbin", "11")
    expected = f"{cite_line(bot.corpus, clause)}：{quote_whole(clause)}{expiry('2024年8月24日')}"
    block = chat.locator("pre code").filter(has_text="第十一条 降低企业融资成本").last
    block.locator("xpath=../..").locator("button.copy_code_button").click()
    assert clipboard(page) == expected
    assert expected.startswith("《关于加快推动哈尔滨市制造业高质量发展实现工业强市的若干政策措施》"
                               "（哈政规〔2021〕10号）第十一条")


def test_copying_an_answer_gives_plain_text_without_markdown_or_repeated_quotes(page: Any, bot) -> None:
    ask(page, CALCULATION)
    page.locator("#chat button[aria-label='复制回答']").click()
    page.wait_for_timeout(300)
    copied = clipboard(page)
    reply = bot.ask(CALCULATION)
    assert "2070万元" in copied and "3.45%" in copied
    assert "\\" not in copied and "```" not in copied and "**" not in copied
    for citation in reply.citations:
        assert copied.count(citation.quote) == 1  # each quote once
    assert "应得：2070万元" in copied  # the worksheet as 「项目：内容」 lines
    assert expiry("2025年12月31日") in copied
    ask(page, LOOKUP)
    page.locator("#chat button[aria-label='复制回答']").click()
    page.wait_for_timeout(300)
    lookup = clipboard(page)
    quote = bot.ask(LOOKUP).citations[0].quote
    assert lookup.count(quote) == 1 and "2070万元" not in lookup  # the latest answer, not the first


# ---- 2. quotes that keep the answer -----------------------------------------------------------------
def test_a_listing_question_shows_every_stage_of_the_measure(page: Any) -> None:
    ask(page, LISTING)
    answer = page.locator("#chat .bot-row").first.inner_text()
    for stage in ("一次性补助300万元", "对新三板挂牌的企业，一次性补助200万元",
                  "北交所公开发行并上市的，一次性补助800万元"):
        assert stage in answer, stage


# ---- 3. expiry ----------------------------------------------------------------------------------------
def test_expiry_is_a_compact_badge_in_the_chat_and_a_note_in_the_clause_panel(browser: Any, served, bot) -> None:  # noqa: F811
    page = open_app(browser, served[0], PHONE)
    try:
        ask(page, LISTING)
        badge = page.locator("#chat").get_by_text("⚠️ 已到期 · 黑龙江省工业振兴政策至2025年12月31日", exact=False).first
        badge.wait_for(state="visible", timeout=30_000)  # the answer renders after the reply arrives
        assert badge.bounding_box()["height"] < 120  # one or two lines, not most of the screen
        continuation = "有效期期满后，涉及有效期内的奖励和补助条款延续至政策执行完毕"
        notice = page.locator("#chat").get_by_text(continuation, exact=False)
        assert notice.count() == 0 or not notice.first.is_visible()  # folded until asked for
        badge.click()
        notice.first.wait_for()
        save(page, "workbench-phone-expiry")

        open_tab(page, "条款查询")
        page.get_by_placeholder("如 11 或 第十一条").fill("11")
        page.get_by_role("button", name="查看").click()
        box = page.locator("#clause-text textarea")
        page.wait_for_function("e => e.value.includes('降低企业融资成本')", arg=box.element_handle())
        badge_text = page.locator(".expired-badge").first.inner_text()
        assert badge_text.startswith("⚠️ 已到期 · 哈尔滨市工业强市政策至2024年8月24日")
        assert box.input_value().endswith(expiry("2024年8月24日"))
        page.locator("#clause-text button[aria-label*='opy' i], #clause-text button[title*='opy' i]").first.click()
        assert clipboard(page).endswith(expiry("2024年8月24日"))
    finally:
        page.context.close()


# ---- 4. clause search ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("keyword", "clauses"), [
    ("首台套", {"第六条", "第19条"}),
    ("首台(套)", {"第六条", "第19条"}),
    ("lpr", {"第1条"}),
])
def test_clause_search_folds_brackets_width_case_and_the_thesaurus(page: Any, keyword: str, clauses: set[str]) -> None:
    open_tab(page, "条款查询")
    page.get_by_placeholder("如 贴息 或 上市 补助 或 首台套").fill(keyword)
    page.get_by_role("button", name="搜索").click()
    page.get_by_text(f"共找到 {len(clauses)} 条").wait_for()
    rows = page.locator("#search-results [role=row]")
    found = {rows.nth(i).locator("[role=gridcell]").nth(1).inner_text().strip() for i in range(1, rows.count())}
    assert found - {""} == clauses
    assert page.locator("#search-results mark").count() >= len(clauses)


def test_a_clicked_result_and_a_phone_lookup_scroll_to_the_clause(browser: Any, served) -> None:  # noqa: F811
    page = open_app(browser, served[0], PHONE)
    try:
        open_tab(page, "条款查询")
        page.get_by_placeholder("如 贴息 或 上市 补助 或 首台套").fill("首台套")
        page.get_by_role("button", name="搜索").click()
        page.get_by_text("共找到 2 条").wait_for()
        page.locator("[role=gridcell]", has_text="第19条").first.click()
        box = page.locator("#clause-text textarea")
        page.wait_for_function("e => e.value.includes('支持企业研发新产品')", arg=box.element_handle())
        page.wait_for_timeout(600)
        top = page.locator("#clause-heading").bounding_box()["y"]
        assert -5 <= top < PHONE["height"] / 2, top  # scrolled into view
        page.evaluate("window.scrollTo(0, 0)")
        page.get_by_placeholder("如 11 或 第十一条").fill("3")
        page.get_by_role("button", name="查看").click()
        page.wait_for_function("e => e.value.includes('第3条')", arg=box.element_handle())
        page.wait_for_timeout(600)
        assert -5 <= page.locator("#clause-heading").bounding_box()["y"] < PHONE["height"] / 2
        save(page, "workbench-phone-clause")
    finally:
        page.context.close()


# ---- 6. input ---------------------------------------------------------------------------------------------
def test_a_paste_over_the_limit_is_kept_and_the_limit_said(page: Any, served) -> None:
    limit = served[1].max_question_chars
    pasted = "我们公司情况如下。" * (limit // 9 + 100) + "请问技改贴息怎么算？"
    box = page.get_by_placeholder("输入问题，按回车发送")
    box.fill(pasted)
    assert box.input_value() == pasted  # nothing cut on paste
    box.press("Enter")
    toast = page.get_by_test_id("toast-text").first
    toast.wait_for()
    assert f"超过 {limit} 字的上限" in toast.inner_text()
    assert box.input_value() == pasted and page.locator("#chat .bot-row").count() == 0


def test_the_vote_confirmation_shows_next_to_the_answer(page: Any) -> None:
    ask(page, LISTING)
    page.locator("#chat .message-buttons-left").last.locator("button[aria-label='踩']").click()
    status = page.get_by_text("已记录您的反馈（有问题）").last
    status.wait_for()
    box = status.bounding_box()
    assert box is not None and box["y"] < DESKTOP["height"], box  # on screen, without scrolling


def test_at_320_pixels_every_tab_is_a_visible_tab(browser: Any, served) -> None:  # noqa: F811
    page = open_app(browser, served[0], SMALL_PHONE)
    try:
        tabs = page.get_by_role("tab")
        assert tabs.count() == 5  # 智能问答 条款查询 补贴计算器 政策体检 关于 (管理 only behind a login)
        for index in range(tabs.count()):
            assert tabs.nth(index).is_visible()
            assert tabs.nth(index).bounding_box()["x"] + tabs.nth(index).bounding_box()["width"] <= SMALL_PHONE["width"]
        assert page.locator(".overflow-menu").first.is_hidden()
        tabs.nth(tabs.count() - 1).click()
        page.get_by_text("MIT 许可", exact=False).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
        save(page, "workbench-320-about")
    finally:
        page.context.close()


# ---- 5. keeping answers -------------------------------------------------------------------------------------
def test_the_conversation_survives_a_reload(page: Any) -> None:
    ask(page, LOOKUP)
    ask(page, "第十二条呢")  # a follow-up: the history must come back too, not only the display
    before = page.locator("#chat .bot-row").count()
    page.reload()
    page.wait_for_selector("#chat")
    page.wait_for_function("n => document.querySelectorAll('#chat .bot-row').length >= n", arg=before, timeout=30_000)
    assert page.locator("#chat [data-testid='user']").first.inner_text().strip() == LOOKUP
    ask(page, "第十一条呢")  # answered from the restored history: still Harbin
    assert "降低企业融资成本" in page.locator("#chat .bot-row").last.inner_text() or \
        page.locator("#chat").get_by_text("第十一条 降低企业融资成本").count() > 0
    page.locator("#chat button[aria-label='复制回答']").click()
    page.wait_for_timeout(300)
    assert "第十一条" in clipboard(page)


def test_export_as_markdown_and_word_carries_citations_and_worksheets(page: Any, tmp_path: Path, bot) -> None:
    ask(page, CALCULATION)
    ask(page, LOOKUP)
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Markdown").click()
        page.locator("#chat-export a").first.click()
    markdown = (tmp_path / "chat.md")
    download.value.save_as(markdown)
    text = markdown.read_text(encoding="utf-8")
    assert "## 1\\. " in text or "## 1. " in text
    assert "| 应得 | 2070万元 |" in text
    clause = bot.corpus.clause("harbin", "11")
    assert cite_line(bot.corpus, clause) in text and "（该政策已于2024年8月24日到期）" in text

    page.get_by_role("button", name="导出 Word").click()
    page.wait_for_function("() => [...document.querySelectorAll('#chat-export a')].some(a => a.href.includes('.docx'))")
    with page.expect_download() as download:
        page.locator("#chat-export a[href*='.docx']").first.click()
    word = tmp_path / "chat.docx"
    download.value.save_as(word)
    from docx import Document

    document = Document(str(word))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["应得", "2070万元"] in cells
    assert CALCULATION in paragraphs and "（该政策已于2024年8月24日到期）" in paragraphs
    assert zipfile.is_zipfile(word)


def test_printing_prints_whole_answers(page: Any, tmp_path: Path) -> None:
    ask(page, LISTING)
    ask(page, CALCULATION)
    cdp = page.context.new_cdp_session(page)

    pdf = base64.b64decode(cdp.send("Page.printToPDF", {"printBackground": True})["data"])
    path = tmp_path / "print.pdf"
    path.write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("workbench-print-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / "workbench-print")], check=True)
    pages = sorted(ARTIFACTS.glob("workbench-print-*.png"))
    assert pages
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "北交所公开发行并上市的，一次性补助800万元" in flat  # the first answer, though scrolled out of the chat box
    assert "2070万元" in flat
    assert "省级财政60%=1242万元" in flat and "不适用本计算" in flat  # the worksheet to its last line
    assert "输入问题" not in flat and "发送" not in flat  # no input row on paper


# ---- 7. the admin view -------------------------------------------------------------------------------------
PASSWORD = "workbench-pass-16"


@pytest.fixture(scope="module")
def served_with_login(bot, session_settings, tmp_path_factory: pytest.TempPathFactory) -> Any:  # type: ignore[no-untyped-def]
    import ui
    from tests.conftest import free_port

    settings = session_settings.with_overrides(data_dir=tmp_path_factory.mktemp("admin-data"), port=free_port(),
                                               auth_user="hotline", auth_password=PASSWORD)
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    yield url, settings
    demo.close()


def test_without_a_login_there_is_no_admin_tab(page: Any) -> None:
    assert page.get_by_role("tab", name="管理").count() == 0


def test_the_admin_view_lists_downvotes_and_unanswered_questions_by_date_and_exports_csv(
        browser: Any, served_with_login: Any, tmp_path: Path) -> None:  # noqa: F811
    from assistant.feedback import FeedbackStore, feedback_path

    url, settings = served_with_login
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_label("username", exact=False).or_(page.get_by_label("用户名")).first.fill("hotline")
        page.locator("input[type=password]").fill(PASSWORD)
        page.locator("button", has_text="Login").or_(page.locator("button", has_text="登录")).first.click()
        page.wait_for_selector("#chat")
        ask(page, LISTING)
        page.locator("#chat .message-buttons-left").last.locator("button[aria-label='踩']").click()
        page.get_by_text("已记录您的反馈（有问题）").last.wait_for()
        page.get_by_placeholder("原因（选填），如：引用的条款不对、金额有误").fill("没有说申报时间")
        page.get_by_role("button", name="提交原因").click()
        page.get_by_text("谢谢！原因已记录。").wait_for()
        ask(page, "今天哈尔滨天气怎么样")  # out of scope
        ask(page, "哈尔滨第九十九条讲什么")  # no such clause

        store = FeedbackStore(feedback_path(settings))
        day = store.unanswered_rows()[-1]["created_at"][:10]
        open_tab(page, "管理")
        page.get_by_label("开始日期").fill(day)
        page.get_by_label("结束日期").fill(day)
        page.get_by_role("button", name="查询").click()
        page.locator("#admin-summary").get_by_text("👎 反馈 1 条").wait_for()
        downvotes = page.locator("#admin-downvotes").inner_text()
        assert LISTING in downvotes and "没有说申报时间" in downvotes
        unanswered = page.locator("#admin-unanswered").inner_text()
        assert "今天哈尔滨天气怎么样" in unanswered and "超出范围" in unanswered
        assert "哈尔滨第九十九条讲什么" in unanswered and "未找到条款" in unanswered
        save(page, "workbench-admin")

        page.get_by_label("开始日期").fill("2000-01-01")
        page.get_by_label("结束日期").fill("2000-01-31")
        page.get_by_role("button", name="查询").click()
        page.locator("#admin-summary").get_by_text("👎 反馈 0 条，未能回答的问题 0 条").wait_for()
        page.get_by_label("开始日期").fill("十一月")
        page.get_by_role("button", name="查询").click()
        page.get_by_test_id("toast-text").get_by_text("不是日期", exact=False).first.wait_for()

        page.get_by_label("开始日期").fill(day)
        page.get_by_label("结束日期").fill("")
        page.get_by_role("button", name="导出 CSV").click()
        with page.expect_download() as download:
            page.locator("#admin-export a").first.click()
        path = tmp_path / "admin.csv"
        download.value.save_as(path)
        exported = path.read_text(encoding="utf-8-sig")
        assert exported.splitlines()[0].startswith("类型,时间")
        assert "没有说申报时间" in exported and "今天哈尔滨天气怎么样" in exported
    finally:
        context.close()
