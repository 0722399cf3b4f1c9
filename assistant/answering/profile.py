"""A company described in the conversation, read once into a typed profile (the 政策体检 match).

「我们是哈尔滨的规上制造业企业……能享受哪些政策？」 states facts about the company (制造业, 规上, where it
is) and things it has done or been recognised for. The facts and their words are data
(assistant/data/company_facts.json); which rules a description makes relevant is the rules' own
`audience.mentions` (corpus/*.rules.json). A later turn refines the profile: a fact it states replaces
the earlier one, and the figures of a later turn replace the earlier figures of the same rule.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.answering.context import user_turns
from assistant.calculator import Rule
from assistant.calculator.extract import find_changes
from assistant.policies.places import Place
from assistant.settings import PACKAGE_DATA_DIR
from assistant.text.amounts import find_quantities

FACTS_FILE = PACKAGE_DATA_DIR / "company_facts.json"
NEGATIONS = ("未", "没有", "没", "不", "非", "尚未", "还没")
NEGATION_WINDOW = 3
# The heading every match reply starts with: a later turn that adds a fact refines the same profile.
MATCH_HEADING = "政策体检结果"


@dataclass(frozen=True)
class CompanyFact:
    """One fact a rule may require of a company (制造业企业, 规模以上工业企业), with its words."""

    name: str
    label: str
    yes: tuple[str, ...]
    no: tuple[str, ...]
    implied_by: tuple[str, ...]
    ask: str
    masked: bool = True  # read with recognition names blanked (「绿色工厂」 is no 工厂); 「新纳入规上」 does state 规上


@dataclass(frozen=True)
class DescriptionCues:
    """What makes a message with no list word a match: it describes the company (several facts) and asks
    generally what it can get, or asks nothing at all; asking for one amount keeps it a calculation."""

    general_ask_words: tuple[str, ...] = ()  # 「能拿什么补贴」「帮我看看」「有什么政策能用上」
    one_amount_words: tuple[str, ...] = ()  # 「多少」「怎么算」: one amount of one award is asked
    question_marks: tuple[str, ...] = ()  # 「？」「吗」「什么」: without any of these the message asks nothing
    self_words: tuple[str, ...] = ()  # 「我们」「我厂」「一家」: the message speaks of its own company
    min_facts: int = 2  # facts a description states at least (place, company facts, subjects, self words)


DESCRIPTION_KEYS = {"general_ask_words", "one_amount_words", "question_marks", "self_words", "min_facts"}


@dataclass(frozen=True)
class CompanyFacts:
    """The company facts, and the words that make a message ask for the list of its benefits."""

    facts: tuple[CompanyFact, ...]
    list_words: tuple[str, ...]  # 「哪些政策」「能拿哪些」: the message asks for a list of benefits
    everything_words: tuple[str, ...]  # 「所有」「全部」: list every provision, mentioned or not
    tentative_words: tuple[str, ...] = ()  # 「准备申报」「正在申请」: the subject mentioned is not got yet
    negations: tuple[str, ...] = ()  # 「没有首台套产品」: just before a mention, it denies it
    description: DescriptionCues = DescriptionCues()

    def fact(self, name: str) -> CompanyFact:
        """The fact called `name` (KeyError if none)."""
        return next(f for f in self.facts if f.name == name)


@dataclass(frozen=True)
class CompanyProfile:
    """What the conversation says about the company, oldest turn first."""

    texts: tuple[str, ...]  # the user turns that describe it, oldest first, the latest last
    facts: Mapping[str, bool]  # the facts stated (True) or denied (False); absent when not said
    places: tuple[Place, ...]  # where it is (the latest turn naming a place)
    applicable: tuple[str, ...] | None  # the loaded documents in force there; None when no place is named
    everything: bool  # the user asked for every provision, not only those the description touches

    def fact(self, name: str) -> bool | None:
        """True/False when stated or denied, None when the description does not say."""
        return self.facts.get(name)

    def given(self, facts: CompanyFacts) -> list[tuple[str, str]]:
        """(what, as given) lines for a report: where the company is and each fact stated."""
        lines = [("所在地", "、".join(p.full_name for p in self.places) or "未说明")]
        lines += [(f.label, "是" if self.facts[f.name] else "否") for f in facts.facts if f.name in self.facts]
        return lines


def load_company_facts(path: Path = FACTS_FILE) -> CompanyFacts:
    """The company facts file; ValueError naming the fact and key when it is malformed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    facts = []
    for name, entry in data["facts"].items():
        keys = {"label", "yes", "no", "implied_by", "ask", "masked"}
        if set(entry) != keys:
            raise ValueError(f"{path.name}：事实 {name} 的字段应为 {sorted(keys)}")
        facts.append(CompanyFact(name, entry["label"], tuple(entry["yes"]), tuple(entry["no"]),
                                 tuple(entry["implied_by"]), entry["ask"], bool(entry["masked"])))
    cues = data["description"]
    if set(cues) != DESCRIPTION_KEYS:
        raise ValueError(f"{path.name}：description 的字段应为 {sorted(DESCRIPTION_KEYS)}")
    description = DescriptionCues(tuple(cues["general_ask_words"]), tuple(cues["one_amount_words"]),
                                  tuple(cues["question_marks"]), tuple(cues["self_words"]), int(cues["min_facts"]))
    return CompanyFacts(tuple(facts), tuple(data["list_words"]), tuple(data["everything_words"]),
                        tuple(data["tentative_words"]), tuple(data["negations"]), description)


def recognition_names(rules: Iterable[Rule]) -> tuple[str, ...]:
    """The rules' plain mentions, longest first: names of recognitions and projects (「绿色工厂」「工业互联网平台」)
    that say nothing about the company's own industry or size."""
    return tuple(sorted({m for rule in rules for m in rule.audience.mentions if "…" not in m}, key=len, reverse=True))


def read_facts(texts: Iterable[str], facts: CompanyFacts, masks: Sequence[str] = (),
               implied: bool = True) -> dict[str, bool]:
    """The facts the texts state or deny (and, unless `implied` is False, those the stated ones imply); a later
    text's statement replaces an earlier one. The words of `masks` (recognition names) are blanked first:
    「国家级绿色工厂」 does not say the company is a 工厂."""
    found: dict[str, bool] = {}
    for text in texts:
        masked = text
        for mask in masks:
            masked = masked.replace(mask, "　" * len(mask))
        for fact in facts.facts:
            stated = _states(masked if fact.masked else text, fact)
            if stated is not None:
                found[fact.name] = stated
    for fact in facts.facts if implied else ():  # 「规上工业企业」 is an 工业企业
        if fact.name not in found and any(found.get(other) for other in fact.implied_by):
            found[fact.name] = True
    return found


def _states(text: str, fact: CompanyFact) -> bool | None:
    if any(word in text for word in fact.no):
        return False
    for word in sorted(fact.yes, key=len, reverse=True):
        for match in re.finditer(re.escape(word), text):
            before = text[max(0, match.start() - NEGATION_WINDOW):match.start()]
            return not any(n in before for n in NEGATIONS)
    return None


MENTION_GAP = 12  # characters a mention 「产值…增加」 may have between its two parts


@lru_cache(maxsize=4096)
def _mention_pattern(mention: str) -> re.Pattern[str]:
    first, _, second = mention.partition("…")
    return re.compile(re.escape(first) + f".{{0,{MENTION_GAP}}}?" + re.escape(second))


def mentioned(rule: Rule, text: str) -> bool:
    """The text says something that makes the rule relevant to the company (its audience.mentions): a word,
    or two words in that order close together (「产值…增加」 is 「产值比去年增加了」, not 「年产值5亿元」)."""
    return any(_mentions(word, text) for word in rule.audience.mentions)


def mention_chars(rule: Rule, text: str, claimed: Collection[str] = ()) -> int:
    """How much of the text the rule's audience mentions account for (the characters of each one said),
    leaving out those `claimed` as other rules' keywords unless they are the rule's own."""
    own = set(rule.keywords)
    return sum(len(word.replace("…", "")) for word in rule.audience.mentions
               if (word in own or word not in claimed) and _mentions(word, text))


def _mentions(word: str, text: str) -> bool:
    return bool(_mention_pattern(word).search(text)) if "…" in word else word in text


def audience_mentions(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    """Every distinct audience mention of the rules (policies share most of them), with the rules that
    mention it: what asks_for_benefits looks for, read once at load rather than rule by rule per question."""
    by_mention: dict[str, list[Rule]] = {}
    for rule in rules:
        for word in dict.fromkeys(rule.audience.mentions):
            by_mention.setdefault(word, []).append(rule)
    return {word: tuple(found) for word, found in by_mention.items()}


def _mention_spans(rule: Rule, text: str) -> list[int]:
    starts = []
    for word in rule.audience.mentions:
        if "…" in word:
            starts += [m.start() for m in _mention_pattern(word).finditer(text)]
        else:
            starts += [m.start() for m in re.finditer(re.escape(word), text)]
    return starts


PIECE_BREAK = re.compile(r"[，,。；;！？!?\n]")


def description_pieces(text: str, today: dt.date | None = None) -> list[str]:
    """The text's pieces between commas and stops — but two figures of one stated change stay one piece
    (「去年产值2亿，今年2.5亿」「2025年产值2亿，2026年2.6亿」): the second says what the first is about."""
    pieces: list[str] = []
    start = 0
    for match in [*PIECE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if pieces and _one_change(pieces[-1], text[start - 1:start], piece, today):
            pieces[-1] += text[start - 1:start] + piece
        else:
            pieces.append(piece)
        start = end + 1
    return pieces


def _one_change(first: str, separator: str, second: str, today: dt.date | None) -> bool:
    joined = first + separator + second
    quantities = find_quantities(joined)
    return any(quantities[min(a, b)].end <= len(first) < quantities[max(a, b)].start
               for a, b in find_changes(joined, quantities, today))


TENTATIVE_CONTEXT = 4  # characters before a tentative word checked against the clause's own words


def is_tentative(piece: str, rule: Rule, facts: CompanyFacts) -> bool:
    """The piece speaks of a plan (准备申报、正在申请、计划): a tentative word in it that is not part of the
    clause's own words (「列入省重点新产品开发计划」 names the list, it plans nothing)."""
    for word in facts.tentative_words:
        for match in re.finditer(re.escape(word), piece):
            if piece[max(0, match.start() - TENTATIVE_CONTEXT):match.end()] not in rule.quote:
                return True
    return False


def mention_state(rule: Rule, texts: Sequence[str], facts: CompanyFacts, today: dt.date | None = None) -> str:
    """How the description speaks of the rule's subject: "stated" (评上了、有), "tentative" (准备申报),
    "denied" (没有首台套产品), or "" when it does not speak of it; the firmest wins."""
    found: set[str] = set()
    for text in texts:
        for piece in description_pieces(text, today):
            for start in _mention_spans(rule, piece):
                before = piece[max(0, start - NEGATION_WINDOW):start]
                if any(n in before for n in facts.negations):
                    found.add("denied")
                elif is_tentative(piece, rule, facts):
                    found.add("tentative")
                else:
                    found.add("stated")
    return next((state for state in ("stated", "tentative", "denied") if state in found), "")


def asks_for_benefits(text: str, history: Sequence[tuple[str, str]], facts: CompanyFacts,
                      mentions: Mapping[str, Sequence[Rule]], recognitions: tuple[str, ...],
                      has_place: bool) -> bool:
    """The message describes a company and asks what it can get — or, right after a match reply, adds a
    fact to the same profile (「我们还被认定为省企业技术中心」「产值其实增加了1.1亿」).

    The kind of question decides: a list of benefits is asked for (the data's list words) and the
    message carries company facts (a stated fact, a place, or something a rule's audience mentions); or
    the message is a description (several facts) that asks generally what it can get, or asks nothing
    (「大庆的化工企业，今年技改投了3个亿，项目已经入统」). One amount asked (「多少」) stays a calculation.

    `mentions` is audience_mentions(rules) and `recognitions` recognition_names(rules), both read once at
    load: the rules touched are found through the distinct mentions, not rule by rule per question."""
    touched = list({rule.rule_id: rule for word, rules in mentions.items() if _mentions(word, text)
                    for rule in rules}.values())
    stated = read_facts([text], facts, recognitions, implied=False)
    if any(word in text for word in facts.list_words) and (touched or has_place or stated):
        return True
    if describes_company(text, facts.description, has_place, stated, touched):
        return True
    previous = [entry[1] for entry in _entries(history) if entry[0] == "assistant"]
    return bool(previous) and previous[-1].startswith(MATCH_HEADING) and bool(touched or stated)


def describes_company(text: str, cues: DescriptionCues, has_place: bool, stated: Mapping[str, bool],
                      touched: Sequence[Rule]) -> bool:
    """A description of the company asking generally what it can get (or nothing), not one amount: at least
    `min_facts` facts — where it is, each company fact stated, the subjects mentioned (one per subject
    word), a self word — one of them a company fact or a self word."""
    if any(word in text for word in cues.one_amount_words):
        return False
    asks_generally = any(word in text for word in cues.general_ask_words)
    if not asks_generally and any(mark in text for mark in cues.question_marks):
        return False
    speaks_of_itself = any(word in text for word in cues.self_words)
    if not (stated or speaks_of_itself):
        return False
    subjects = {rule.audience.mentions[0] for rule in touched if rule.audience.mentions}
    count = int(has_place) + len(stated) + min(len(subjects), 2) + int(speaks_of_itself)
    return count >= cues.min_facts


def profile_turns(text: str, history: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The user turns that describe the company: from the turn that asked for the match to this one."""
    previous = _entries(history)
    turns = user_turns(previous)
    # the match conversation begins with the user turn before the first match reply
    start = 0
    users_seen = 0
    for role, said in previous:
        if role == "user":
            users_seen += 1
        elif role == "assistant" and isinstance(said, str) and said.startswith(MATCH_HEADING):
            start = max(0, users_seen - 1)
            break
    else:
        start = len(turns)
    return (*turns[start:], text)


def _entries(history: Sequence[object]) -> list[tuple[str, str]]:
    """The well-formed (role, text) entries of a history; malformed ones are skipped."""
    return [(entry[0], entry[1]) for entry in history
            if isinstance(entry, list | tuple) and len(entry) == 2 and isinstance(entry[1], str)]


def read_profile(texts: Sequence[str], facts: CompanyFacts, places: Sequence[Place],
                 applicable: tuple[str, ...] | None, rules: Iterable[Rule] = ()) -> CompanyProfile:
    """The profile the texts describe."""
    everything = any(word in texts[-1] for word in facts.everything_words) if texts else False
    stated = read_facts(texts, facts, recognition_names(rules))
    return CompanyProfile(tuple(texts), stated, tuple(places), applicable, everything)
