"""Explicit clause references resolve directly, without search."""

from __future__ import annotations

import pytest

from assistant.policies.corpus import Corpus
from assistant.search.references import ClauseReference, find_clause_references, find_documents

P, H = "heilongjiang", "harbin"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("哈尔滨第十一条讲什么", [ClauseReference(H, "11")]),
        ("哈尔滨第五条", [ClauseReference(H, "5")]),
        ("第11条", [ClauseReference(None, "11")]),
        ("第十一条", [ClauseReference(None, "11")]),
        ("省里第14条", [ClauseReference(P, "14")]),
        ("省政策第3条讲了什么", [ClauseReference(P, "3")]),
        ("省第二十条", [ClauseReference(P, "20")]),
        ("市里第十八条说的啥", [ClauseReference(H, "18")]),
        ("黑龙江第19条和哈尔滨第6条", [ClauseReference(P, "19"), ClauseReference(H, "6")]),
        ("哈尔滨政策的附则", [ClauseReference(H, "附则")]),
        ("哈政规〔2021〕10号第十二条", [ClauseReference(H, "12")]),
        ("第 8 条", [ClauseReference(None, "8")]),
    ],
)
def test_explicit_references_resolve_to_document_and_clause(
    corpus: Corpus, question: str, expected: list[ClauseReference]
) -> None:
    assert find_clause_references(question, corpus) == expected


@pytest.mark.parametrize("question", ["企业上市有什么补助", "500强奖励多少", "投资3亿元能拿多少", "2023年9月入统"])
def test_questions_without_a_clause_number_have_no_reference(corpus: Corpus, question: str) -> None:
    assert find_clause_references(question, corpus) == []


def test_a_bare_reference_takes_the_conversation_document(corpus: Corpus) -> None:
    assert find_clause_references("那第五条呢", corpus, default_doc=P) == [ClauseReference(P, "5")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("哈尔滨对新入规企业奖励多少", [H]),
        ("省里对新入规企业奖励多少", [P]),
        ("那哈尔滨市里呢", [H]),
        ("省里和市里的设备租赁融资补贴能一起拿吗", [H, P]),
        ("企业上市有什么补助", []),
        # 哈尔滨股权交易中心 is printed in the province policy: it does not name Harbin's policy
        ("在哈尔滨股权交易中心紫丁香专板挂牌有奖励吗", []),
        ("节省成本的办法", []),
        # 省级/市级 before a recognition is its level; before paying or asking it is the payer
        ("有省级企业技术中心，能力提升项目投了4000万，市里能补多少", [H]),
        ("被认定为市级技术创新示范企业，省级奖励多少", [P]),
        ("省级财政承担多少", [P]),
        ("省级能拿多少", [P]),
    ],
)
def test_documents_are_named_by_alias_or_jurisdiction_word(corpus: Corpus, question: str, expected: list[str]) -> None:
    assert sorted(find_documents(question, corpus)) == sorted(expected)
