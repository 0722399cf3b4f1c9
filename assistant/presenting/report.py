"""The 政策体检 report as a PDF people can keep and print (A4), and the same report as a Word document.

It holds what the match reply holds, laid out for paper: the company facts as given, every benefit with
its clause quoted verbatim and its worksheet, the total with the stacking decisions, the validity
notices and the date of the injected clock. Every figure is copied from the reply; nothing is computed.
Both formats render one list of blocks (`report_blocks`), so the PDF and the Word file say the same.

The font: a TrueType CJK font found on the machine is embedded (WenQuanYi Micro Hei, Debian
fonts-wqy-microhei; Noto CJK ships only CFF outlines, which reportlab cannot embed); without one the
report uses reportlab's built-in Adobe CID font STSong-Light, which PDF readers supply.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from assistant.answering.reply import Benefit, Reply
from assistant.calculator import Calculation

FONT_CANDIDATES = (  # (path, index inside a collection)
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
)
FALLBACK_FONT = "STSong-Light"
HEADINGS = (("eligible", "一、可申请"), ("needs_info", "二、需补充信息"), ("not_eligible", "三、不符合"))
STATUS_WORDS = {"eligible": "可申请", "needs_info": "需补充信息", "not_eligible": "不符合"}
TITLE = "政策体检报告"
AUTHOR = "龙江惠企政策助手"


@dataclass(frozen=True)
class Block:
    """One piece of the report: a styled paragraph, or a two-column table (label, value)."""

    style: str  # title, small, h1, h2, base, quote, table
    text: str = ""
    rows: tuple[tuple[str, str], ...] = ()
    label_width_mm: int = 30  # a table's first column


def report_blocks(reply: Reply, description: Sequence[str], today: dt.date) -> list[Block]:
    """The report's content in order, for either format. `description`: the user's own words, oldest first."""
    blocks = [Block("title", TITLE),
              Block("small", f"生成日期：{today.year}年{today.month}月{today.day}日　　"
                             f"本报告由{AUTHOR}按已收录政策原文生成，金额以主管部门审核为准。"),
              Block("h1", "企业情况（按您提供的信息）")]
    rows = [*reply.profile, *(("您的描述", text) for text in description)]
    if rows:
        blocks.append(Block("table", rows=tuple(rows), label_width_mm=38))
    for status, heading in HEADINGS:
        group = [b for b in reply.benefits if b.status == status]
        if not group:
            continue
        blocks.append(Block("h1", f"{heading}（{len(group)}项）"))
        for number, benefit in enumerate(group, 1):
            blocks += _benefit(benefit, number)
    if not reply.benefits:
        blocks.append(Block("base", reply.text.split("\n\n", 1)[-1]))
    blocks.append(Block("h1", "合计与叠加规则"))
    if reply.total_yuan is not None:
        counted = "、".join(b.title for b in reply.benefits if b.counted)
        blocks.append(Block("base", f"合计：{_total_line(reply)}（{counted}）。"
                                    "各项是否属于同一项目、能否分别申报，以主管部门认定为准。"))
    else:
        blocks.append(Block("base", "没有可以确定金额的项目，未计合计。"))
    blocks += [Block("base", f"· {note}") for note in reply.stacking]
    if reply.notices:
        blocks.append(Block("h1", "有效期提示"))
        blocks += [Block("base", notice.removeprefix("⚠️ ")) for notice in reply.notices]
    return blocks


@lru_cache(maxsize=1)
def report_font() -> str:
    """The name of the registered CJK font: an embedded TrueType one when the machine has it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path, index in FONT_CANDIDATES:
        if path.exists():
            try:
                pdfmetrics.registerFont(TTFont("ReportCJK", str(path), subfontIndex=index))
                return "ReportCJK"
            except Exception:  # a damaged font file: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def match_report_pdf(reply: Reply, description: Sequence[str], today: dt.date) -> bytes:
    """The report of a match reply as PDF bytes (A4). `description`: the user's own words, oldest first."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    font = report_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=1, spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4,
                             textColor=colors.HexColor("#1f3b64")),
        "h2": ParagraphStyle("h2", parent=base, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=2),
        "quote": ParagraphStyle("quote", parent=base, fontSize=9, leading=13, leftIndent=8,
                                textColor=colors.HexColor("#444444")),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")),
        "base": base,
    }

    def para(text: str, style: str = "base") -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), styles[style])

    story: list = []
    for block in report_blocks(reply, description, today):
        if block.style == "table":
            rows = [[para(label or "—"), para(value)] for label, value in block.rows]
            story.append(_table(rows, [block.label_width_mm * mm, (170 - block.label_width_mm) * mm], font))
        else:
            story.append(para(block.text, block.style))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=TITLE, author=AUTHOR)

    def footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.drawString(20 * mm, 10 * mm, f"{TITLE} · {today.isoformat()}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def match_report_docx(reply: Reply, description: Sequence[str], today: dt.date) -> bytes:
    """The same report as a Word document (python-docx), A4 with the same margins; its bytes."""
    from docx import Document as WordDocument
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    word = WordDocument()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(18)
    section.footer.paragraphs[0].text = f"{TITLE} · {today.isoformat()}"
    normal = word.styles["Normal"]
    normal.font.size = Pt(10)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    word.core_properties.title, word.core_properties.author = TITLE, AUTHOR
    for block in report_blocks(reply, description, today):
        if block.style == "title":
            word.add_heading(block.text, level=0)
        elif block.style in ("h1", "h2"):
            word.add_heading(block.text, level=1 if block.style == "h1" else 2)
        elif block.style == "table":
            table = word.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in block.rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = label or "—", value
                cells[0].width, cells[1].width = Mm(block.label_width_mm), Mm(170 - block.label_width_mm)
        else:
            run = word.add_paragraph().add_run(block.text)
            if block.style in ("small", "quote"):
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _total_line(reply: Reply) -> str:
    """The total exactly as the reply's text prints it."""
    for line in reply.text.split("\n\n"):
        if line.startswith("合计："):
            return line.removeprefix("合计：").split("（", 1)[0]
    return ""


def _benefit(benefit: Benefit, number: int) -> list[Block]:
    parts = [Block("h2", f"{number}. {benefit.title}　〔{STATUS_WORDS[benefit.status]}〕"),
             Block("small", f"依据：{benefit.source}")]
    if benefit.status == "eligible":
        parts.append(Block("base", benefit.reason + "。"))
    elif benefit.status == "needs_info":
        parts.append(Block("base", "还需要您说明：" + "；".join(q.rstrip("。？?") + "？" for q in benefit.missing)))
    else:
        parts.append(Block("base", f"不符合：{benefit.reason}。"))
    if benefit.quote:
        parts.append(Block("quote", f"条款原文：「{benefit.quote}」"))
    if benefit.calculation is not None and benefit.status == "eligible":
        parts.append(Block("table", rows=_worksheet(benefit.calculation)))
    return parts


def _worksheet(calculation: Calculation) -> tuple[tuple[str, str], ...]:
    return tuple((line.label, line.value) for line in calculation.worksheet if line.label not in ("依据",))


def _table(rows: list, widths: list, font: str):  # type: ignore[no-untyped-def]
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c2d0")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f7")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table
