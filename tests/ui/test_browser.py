"""End to end in headless Chromium: the real app, served by a real gradio server, driven by Playwright.

Needs Debian's chromium (`make browser-deps`); Playwright's own browser download is never used.
Screenshots of every tab, desktop and phone width, go to test-artifacts/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.quoting import cite_line, quote_whole
from assistant.feedback import FeedbackStore, feedback_path
from assistant.settings import PROJECT_ROOT, Settings

# gradio's own pandas calls raise pandas 3 deprecation warnings that say nothing about this app.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CALCULATION_QUESTION = "技改投资3亿元，LPR 3.45%，能拿多少贴息？"
TABS = ("智能问答", "条款查询", "补贴计算器", "政策体检", "关于")




@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("需要 Debian 的 chromium：先运行 make browser-deps")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_app(browser: Any, url: str, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(viewport=viewport, locale="zh-CN", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.dialogs = []  # any alert() would be a script we let through
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_selector("#chat")
    return page


@pytest.fixture
def page(browser: Any, served: tuple[str, Settings]) -> Iterator[Any]:
    page = open_app(browser, served[0])
    yield page
    page.context.close()


def ask(page: Any, question: str) -> None:
    """Type a question, press Enter and wait for the reply to appear."""
    before = page.locator("#chat .bot-row").count()
    box = page.get_by_placeholder("输入问题，按回车发送")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#chat .bot-row').length > n", arg=before, timeout=90_000)
    page.wait_for_timeout(300)


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)


def save(page: Any, name: str, down_to: Any = None) -> Path:
    """A full-page screenshot in test-artifacts/, cut below `down_to` when given."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if down_to is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        box = down_to.bounding_box()
        width = page.viewport_size["width"]
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 16})
    return path


def clipboard(page: Any) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def test_chat_answers_a_lookup_with_a_citation_card_and_a_calculation_with_a_worksheet(page: Any, bot) -> None:
    ask(page, "哈尔滨第十一条讲什么")
    chat = page.locator("#chat")
    card_title = chat.get_by_text("依据 · 哈尔滨市工业强市政策 第十一条 降低企业融资成本")
    card_title.click()
    clause = bot.corpus.clause("harbin", "11")
    line = f"{cite_line(bot.corpus, clause)}：{quote_whole(clause)}（该政策已于2024年8月24日到期）"
    code = chat.locator("pre code").filter(has_text="第十一条 降低企业融资成本").last
    assert code.inner_text().strip() == line
    code.locator("xpath=../..").locator("button.copy_code_button").click()
    assert clipboard(page) == line
    assert chat.get_by_text("⚠️ 已到期").first.is_visible()

    ask(page, CALCULATION_QUESTION)
    table = chat.locator("table").last
    assert table.locator("tr", has_text="应得").locator("td").nth(1).inner_text() == "2070万元"
    assert table.locator("tr", has_text="上限").inner_text().endswith("2500万元，未触及上限")
    assert chat.get_by_text("可得2070万元").is_visible()
    assert page.dialogs == []
    save(page, "desktop-chat")


def test_readme_screenshot_of_the_chat_answering_a_calculation(browser: Any, served: tuple[str, Settings]) -> None:
    page = open_app(browser, served[0], {"width": 1280, "height": 1440})
    try:
        ask(page, CALCULATION_QUESTION)
        page.locator("#chat table").last.scroll_into_view_if_needed()
        assert page.locator("#chat").get_by_text("2070万元").first.is_visible()
        last_example = page.get_by_role("button", name="哈尔滨的工业强市政策还有效吗")
        path = save(page, "screenshot-chat", down_to=last_example)  # copied to docs/screenshot-chat.png
        assert path.stat().st_size > 20_000
    finally:
        page.context.close()


def test_a_vote_and_its_reason_end_up_in_the_database(page: Any, served: tuple[str, Settings]) -> None:
    before = page.locator("#chat .bot-row").count()
    page.get_by_role("button", name="企业上市有什么补助？").click()  # an example question: one click asks it
    page.wait_for_function("n => document.querySelectorAll('#chat .bot-row').length > n", arg=before, timeout=90_000)
    page.locator("#chat .message-buttons-left").last.locator("button[aria-label='踩']").click()  # 👎 in zh-CN
    page.locator("#feedback-status").get_by_text("已记录您的反馈（有问题）").wait_for()
    page.get_by_placeholder("原因（选填），如：引用的条款不对、金额有误").fill("希望列出申报材料")
    page.get_by_role("button", name="提交原因").click()
    page.get_by_text("谢谢！原因已记录。").wait_for()
    store = FeedbackStore(feedback_path(served[1]))
    deadline = time.monotonic() + 10
    while not [r for r in store.rows() if r["reason"]] and time.monotonic() < deadline:
        time.sleep(0.1)
    row = next(r for r in store.rows() if r["question"] == "企业上市有什么补助？")
    assert (row["vote"], row["reason"]) == ("down", "希望列出申报材料")
    assert row["citations"][0]["clause"] == "14" and "上市" in row["reply"]


def test_clause_lookup_jumps_to_article_11_and_search_highlights(page: Any, bot) -> None:
    open_tab(page, "条款查询")
    page.get_by_placeholder("如 11 或 第十一条").fill("第十一条")
    page.get_by_role("button", name="查看").click()
    clause = bot.corpus.clause("harbin", "11")
    expected = f"{cite_line(bot.corpus, clause)}：{quote_whole(clause)}（该政策已于2024年8月24日到期）"
    box = page.locator("#clause-text textarea")
    page.wait_for_function("e => e.value.includes('降低企业融资成本')", arg=box.element_handle())
    assert box.input_value() == expected
    page.locator("#clause-text button[aria-label*='opy' i], #clause-text button[title*='opy' i]").first.click()
    assert clipboard(page) == expected

    page.get_by_placeholder("如 贴息 或 上市 补助 或 首台套").fill("贴息")
    page.get_by_role("button", name="搜索").click()
    page.get_by_text("共找到").wait_for()
    marks = page.locator("mark", has_text="贴息")
    assert marks.count() >= 4
    page.locator("[role=gridcell]", has_text="第1条").first.click()
    page.wait_for_function("e => e.value.includes('支持企业技术改造')", arg=box.element_handle())
    assert page.get_by_placeholder("如 11 或 第十一条").input_value() == "第1条"
    save(page, "desktop-clauses")


def test_the_calculator_tab_computes_with_the_same_engine(page: Any, bot) -> None:
    open_tab(page, "补贴计算器")
    page.get_by_label("黑龙江省工业振兴政策").check()
    page.get_by_label("入统投资额（万元）").wait_for()
    page.get_by_label("入统投资额（万元）").fill("30000")
    page.get_by_label("入统时一年期LPR（%）").fill("3.45")
    page.get_by_role("button", name="计算", exact=True).click()
    page.locator("#calc-result").get_by_text("应得：2070万元").wait_for()
    row = page.locator("[role=row]", has_text="财政分担").first
    assert "省级财政60% = 1242万元" in row.inner_text()
    chat_amount = bot.ask(CALCULATION_QUESTION).calculations[0].amount_yuan
    assert chat_amount == 20_700_000
    save(page, "desktop-calculator")


def test_the_about_tab_shows_validity_model_and_licence(page: Any) -> None:
    open_tab(page, "关于")
    page.get_by_text("MIT 许可", exact=False).wait_for()
    assert page.locator("[role=gridcell]", has_text="已到期").count() == 2
    assert page.get_by_text("索引构建时间").is_visible()
    save(page, "desktop-about")


def test_text_echoed_into_the_page_is_inert(page: Any) -> None:
    question = "<script>alert('x')</script><img src=x onerror=alert(1)>[点我](http://evil.example)"
    ask(page, question)
    user = page.locator("#chat [data-testid='user']").last
    assert "[点我](http://evil.example)" in user.inner_text()
    assert "<img src=x onerror=alert(1)>" in user.inner_text()
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("#chat img[src='x'], #chat script").count() == 0

    open_tab(page, "条款查询")
    page.get_by_placeholder("如 11 或 第十一条").fill("<b>粗</b><img src=x onerror=alert(3)>")
    page.get_by_role("button", name="查看").click()
    toast = page.get_by_test_id("toast-text").first
    toast.wait_for()
    assert "「<b>粗</b><img src=x onerror=alert(3)>」" in toast.inner_text()  # the warning toast, too
    assert toast.locator("b, img").count() == 0

    page.get_by_placeholder("如 贴息 或 上市 补助 或 首台套").fill("<img src=x onerror=alert(2)> 贴息")
    page.get_by_role("button", name="搜索").click()
    page.get_by_text("共找到 0 条").wait_for()
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_every_tab_reads_on_a_phone(browser: Any, served: tuple[str, Settings]) -> None:
    page = open_app(browser, served[0], PHONE)
    try:
        ask(page, CALCULATION_QUESTION)
        for name, tab in zip(("chat", "clauses", "calculator", "checkup", "about"), TABS, strict=True):
            open_tab(page, tab)
            if tab == "条款查询":
                page.get_by_placeholder("如 11 或 第十一条").fill("11")
                page.get_by_role("button", name="查看").click()
                page.wait_for_function("() => document.querySelector('#clause-text textarea').value.length > 0")
            if tab == "补贴计算器":
                page.get_by_label("黑龙江省工业振兴政策").check()
                page.get_by_label("入统投资额（万元）").fill("30000")
                page.get_by_label("入统时一年期LPR（%）").fill("3.45")
                page.get_by_role("button", name="计算", exact=True).click()
                page.locator("#calc-result").get_by_text("应得：2070万元").wait_for()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{tab} overflows"
            assert page.get_by_role("tab").count() == len(TABS)  # none folded into a 「更多」 menu
            save(page, f"phone-{name}")
    finally:
        page.context.close()
