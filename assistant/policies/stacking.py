"""Stacking rules (从高不重复, 从优就高不重复) applied, not just quoted.

The rules are data in each document's metadata (`stacking`): a principle with
its clause and sentence, and optionally topics that the same enterprise may
take from only one level (Harbin 第十八条: 流贷贴息, 设备租赁融资补贴, 绿色制造类
示范和称号).  When a question or a calculation touches provisions of more than
one document, the reply states which rule applies and what it means here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.policies.corpus import Corpus, ExclusiveTopic, StackingRule
from assistant.text.formatting import format_yuan
from assistant.text.numbering import count_word

STACKING_QUESTION = re.compile(
    r"同时享受|同时申请|同时拿|一起拿|一起享受|一起申请|叠加|都能拿|都能享受|都拿|两边都|重复享受|重复申请|"
    r"能不能同时|可以同时|能同时|兼得|只能选|二选一|能叠加|省.{0,6}市.{0,8}(都|一起|同时)"
)

# 「这笔流贷已经拿了省级的流动资金贷款贴息」: what follows one of these (to the next punctuation) is an award
# the enterprise has already received.
ALREADY_GOT = re.compile(r"(?:已经|已)(?:拿了|拿到了?|拿过|享受了|享受过|享受|获得了|获得过|领了|领过|申请到了?)"
                         r"|拿过了?|享受过了?|领过了?")
# Words naming the level of government an award came from, by jurisdiction (corpus Jurisdiction).
LEVEL_WORDS = {"province": ("省级", "省里", "省"), "city": ("市级", "市里", "市"),
               "county": ("区级", "县级", "区里", "县里"), "national": ("国家级", "国家")}
LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县（区）级", "national": "国家级"}

__all__ = [
    "ALREADY_GOT",
    "STACKING_QUESTION",
    "StackingRule",
    "asks_about_stacking",
    "exclusive_topic",
    "explain_for_calculations",
    "explain_for_question",
    "received_at_another_level",
    "received_spans",
    "shared_topic",
]


# 「省市加一起多少」 asks a total, 「省里和市里能一起拿吗」 whether they stack: the level words ask so with these
YES_NO = re.compile(r"吗|能否|能不能|是否|可不可以|可否|行不行|允许")
LEVELS_TOGETHER = re.compile(r"省.{0,6}市.{0,8}(都|一起|同时)")


def asks_about_stacking(question: str) -> bool:
    """「能同时享受吗」「省里和市里能一起拿吗」; not 「今年同时拿了小巨人、单项冠军…一共多少」 (what the company
    got, then a total) nor 「省市加一起多少」 (a total)."""
    for match in STACKING_QUESTION.finditer(question):
        if question[match.end():match.end() + 1] == "了":
            continue  # 「同时拿了」「都拿了」: a fact stated
        if LEVELS_TOGETHER.fullmatch(match.group()) and not YES_NO.search(question):
            continue
        return True
    return False


def exclusive_topic(rules: Sequence[StackingRule], text: str, rule_ids: Sequence[str] = ()) -> tuple[
    StackingRule, ExclusiveTopic
] | None:
    """The cross-level exclusive topic the text or the computed rules fall under, if any."""
    for rule in rules:
        for topic in rule.topics:
            if any(k in text for k in topic.keywords) or set(rule_ids) & set(topic.rules):
                return rule, topic
    return None


def shared_topic(rules: Sequence[StackingRule], rule_ids: Sequence[str]) -> tuple[StackingRule, ExclusiveTopic] | None:
    """The cross-level exclusive topic every one of the computed rules falls under, if any: 哈第十一条's 流贷贴息
    and 省第十二条's 隐形冠军 are no one matter, though the first is on 第十八条's list."""
    for rule in rules:
        for topic in rule.topics:
            if set(rule_ids) <= set(topic.rules):
                return rule, topic
    return None


def received_spans(question: str) -> list[tuple[int, int]]:
    """Where the question names awards already received: from after 「已经拿了」 to the next punctuation."""
    spans = []
    for match in ALREADY_GOT.finditer(question):
        rest = re.search(r"[，。；？！,;?!]", question[match.end():])
        spans.append((match.end(), match.end() + rest.start() if rest else len(question)))
    return spans


def received_at_another_level(corpus: Corpus, rule_id: str, doc_id: str, question: str) -> tuple[
    StackingRule, ExclusiveTopic, str
] | None:
    """(stacking rule, topic, the other level's name) when the question says the enterprise has already
    received, from another level of government, an award of a topic that one enterprise takes from one level
    only, and the rule asked about is of that topic (「已经拿了省级的流动资金贷款贴息，市里的还能再拿吗」)."""
    document = corpus.document(doc_id)
    if document is None:
        return None
    for rule in corpus.stacking_rules:
        for topic in rule.topics:
            if rule_id not in topic.rules:
                continue
            for start, end in received_spans(question):
                got = question[start:end]
                levels = [level for level, words in LEVEL_WORDS.items()
                          if level != document.jurisdiction and any(word in got for word in words)]
                if levels and any(keyword in got for keyword in topic.keywords):
                    return rule, topic, LEVEL_NAMES[levels[0]]
    return None


def explain_for_question(corpus: Corpus, question: str) -> tuple[str, list[StackingRule]]:
    """A direct answer to a stacking question, and the rules it rests on."""
    rules = corpus.stacking_rules
    found = exclusive_topic(rules, question)
    if found is not None:
        rule, topic = found
        return (f"不能。按{_where(corpus, rule)}：「{rule.quote}」{topic.name}属于此列，"
                "同一企业只能享受省、市其中一级，不能同时享受。", [rule])
    principles = [r for r in rules if not r.topics]
    lines = [f"一般不能重复享受。{count_word(len({r.doc_id for r in principles}))}份政策都规定了不重复原则："]
    lines += [f"· {_where(corpus, r)}（{r.principle}）：「{r.quote}」{r.meaning}" for r in principles]
    lines.append("即同一项目、同一事项同时符合省、市政策的，按较高的一项享受；是否属于同一项目、同一事项，以主管部门认定为准。")
    return "\n".join(lines), principles


def explain_for_calculations(corpus: Corpus, calculations: Sequence[Any],
                             question: str) -> tuple[str, list[StackingRule]]:
    """The note under side-by-side amounts from different documents."""
    documents = {c.doc_id for c in calculations}
    if len(documents) < 2:
        return "", []
    rules = corpus.stacking_rules
    amounts = "；".join(f"{_document_name(corpus, c.doc_id)}：{format_yuan(c.amount_yuan)}" for c in calculations)
    highest = max(calculations, key=lambda c: c.amount_yuan)
    found = exclusive_topic(rules, question, [c.rule_id for c in calculations])
    if found is not None:
        rule, topic = found
        top = f"{format_yuan(highest.amount_yuan)}（{_document_name(corpus, highest.doc_id)}）"
        several = count_word(len(calculations))
        return (f"叠加规则：{several}项金额分别为 {amounts}。按{_where(corpus, rule)}，{topic.name}"
                f"同一企业不重复享受省市两级奖补，只能选其一；就高为{top}。", [rule])
    principles = [r for r in rules if not r.topics and r.doc_id in documents]
    cited = "；".join(f"{_where(corpus, r)}「{r.principle}」" for r in principles)
    several = count_word(len(calculations))
    return (f"叠加规则：{several}项金额分别为 {amounts}。按{cited}的原则，"
            f"若{several}项属于同一项目、同一事项，只能享受较高的一项"
            f"（{format_yuan(highest.amount_yuan)}）；是否属于同一事项、能否分别申报，以主管部门认定为准。", principles)


def _where(corpus: Corpus, rule: StackingRule) -> str:
    document = corpus.document(rule.doc_id)
    clause = corpus.clause(rule.doc_id, rule.clause)
    label = clause.label if clause else rule.clause
    return f"《{document.short_title if document else rule.doc_id}》{label}"


def _document_name(corpus: Corpus, doc_id: str) -> str:
    document = corpus.document(doc_id)
    return document.short_title if document else doc_id
