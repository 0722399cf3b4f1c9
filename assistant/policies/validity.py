"""Validity notices computed from each document's metadata against today's date."""

from __future__ import annotations

import datetime as dt

from assistant.policies.corpus import Document


def format_date(day: dt.date) -> str:
    """2024-08-24 → 「2024年8月24日」."""
    return f"{day.year}年{day.month}月{day.day}日"


def validity_notice(document: Document, today: dt.date) -> str:
    """A one-paragraph notice on whether the policy is in force today, with its rule quoted."""
    name = f"《{document.title}》"
    rule = f"（原文：「{document.validity_rule}」）" if document.validity_rule else ""
    if document.valid_until is None:
        return f"{name}的有效期原文未载明{rule}，请向主管部门确认是否仍在执行。"
    start = f"自{format_date(document.effective)}起施行，" if document.effective else ""
    until = format_date(document.valid_until)
    state = document.is_in_force(today)
    if document.effective is not None and today < document.effective:
        return f"{name}将于{format_date(document.effective)}起施行{rule}。"
    if state:
        remaining = (document.valid_until - today).days
        return f"{name}{start}有效期至{until}，目前仍在有效期内（剩余{remaining}天）{rule}。"
    continuation = f"按原文，「{document.continuation}」" if document.continuation else ""
    advice = "申报前请向主管部门确认是否有延续或替代政策。"
    return (
        f"⚠️ 有效期提示：{name}{start}有效期至{until}，已到期（今天是{format_date(today)}）{rule}。"
        f"{continuation}{advice}"
    )


def validity_answer(documents: list[Document], today: dt.date) -> str:
    """A direct answer to 「这个政策现在还有效吗」 for the documents concerned."""
    return "\n".join(validity_notice(d, today) for d in documents)
