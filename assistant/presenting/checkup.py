"""The 政策体检 tab: a company form written as one description for the match engine, and the result shown.

The form's answers become the same kind of sentence a user would type in the chat (「我们是哈尔滨市的规上
制造业企业，获得了国家级绿色工厂……能享受哪些政策？」), so the form and the chat share one engine and one
reading. The choices of 认定与项目 are the rules' own `audience.mentions` (the first of each rule), so a
new policy's rules bring their choices with them. No amount is computed here.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from assistant.answering.profile import MATCH_HEADING
from assistant.answering.reply import Reply
from assistant.calculator import Rule
from assistant.presenting.markup import escape_markdown
from assistant.presenting.report import match_report_docx, match_report_pdf

INDUSTRIES = ("制造业", "其他工业", "非工业（服务、贸易等）")
SCALES = ("规上企业（已纳入规模以上统计）", "规下企业（未纳入规上统计）", "不确定")
LISTING_STAGES = ("未涉及上市", "已完成上市辅导", "上市申请材料已被正式受理", "已在境内首发上市", "新三板挂牌",
                  "新三板挂牌企业在北交所公开发行上市", "在境外首发上市", "在“紫丁香”专板挂牌")
BENEFIT_HEADERS = ["结论", "政策条款", "项目", "金额 / 还需说明"]
STATUS_WORDS = {"eligible": "可申请", "needs_info": "需补充信息", "not_eligible": "不符合"}
MAX_FIGURES_CHARS = 600


def project_choices(rules: Iterable[Rule]) -> list[str]:
    """The recognitions and projects to tick: each rule's first audience mention, once, in the rules' order."""
    firsts = (next((m for m in rule.audience.mentions if "…" not in m), "") for rule in rules)
    return list(dict.fromkeys(m for m in firsts if m))


def describe_company(place: str, industry: str | None, scale: str | None, projects: Sequence[str] | None,
                     listing: str | None, figures: str) -> str:
    """The form as one description; ValueError with a Chinese message when it says nothing to match."""
    place = (place or "").strip()
    figures = re.sub(r"\s+", " ", (figures or "").strip())
    if len(figures) > MAX_FIGURES_CHARS:
        raise ValueError(f"「相关数额」太长了（{len(figures)}字），请精简到{MAX_FIGURES_CHARS}字以内。")
    if not place:
        raise ValueError("请填写企业所在地（如 哈尔滨市南岗区、大庆市），所在地决定适用哪份政策。")
    kinds = {INDUSTRIES[0]: "制造业企业", INDUSTRIES[1]: "工业企业", INDUSTRIES[2]: "非工业企业"}
    kind = kinds.get(industry or "", "企业")
    size = {SCALES[0]: "规上", SCALES[1]: "规下"}.get(scale or "", "")
    parts = [f"我们是{place}的{size}{kind}"]
    if projects:
        parts.append("获得或开展了" + "、".join(projects))
    if listing and listing != LISTING_STAGES[0]:
        parts.append(listing)
    if figures:
        parts.append(figures.rstrip("。，；;,"))
    if len(parts) == 1 and not size and kind == "企业":
        raise ValueError("请至少选择行业、是否规上、获得的认定或项目中的一项，助手才能逐条比对政策。")
    return "，".join(parts) + "，能享受哪些政策？"


def benefit_rows(reply: Reply) -> list[list[str]]:
    """One row per benefit: the status, the clause, the rule and the amount or what is still needed."""
    rows = []
    for benefit in reply.benefits:
        if benefit.status == "eligible":
            detail = benefit.reason
        elif benefit.status == "needs_info":
            detail = "；".join(benefit.missing)
        else:
            detail = benefit.reason
        rows.append([STATUS_WORDS[benefit.status], benefit.source, benefit.title, detail])
    return rows


def checkup_summary(reply: Reply) -> str:
    """The total, the stacking decisions and the validity notices, as markdown (every figure from the reply)."""
    if reply.route != "match":
        return escape_markdown(reply.text)
    paragraphs = [p for p in reply.text.split("\n\n") if p.startswith(("合计：", "叠加规则：", "按企业所在地",
                                                                      "您没有说明", "⚠️"))]
    if not reply.benefits:
        paragraphs = [p for p in reply.text.split("\n\n") if p != MATCH_HEADING]
    return "\n\n".join(escape_markdown(p) for p in paragraphs)


def write_report(reply: Reply, description: Sequence[str], today: dt.date, directory: Path | None = None,
                 kind: Literal["pdf", "docx"] = "pdf") -> Path:
    """The report, PDF or Word, written to a fresh file (for the browser to download); its path."""
    folder = Path(tempfile.mkdtemp(prefix="checkup-", dir=directory))
    path = folder / f"政策体检报告-{today.isoformat()}.{kind}"
    render = match_report_docx if kind == "docx" else match_report_pdf
    path.write_bytes(render(reply, description, today))
    return path


def last_match(history: Sequence[Sequence[str]]) -> tuple[str, list[tuple[str, str]]] | None:
    """The chat's latest question when its reply was a match, with the conversation before it (the report
    is made by asking it again: the assistant keeps no state, and the same conversation gives the same reply)."""
    entries = [(str(e[0]), str(e[1])) for e in history if isinstance(e, list | tuple) and len(e) == 2]
    if len(entries) < 2 or entries[-1][0] != "assistant" or not entries[-1][1].startswith(MATCH_HEADING):
        return None
    if entries[-2][0] != "user":
        return None
    return entries[-2][1], entries[:-2]
