"""The question, read once into a typed value that every later stage uses.

What it names (documents, clauses), the figures it gives and whether it asks for
an amount are read here and nowhere else on the question's way through the router.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.context import user_turns
from assistant.calculator.extract import asked_figure
from assistant.policies.corpus import Corpus
from assistant.policies.places import Place, Places, where
from assistant.search.references import ClauseReference, find_clause_references, find_documents
from assistant.text.amounts import Quantity, find_quantities

# Asking for an amount: 「能拿多少」「贴息多少」「怎么算」「补助标准」.
AMOUNT_QUESTION = re.compile(
    r"多少|几万|几百万|几千万|能拿|能补|能给|能领|能得|能申请到|可以拿|拿到|怎么算|算一下|算算|帮我算|计算|"
    r"补助标准|奖励标准|奖补标准|补贴标准|额度|封顶|上限|最高.{0,4}[补奖贴]|[补奖贴][助励贴息].{0,2}(?:是)?多少"
)
# 「有奖励吗」 with a figure the user gives is a calculation too: 「产值增加1000万元，有奖励吗」.
BENEFIT_QUESTION = re.compile(r"有(?:没有)?(?:奖励?|补助|补贴|奖补|贴息|支持|奖金)|能(?:不能)?(?:享受|申请)")

# the words by which a piece of a message speaks of the company itself (「哈尔滨的机械厂」「我们在大庆」)
COMPANY_WORDS = re.compile(r"我们|我司|本企业|本公司|企业|公司|工厂|厂|集团")
PIECE_BREAK = re.compile(r"[，,。；;！!？?\n]")
# … and the words by which a place names a policy (「哈尔滨市里那个补助」「哈尔滨的政策」)
POLICY_NAMING = re.compile(r"市里|省里|那个|那项|那条|政策|文件|的补助|的奖励|的补贴")

# Asking for a ceiling: 「最多」「上限」「封顶」 (a range's upper end is then the answer asked for).
CEILING_QUESTION = re.compile(r"最多|最高|上限|封顶|顶格|至多|最大")


@dataclass(frozen=True)
class Question:
    """One question in its conversation, as read once on arrival."""

    text: str  # stripped
    history: tuple[tuple[str, str], ...]
    quantities: tuple[Quantity, ...]
    documents: tuple[str, ...]  # doc_ids the question itself names
    context_document: str | None  # the document the latest user turn that named one was about
    references: tuple[ClauseReference, ...]  # 「哈尔滨第十一条」, resolved against context_document
    wants_amount: bool
    places: tuple[Place, ...] = ()  # where the company is, from this question or the latest turn naming a place
    applicable: tuple[str, ...] | None = None  # doc_ids in force there; None when no place is named

    @property
    def user_texts(self) -> tuple[str, ...]:
        """The user's earlier turns and this question, oldest first."""
        return (*user_turns(self.history), self.text)


def wants_amount(text: str, quantities: Sequence[Quantity] | None = None) -> bool:
    """The text asks for an amount, or gives figures and asks about a benefit."""
    found = find_quantities(text) if quantities is None else quantities
    has_money = any(q.kind in ("money", "rate", "count") for q in found)
    return bool(AMOUNT_QUESTION.search(text)) or (has_money and bool(BENEFIT_QUESTION.search(text))) or (
        has_money and not re.search(r"[吗么？?]$", text.strip())
    ) or any(asked_figure(text, q) for q in found)  # 「市里那200万有吗」「奖三百万是真的吗」


# 「每年的设备租赁补助能拿多少」「一年能补多少」: the yearly figure of an award paid over several years is asked,
# not its total (「三年一共」「合计」 ask the total)
PER_YEAR_QUESTION = re.compile(r"(?:每年|每一年|一年)[^，,。；;？?]{0,14}?(?:多少|几)")
TOTAL_WORDS = re.compile(r"一共|总共|合计|累计|加起来|总计|共计|全部|[两三四五六七八九十]年(?:下来|共|合|加)")


def asks_per_year(text: str) -> bool:
    """The text asks what a multi-year award pays in one year (and not what it comes to in all)."""
    return bool(PER_YEAR_QUESTION.search(text)) and not TOTAL_WORDS.search(text)


def asks_ceiling(text: str) -> bool:
    """The text asks for the most that can be had (「最多多少」「上限是多少」)."""
    return bool(CEILING_QUESTION.search(text))


def context_document(history: Sequence[tuple[str, str]], corpus: Corpus) -> str | None:
    """The document the latest user turn that named exactly one was about."""
    for text in reversed(user_turns(history)):
        named = find_documents(text, corpus)
        if len(named) == 1:
            return named[0]
    return None


def company_places(text: str, history: Sequence[tuple[str, str]], corpus: Corpus, places: Places) -> list[Place]:
    """Where the company is: the places the question names — or, when it names none, the latest earlier
    turn that did. A loaded document's own region named beside another place names the policy asked
    about (「大庆的企业，哈尔滨那个奖励能拿吗」), not where the company is."""
    regions = [d.region for d in corpus.documents]
    earlier = user_turns(history)
    for turn, words in enumerate((text, *reversed(earlier))):
        found = where(places, places.find(words), regions)
        if found:  # the documents' regions are read only when a place is named (a walk over every document)
            own = {places.region(r) for r in dict.fromkeys(regions)}
            company = _piece_naming_company(words, places, regions, own) or [p for p in found if p not in own]
            if company:
                return company
            if turn == 0 and earlier and POLICY_NAMING.search(words):
                # 「那哈尔滨市里那个补助我们能申请吗」 after 「我们在大庆…」: the policy, not where the company is
                continue
            return found
    return []


def _piece_naming_company(text: str, places: Places, regions: Sequence[str], own: set[Place | None]) -> list[Place]:
    """A loaded document's own region in the first piece that names a place, when that piece speaks of the
    company (「哈尔滨的机械厂，今年去广州参展」 is a Harbin company at a fair elsewhere). [] otherwise, and
    then every place named counts, those outside the loaded regions first: 「大庆的企业，哈尔滨那个奖励」 is
    a 大庆 company, and 「在香港上市，总部在牡丹江」 one the province's measures reach through 牡丹江."""
    for piece in PIECE_BREAK.split(text):
        found = where(places, places.find(piece), regions)
        if found:
            at_home = all(p in own for p in found) and COMPANY_WORDS.search(piece) and not POLICY_NAMING.search(piece)
            return found if at_home else []
    return []


def applicable_documents(located: Sequence[Place], corpus: Corpus, places: Places) -> tuple[str, ...]:
    """The loaded documents in force where the company is: those whose region contains the place."""
    applicable = []
    for document in corpus.documents:
        region = places.region(document.region)
        if region is not None and any(p.within(region) for p in located):
            applicable.append(document.doc_id)
    return tuple(applicable)


def read_question(text: str, history: Sequence[tuple[str, str]], corpus: Corpus,
                  places: Places | None = None) -> Question:
    """Read the question once: what it names, where the company is, the figures it gives, whether it asks
    for an amount."""
    text = text.strip()
    quantities = tuple(find_quantities(text))
    in_context = context_document(history, corpus)
    located = company_places(text, history, corpus, places) if places is not None else []
    applicable = applicable_documents(located, corpus, places) if located and places is not None else None
    if applicable is not None and len(applicable) == 1 and in_context not in applicable:
        in_context = applicable[0]  # 「大庆第十一条讲什么」: the one policy in force in 大庆
    return Question(
        text=text,
        history=tuple(history),
        quantities=quantities,
        documents=tuple(find_documents(text, corpus, within=applicable)),
        context_document=in_context,
        references=tuple(find_clause_references(text, corpus, default_doc=in_context)),
        wants_amount=wants_amount(text, quantities),
        places=tuple(located),
        applicable=applicable,
    )
