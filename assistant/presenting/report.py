"""The 政策体检 report as a PDF people can keep and print (A4).

It holds what the match reply holds, laid out for paper: the company facts as given, every benefit with
its clause quoted verbatim and its worksheet, the total with the stacking decisions, the validity
notices and the date of the injected clock. Every figure is copied from the reply; nothing is computed.

The font: a TrueType CJK font found on the machine is embedded (WenQuanYi Micro Hei, Debian
fonts-wqy-microhei; Noto CJK ships only CFF outlines, which reportlab cannot embed); without one the
report uses reportlab's built-in Adobe CID font STSong-Light, which PDF readers supply.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from assistant.answering.reply import Benefit, Reply

FONT_CANDIDATES = (  # (path, index inside a collection)
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
)
FALLBACK_FONT = "STSong-Light"
HEADINGS = (("eligible", "一、可申请"), ("needs_info", "二、需补充信息"), ("not_eligible", "三、不符合"))
STATUS_WORDS = {"eligible": "可申请", "needs_info": "需补充信息", "not_eligible": "不符合"}


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
    """The report of a match reply as PDF bytes. `description`: the user's own words, oldest first."""
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

    story: list = [para("政策体检报告", "title"),
                   para(f"生成日期：{today.year}年{today.month}月{today.day}日　　"
                        "本报告由龙江惠企政策助手按已收录政策原文生成，金额以主管部门审核为准。", "small"),
                   para("企业情况（按您提供的信息）", "h1")]
    rows = [[para(k), para(v)] for k, v in reply.profile]
    rows += [[para("您的描述"), para(text)] for text in description]
    if rows:
        story.append(_table(rows, [38 * mm, 132 * mm], font))
    for status, heading in HEADINGS:
        group = [b for b in reply.benefits if b.status == status]
        if not group:
            continue
        story.append(para(f"{heading}（{len(group)}项）", "h1"))
        for number, benefit in enumerate(group, 1):
            story += _benefit(benefit, number, para, font)
    if not reply.benefits:
        story.append(para(reply.text.split("\n\n", 1)[-1]))
    story.append(para("合计与叠加规则", "h1"))
    if reply.total_yuan is not None:
        counted = "、".join(b.title for b in reply.benefits if b.counted)
        story.append(para(f"合计：{_total_line(reply)}（{counted}）。各项是否属于同一项目、能否分别申报，以主管部门认定为准。"))
    else:
        story.append(para("没有可以确定金额的项目，未计合计。"))
    story += [para(f"· {note}") for note in reply.stacking]
    if reply.notices:
        story.append(para("有效期提示", "h1"))
        story += [para(notice.removeprefix("⚠️ ")) for notice in reply.notices]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title="政策体检报告", author="龙江惠企政策助手")

    def footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.drawString(20 * mm, 10 * mm, f"政策体检报告 · {today.isoformat()}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _total_line(reply: Reply) -> str:
    """The total exactly as the reply's text prints it."""
    for line in reply.text.split("\n\n"):
        if line.startswith("合计："):
            return line.removeprefix("合计：").split("（", 1)[0]
    return ""


def _benefit(benefit: Benefit, number: int, para, font: str) -> list:  # type: ignore[no-untyped-def]
    from reportlab.lib.units import mm

    parts = [para(f"{number}. {benefit.title}　〔{STATUS_WORDS[benefit.status]}〕", "h2"),
             para(f"依据：{benefit.source}", "small")]
    if benefit.status == "eligible":
        parts.append(para(benefit.reason + "。"))
    elif benefit.status == "needs_info":
        parts.append(para("还需要您说明：" + "；".join(q.rstrip("。？?") + "？" for q in benefit.missing)))
    else:
        parts.append(para(f"不符合：{benefit.reason}。"))
    if benefit.quote:
        parts.append(para(f"条款原文：「{benefit.quote}」", "quote"))
    calculation = benefit.calculation
    if calculation is not None and benefit.status == "eligible":
        rows = [[para(line.label or "—"), para(line.value)] for line in calculation.worksheet
                if line.label not in ("依据",)]
        parts.append(_table(rows, [30 * mm, 140 * mm], font))
    return parts


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
