"""Resolve what a question names explicitly: documents, jurisdictions and clause numbers.

「哈尔滨第十一条」, 「第11条」, 「省里第14条」, 「省政策第3条」, 「附则」: these are
answered by look-up, never by search.  Documents are recognised by the aliases
in their metadata and by the jurisdiction words 省/市.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from assistant.policies.corpus import Corpus, Document
from assistant.policies.stacking import received_spans
from assistant.text.numbering import CLAUSE_REFERENCE, NAMED_PART, number_to_clause_id

# 「省里第14条」「省政策第3条」「市里的第五条」: a jurisdiction word right before a reference.
JURISDICTION_WORDS = {
    "province": re.compile(r"省(?:里|级|政府|政策|的|文件)?"),
    "city": re.compile(r"市(?:里|级|政府|政策|的|文件)?"),
}


# 「省级」「市级」 names the payer when what follows speaks of paying or asking (「省级财政」「省级奖励」「市级的」
# 「省级能拿多少」); before a recognition (「省级企业技术中心」) it is that recognition's level.
PAYER_AFTER_LEVEL = ("财政", "政策", "奖", "补", "资金", "层面", "政府", "文件", "部门", "支持", "的", "给", "能", "可",
                     "有", "拿", "会", "出", "那", "这", "再", "也", "还", "和", "与", "跟", "加", "及", "呢", "是",
                     "多少", "一共", "合计", "总共", "都", "各", "分别", "配套", "层")
# 节省, 城市, 都市, 超市: 省/市 inside another word.
NOT_JURISDICTION_BEFORE = frozenset("节城都超")


@dataclass(frozen=True)
class ClauseReference:
    """A clause the question names; doc_id is None when no document is named."""

    doc_id: str | None
    clause: str


def find_documents(question: str, corpus: Corpus, within: Collection[str] | None = None) -> list[str]:
    """Documents the question names by alias or jurisdiction word, in corpus order.  A jurisdiction word
    (「市里」) names the documents of that level in force where the company is (`within`, when known and
    any of that level is loaded there): with several cities' policies loaded, 「市里」 is the company's city."""
    named = [d.doc_id for d in corpus.documents if _names_document(question, d, corpus)]
    received = received_spans(question)  # 「已经拿了省里的绿色工厂奖励，市里还能拿多少」: 省里 is not asked
    for jurisdiction, pattern in JURISDICTION_WORDS.items():
        for match in pattern.finditer(question):
            if any(start <= match.start() < end for start, end in received):
                continue
            if _is_jurisdiction_word(question, match.start(), match.end()):
                level = [d.doc_id for d in corpus.documents if d.jurisdiction == jurisdiction]
                there = [d for d in level if within is not None and d in within]
                named += there or level
    return [d.doc_id for d in corpus.documents if d.doc_id in named]


def find_clause_references(question: str, corpus: Corpus, default_doc: str | None = None) -> list[ClauseReference]:
    """Clauses the question names; each resolved to a document where one is named.

    A reference with no document named resolves to `default_doc` (the one the
    conversation is about) when given, else stays unresolved (doc_id None).
    """
    references: list[ClauseReference] = []
    for match in CLAUSE_REFERENCE.finditer(question):
        token = match.group(1) or match.group(2)
        try:
            clause = number_to_clause_id(token)
        except ValueError:
            continue
        doc_id = _document_before(question, match.start(), corpus) or default_doc
        references.append(ClauseReference(doc_id, clause))
    for match in NAMED_PART.finditer(question):
        doc_id = _document_before(question, match.start(), corpus) or default_doc
        references.append(ClauseReference(doc_id, match.group(0)))
    unique: list[ClauseReference] = []
    for reference in references:
        if reference not in unique:
            unique.append(reference)
    return unique


def _document_before(question: str, position: int, corpus: Corpus) -> str | None:
    """The document named closest before `position` (「哈尔滨第五条」「省里第14条」)."""
    best: tuple[int, str] | None = None
    for document in corpus.documents:
        for alias in document.aliases:
            index = question.rfind(alias, 0, position)
            if index >= 0 and (best is None or index > best[0]) and _names_document_at(
                question, index, alias, document, corpus
            ):
                best = (index, document.doc_id)
    for jurisdiction, pattern in JURISDICTION_WORDS.items():
        for match in pattern.finditer(question, 0, position):
            later = best is None or match.start() > best[0]
            if later and _is_jurisdiction_word(question, match.start(), match.end()):
                matches = [d.doc_id for d in corpus.documents if d.jurisdiction == jurisdiction]
                if len(matches) == 1:
                    best = (match.start(), matches[0])
    return best[1] if best else None


def _names_document(question: str, document: Document, corpus: Corpus) -> bool:
    return any(
        _names_document_at(question, index, alias, document, corpus)
        for alias in document.aliases
        for index in _find_all(question, alias)
    )


def _names_document_at(question: str, index: int, alias: str, document: Document, corpus: Corpus) -> bool:
    """An alias names the document unless it is part of a term another document uses
    (「哈尔滨股权交易中心」 is printed in the province policy: it does not name Harbin's)."""
    window = question[index : index + len(alias) + 4]
    for other in corpus.documents:
        if other.doc_id != document.doc_id and len(window) > len(alias) + 1:
            for length in range(len(window), len(alias) + 1, -1):
                if window[:length] in other.text and window[:length] not in document.text:
                    return False
    return True


def _is_jurisdiction_word(question: str, start: int, end: int) -> bool:
    """「省」 as 省里/省级/省政策, not inside 节省/省钱/省份名 or 市场/城市."""
    before = question[start - 1] if start > 0 else ""
    after = question[end] if end < len(question) else ""
    word = question[start:end]
    recognition_follows = (bool(after) and "\u4e00" <= after <= "\u9fff"
                           and not question[end:].startswith(PAYER_AFTER_LEVEL))
    if word[1:] == "级" and recognition_follows:
        return False  # 「省级企业技术中心」「市级技术创新示范企业」: the level of a recognition, not who pays
    if len(word) > 1 and word[1:] in ("里", "级", "政府", "政策", "文件"):
        return before not in NOT_JURISDICTION_BEFORE
    # a bare 省/市 only counts right before a clause reference: 「省第14条」
    return bool(re.match(r"\s*第", question[end:])) and before not in NOT_JURISDICTION_BEFORE and after != "场"


def _find_all(text: str, word: str) -> list[int]:
    found, start = [], text.find(word)
    while start >= 0:
        found.append(start)
        start = text.find(word, start + 1)
    return found
