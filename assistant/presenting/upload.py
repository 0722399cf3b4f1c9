"""The 管理 tab's 收录新政策: an uploaded policy's preview (clauses, metadata, drafted rules) and progress.

Everything shown comes from the PolicyDraft that `add-policy` itself makes (assistant.ingest.adding);
nothing here decides what is written.
"""

from __future__ import annotations

from assistant.ingest.adding import FIELDS, PolicyDraft
from assistant.ingest.drafting import DraftView
from assistant.ingest.metadata import JURISDICTION_NAMES
from assistant.ingest.publishing import PublishProgress
from assistant.presenting.markup import escape_markdown
from assistant.text.numbering import clause_label

UPLOAD_CLAUSE_HEADERS = ["条款", "标题", "开头"]
UPLOAD_META_HEADERS = ["项目", "内容", "来源"]
UPLOAD_RULE_HEADERS = ["规则", "原文", "公式", "例（计算器算出）"]
OPENING = 60
META_SHOWN = (("doc_id", "doc_id"), ("title", "标题"), ("short_title", "简称"), ("issuer", "发文机关"),
              ("region", "所属地区"), ("jurisdiction", "层级"), ("doc_number", "文号"), ("issued", "印发日期"),
              ("effective", "施行日期"), ("valid_years", "有效期（年）"), ("valid_until", "有效期至"),
              ("aliases", "别称"))


def upload_clause_rows(draft: PolicyDraft) -> list[list[str]]:
    """The clauses as they will be searched and cited: label, title, the opening of the text."""
    rows, chinese = [], draft.chinese_labels()
    for clause in draft.read.clauses:
        text = " ".join(clause.text.split())
        label = clause_label(clause.clause, chinese) if clause.clause.isdigit() else clause.label
        rows.append([label, clause.title if clause.title != clause.label else "",
                     text[:OPENING] + ("……" if len(text) > OPENING else "")])
    return rows


def upload_meta_rows(draft: PolicyDraft) -> list[list[str]]:
    """The metadata to be written, each with where it came from (原文 / 指定 / 文件名 / 推断)."""
    rows = []
    for key, label in META_SHOWN:
        value = draft.metadata.get(key)
        if key == "jurisdiction" and value:
            value = f"{JURISDICTION_NAMES.get(str(value), value)}（{value}）"
        if isinstance(value, list):
            value = "、".join(map(str, value))
        unknown = "（未知，请在下方填写）" if key in draft.missing else "（原文未载明）"
        shown = str(value) if value not in (None, "", []) else unknown
        rows.append([label, shown, draft.origins.get(key, "") if value else ""])
    return rows


def upload_rule_rows(views: list[DraftView]) -> list[list[str]]:
    """Each drafted rule: sentence → formula (with its conditions) → the example the calculator computed."""
    return [[f"{v.clause_label} {v.name}", v.sentence, "；".join([v.formula, *v.details]), v.example] for v in views]


def upload_rule_choices(views: list[DraftView]) -> list[tuple[str, str]]:
    """(label, rule_id) for the checkboxes that adopt or refuse each drafted rule."""
    return [(f"{v.clause_label} {v.name}：{v.example}", v.rule_id) for v in views]


def upload_summary(draft: PolicyDraft) -> str:
    """Markdown: what was read, what is still missing, the warnings and the sentences not drafted."""
    extracted = draft.read.extracted
    numbered = sum(1 for c in draft.read.clauses if c.clause.isdigit())
    drafted = len(draft.rules.drafts) if draft.rules is not None else 0
    lines = [f"**{escape_markdown(extracted.path.name)}**（{extracted.kind}）：识别出 {numbered} 条，"
             + (f"起草计算规则 {drafted} 条。" if draft.rules is not None else "沿用已有的计算规则文件。")]
    if draft.missing:
        needed = "、".join(FIELDS[key][0] for key in draft.missing)
        lines.append(f"⚠ 还缺少：**{needed}**。请在下方填写后点「按填写的信息重新预览」，再确认收录。")
    if draft.unplaced:
        lines.append(f"⚠ {len(draft.unplaced)} 段未归入任何条款，不会被检索到：")
        lines += [f"- {escape_markdown(p[:60])}" for p in draft.unplaced]
    lines += [f"⚠ {escape_markdown(_fields_for_flags(w))}" for w in draft.warnings]
    if draft.rules is not None and draft.rules.non_computable:
        lines.append("未起草规则的句子（问金额时助手会说明无法计算）：")
        chinese = draft.chinese_labels()
        lines += [f"- {clause_label(item['clause'], chinese)}：{escape_markdown(item['reason'])}"
                  for item in draft.rules.non_computable]
    if not draft.missing:
        lines.append("核对无误后点「确认收录」：写入政策库并在后台重建索引，期间助手照常按原政策库回答。")
    return "\n\n".join(lines)


def _fields_for_flags(warning: str) -> str:
    """add-policy's warnings name its flags (「或用 --region 指定」); on the page they are the form's fields."""
    for name, flag, _ in FIELDS.values():
        warning = warning.replace(f" {flag}", f"「{name}」栏").replace(flag, f"「{name}」栏")
    return warning


def publish_markdown(progress: PublishProgress) -> str:
    """The job's progress lines, then its outcome."""
    lines = [f"- {escape_markdown(line)}" for line in progress.lines[-8:]]
    if progress.running:
        lines.append("⏳ 正在后台重建索引，期间助手照常按原政策库回答……")
    elif progress.message:
        lines.append(("✅ " if progress.succeeded else "❌ ") + escape_markdown(progress.message))
    return "\n".join(lines)
