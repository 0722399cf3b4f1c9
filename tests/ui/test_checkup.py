"""The 政策体检 tab end to end: the real app on a real gradio server, driven in headless Chromium.

The form is filled as a user would, the list comes back from the match engine, the PDF report is
downloaded and its text read with pdftotext (poppler-utils), the Word report downloaded and opened with
python-docx; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.ui.test_browser import ask, browser, open_app, open_tab, save  # noqa: F401 — browser is a fixture
from tests.ui.test_checkup_form import docx_text

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

FIGURES = "去年产值比前年增加9000万元；首台套产品成交价700万元"


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("需要 poppler-utils 的 pdftotext")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_checkup_form_lists_the_benefits_and_downloads_the_report(browser: Any, served, bot,  # noqa: F811
                                                                       tmp_path: Path) -> None:
    page = open_app(browser, served[0])
    try:
        open_tab(page, "政策体检")
        page.get_by_label("企业所在地").fill("哈尔滨市南岗区")
        page.get_by_label("制造业", exact=True).check()
        page.get_by_label("规上企业（已纳入规模以上统计）").check()
        projects = page.locator("#checkup-projects")
        projects.get_by_label("国家级绿色工厂", exact=True).check()
        projects.get_by_label("首台套", exact=True).check()
        page.get_by_label("相关数额（写明是什么的数额）").fill(FIGURES)
        page.locator("#checkup-run").click()
        # 50万（哈尔滨第二条）+ 100万（省第3条）+ 200万（省第19条，700万 × 50% 封顶200万）
        page.locator("#checkup-summary").get_by_text("合计：350万元", exact=False).wait_for(timeout=60_000)
        rows = page.locator("#checkup-rows [role=row]")
        assert page.locator("#checkup-rows").get_by_text("产值增长奖励").count() >= 1
        assert rows.filter(has_text="可得200万元").count() >= 1
        link = page.locator("#checkup-report a").first
        link.wait_for(timeout=30_000)
        save(page, "desktop-checkup")
        today = bot.clock()
        word_link = page.locator("#checkup-report-docx a").first
        with page.expect_download() as word_download:
            word_link.click()
        word_saved = tmp_path / "report.docx"
        word_download.value.save_as(word_saved)
        word_text, word_rows = docx_text(word_saved)
        assert word_text.startswith("政策体检报告") and f"{today.year}年{today.month}月{today.day}日" in word_text
        shown = ("产值增长奖励", "国家级绿色工厂", "首台（套）产品奖励", "条款原文", "合计：350万元", "有效期提示")
        for expected in shown:
            assert expected in word_text, expected
        assert ["所在地", "黑龙江省哈尔滨市南岗区"] in word_rows
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / "report.pdf"
        download.value.save_as(saved)
        text = pdf_text(saved)
        assert "政策体检报告" in text and f"{today.year}年{today.month}月{today.day}日" in text
        flat = text.replace("\n", "").replace(" ", "")
        for expected in shown:
            assert expected in flat, expected
    finally:
        page.context.close()


def test_a_match_in_the_chat_offers_the_report(browser: Any, served) -> None:  # noqa: F811
    page = open_app(browser, served[0])
    try:
        ask(page, "我们是大庆的规上化工企业，去年被评为国家级绿色工厂，能享受哪些政策？")
        page.locator("#chat-report a").first.wait_for(timeout=30_000)
        page.locator("#chat-report-docx a").first.wait_for(timeout=30_000)
        assert page.locator("#chat").get_by_text("【可申请】", exact=False).count() >= 1
        save(page, "desktop-chat-match")
        ask(page, "哈尔滨第十一条讲什么")
        page.locator("#chat-report").wait_for(state="hidden", timeout=30_000)
        page.locator("#chat-report-docx").wait_for(state="hidden", timeout=30_000)
    finally:
        page.context.close()


def test_a_bare_company_description_in_the_chat_gets_the_match_list(browser: Any, served) -> None:  # noqa: F811
    page = open_app(browser, served[0])
    try:
        # no list word, no question: a description of the company
        ask(page, "哈尔滨南岗的装备制造企业，规上，今年产值比去年同期多了1.2个亿。")
        # 哈尔滨第二条：20万 + ⌊(1.2亿 − 3000万) ÷ 2000万⌋ × 10万 = 20万 + 4 × 10万 = 60万
        page.locator("#chat").get_by_text("【可申请】", exact=False).first.wait_for(timeout=30_000)
        assert page.locator("#chat").get_by_text("60万元", exact=False).count() >= 1
        page.locator("#chat-report-docx a").first.wait_for(timeout=30_000)
        # scrolled to the top, the message is not hidden under the chat's corner buttons (清空, 复制回答)
        page.locator("#chat .bubble-wrap").evaluate("el => el.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        message = page.locator('#chat [data-testid="user"]').first.bounding_box()
        corner = page.locator("#chat").get_by_role("button", name="复制回答").bounding_box()
        assert message and corner and message["y"] >= corner["y"] + corner["height"], (message, corner)
        save(page, "desktop-chat-bare-description")
    finally:
        page.context.close()
