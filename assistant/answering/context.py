"""Conversation context derived from the history the caller passes.

Nothing is stored between calls: the topic, the rule and the facts of earlier
turns are re-read from the user's earlier words each time, so one Assistant
serves any number of conversations at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.policies.corpus import Corpus
from assistant.search.references import JURISDICTION_WORDS
from assistant.search.retriever import ChineseTokenizer
from assistant.text.amounts import find_quantities

# Turns that lean on the previous one: 「那哈尔滨市里呢」「如果是智能工厂呢」「合同金额是1500万元」.
ELLIPSIS = re.compile(
    r"^(那|那么|如果|要是|假如|换成|改成|按|再问|还有|另外)|呢[？?]?$|^[\d一二三四五六七八九十百千万亿.,，%％元]+"
)
# Words that carry no topic of their own in a follow-up.
NON_TOPIC = frozenset(
    "能拿 能 拿 补 补助 奖励 补贴 奖补 贴息 多少 多少钱 钱 万元 亿元 元 万 亿 算 计算 一下 按 是 "
    "那 呢 如果 要是 市里 省里 市级 省级 金额 合同 投资 投资额 总投资 能补 给 吗 我们 我 公司 企业 情况 的话".split()
)


@dataclass(frozen=True)
class Context:
    """What the question means in its conversation."""

    question: str
    earlier: tuple[str, ...]  # earlier user turns, oldest first
    leans_on_earlier: bool  # the question continues the previous topic

    @property
    def search_text(self) -> str:
        """The text to search with: the question, plus the previous turn when it leans on it."""
        if self.leans_on_earlier and self.earlier:
            return f"{self.earlier[-1]} {self.question}"
        return self.question

    @property
    def user_texts(self) -> tuple[str, ...]:
        """Everything the user has said, oldest first (figures the user gave may be repeated)."""
        return (*self.earlier, self.question)


def user_turns(history: Sequence[tuple[str, str]]) -> list[str]:
    """The user's earlier turns, oldest first; malformed entries are skipped."""
    turns = []
    for entry in history:
        if isinstance(entry, list | tuple) and len(entry) == 2 and entry[0] == "user" and isinstance(entry[1], str):
            turns.append(entry[1])
    return turns


def read_context(question: str, history: Sequence[tuple[str, str]], corpus: Corpus,
                 tokenizer: ChineseTokenizer, names_topic: bool = True) -> Context:
    """Decide whether the question continues the previous turn's topic: it is elliptical
    (「那哈尔滨市里呢」), has no content words, or gives figures without naming a subject
    (「合同额60万元，合作了4年，能拿多少」 after 「创意设计服务有奖补吗」)."""
    earlier = tuple(user_turns(history))
    if not earlier:
        return Context(question, earlier, False)
    gives_figures = any(q.kind in ("money", "rate", "count", "years") for q in find_quantities(question))
    leans = (bool(ELLIPSIS.search(question.strip())) or not topic_words(question, corpus, tokenizer)
             or (gives_figures and not names_topic))
    return Context(question, earlier, leans)


def topic_words(question: str, corpus: Corpus, tokenizer: ChineseTokenizer) -> list[str]:
    """Content words of the question that are not names of documents, numbers or generic asks."""
    text = question
    for document in corpus.documents:
        for alias in sorted(document.aliases, key=len, reverse=True):
            text = text.replace(alias, " ")
    for pattern in JURISDICTION_WORDS.values():
        text = pattern.sub(" ", text)
    return [t for t in tokenizer.tokenize(text) if t not in NON_TOPIC and not re.fullmatch(r"[\d.%]+", t)]
