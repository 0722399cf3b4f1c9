"""The 政策体检 form written as a description, and the PDF report, without a browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant import presenting as show

COMPANY = "我们是哈尔滨的规上制造业企业，去年产值比前年多了9000万，今年刚评上国家级绿色工厂，能享受哪些政策？"


def test_the_form_becomes_one_description_for_the_same_engine() -> None:
    description = show.describe_company("宾县", "制造业", show.SCALES[0], ["国家级绿色工厂"], show.LISTING_STAGES[0],
                                        "去年产值比前年增加9000万元")
    assert description == ("我们是宾县的规上制造业企业，获得或开展了国家级绿色工厂，去年产值比前年增加9000万元，"
                           "能享受哪些政策？")


@pytest.mark.parametrize(("place", "figures", "message"), [
    ("", "", "请填写企业所在地"),
    ("哈尔滨", "", "请至少选择"),
    ("哈尔滨", "产值" * 400, "太长了"),
])
def test_a_form_that_says_nothing_to_match_gets_a_chinese_message(place: str, figures: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        show.describe_company(place, None, show.SCALES[2], [], show.LISTING_STAGES[0], figures)


def test_the_choices_come_from_the_rules_data(bot) -> None:  # type: ignore[no-untyped-def]
    choices = show.project_choices(bot.rules.values())
    assert "国家级绿色工厂" in choices and "首台套" in choices and len(choices) == len(set(choices))


def test_the_report_is_a4_with_every_benefit_quote_worksheet_and_the_clock_date(bot, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("需要 poppler-utils 的 pdftotext")
    reply = bot.ask(COMPANY)
    path = show.write_report(reply, [COMPANY], bot.clock(), tmp_path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace("\n", "").replace(" ", "")
    today = bot.clock()
    assert f"{today.year}年{today.month}月{today.day}日" in flat
    for benefit in reply.benefits:
        assert benefit.title in flat
    # the worksheet line and the clause, as the reply has them: 20万 + 3 × 10万 = 50万
    assert "20万元+3×10万元=50万元" in flat and "对年产值较同期增加3000万元（含）以上" in flat
    assert "合计：150万元" in flat and "有效期提示" in flat


def docx_text(path: Path) -> tuple[str, list[list[str]]]:
    """The paragraphs' text and every table's rows (cell texts) of a Word file, as a reader opens it."""
    from docx import Document as WordDocument

    document = WordDocument(str(path))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return "\n".join(p.text for p in document.paragraphs), rows


def test_the_word_report_says_what_the_pdf_says(bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document as WordDocument

    reply = bot.ask(COMPANY)
    path = show.write_report(reply, [COMPANY], bot.clock(), tmp_path, kind="docx")
    assert path.suffix == ".docx"
    text, rows = docx_text(path)
    today = bot.clock()
    assert text.startswith("政策体检报告") and f"{today.year}年{today.month}月{today.day}日" in text
    # the facts as given, and the description in the user's words
    assert ["您的描述", COMPANY] in rows and ["规模以上工业企业（已入统）", "是"] in rows
    for benefit in reply.benefits:  # each benefit with its clause quoted
        assert benefit.title in text and f"条款原文：「{benefit.quote}」" in text
    # the worksheet as rows, as the calculator wrote it: 20万 + 3 × 10万 = 50万
    assert ["计算", "20万元 + ⌊(9000万元 − 3000万元) ÷ 2000万元⌋ × 10万元 = 20万元 + 3 × 10万元 = 50万元"] in rows
    assert "合计：150万元" in text and "有效期提示" in text
    # the stacking decision: the province's 100万 and Harbin's 50—200万 range are one level only
    assert reply.stacking and all(note in text for note in reply.stacking)
    assert all(notice.removeprefix("⚠️ ") in text for notice in reply.notices)
    section = WordDocument(str(path)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
