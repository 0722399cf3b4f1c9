"""Several awards asked in one message: every part answered, then the total.

「评上国家级绿色工厂，又认定了省企业技术中心，两项一共多少」 names two awards. The message is cut
where it moves on to another matter (又、另外、同时、还、以及、此外); each part's own words pick its
rule (the keywords of the rules that rank for the whole message) and give its figures. A part
whose facts are missing is asked about — no part is dropped silently. The total applies the
stacking rules: two awards of different documents for a matter one enterprise may take at one
level only (Harbin 第十八条's list) count once, at the higher amount.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.answering.profile import load_company_facts, mention_chars
from assistant.calculator import Calculation, Rule, compute, extract_inputs, missing_parameters
from assistant.calculator.extract import ORDINAL_YEAR, figures_taken, stated_figures, taken_figures, uncued_figures
from assistant.policies.corpus import Corpus
from assistant.policies.stacking import shared_topic
from assistant.text.formatting import format_yuan

# How many awards a message names by a count (「这三块」「两项」「几笔」「三个奖」).
# 「三项专利」 counts no awards: a bare count needs 这/那 or an ask right after it.
COUNTED = (r"两项|两块|三项|几项|各项|两个奖|两笔|两种奖|三种奖|[这那][两二三四五六几](?:项|块|笔|个奖|种奖?|样)"
           r"|[三四五六](?:块|笔)(?=[^，,。？?]{0,6}(?:一共|总共|加起来|合计|共计|总计|能|可以|分别|多少))")
# A message asks for several awards together when it says so …
ASKS_TOGETHER = re.compile(COUNTED + r"|一共|总共|加起来|合计|共计|加在一起|加一起|加到一起|一起算|总计|都能拿|分别"
                           r"|既(?:能|可以|可|要)"
                           # … or names a second award after a word of moving on (「新认定为国家技术创新示范企业，
                           # 又新获得国家服务型制造示范企业」): an answer on one of them would drop the other
                           r"|[，,；;]\s*(?:又|同时|另外|此外)(?:还)?(?:新|刚|被)?(?:获得|被评|被认定|认定|评上|评为|拿了|入选|"
                           r"遴选|获评|成为)")
# The parts are one project (「一个智能工厂项目…既能申请…又能申请…」): a document's 从高不重复 counts it once.
ONE_PROJECT = re.compile(r"(?<!另)(?:一个|同一个?|这个|该)[^，,。；;？?]{0,12}项目")
OTHER_PROJECT = re.compile(r"另(?:外)?一个|其他项目|别的项目|[两二三几多]个[^，,。；;？?]{0,12}项目")
# … and moves on to another matter at one of these words.
MOVES_ON = re.compile(r"[，,；;]?\s*(?=另外|同时|又|还有|还被|还在|还拿|还获|还评|还认定|以及|此外|再加上|并且)")
MIN_KEYWORD_CHARS = 2
PAYER_NAMED = re.compile(r"市里|省里")
OPTIONS_PER_PART = 4  # the best-scoring rules of each part that the assignment of the whole message weighs
MAX_ASSIGNMENTS = 1024  # … at most this many assignments (8 parts: the two best of each)
NEARBY_RULES = 8  # a part may also pick one of the best-ranked rules by its figures alone (「固投1个亿」)
# … or names how many it asks about: then an answer with one amount would drop the rest.
SEVERAL = re.compile(COUNTED + r"|这两|这几")


# 「省里和市里加起来」: the same matter asked of both levels' policies together.
BOTH_LEVELS = re.compile(r"(?:省里|省级|省)(?:的)?(?:和|与|跟|加|、|及|以及)(?:市里|市级|市)"
                         r"|(?:市里|市级|市)(?:的)?(?:和|与|跟|加|、|及|以及)(?:省里|省级|省)"
                         r"|省市(?!场)")  # 「省市加起来」「省市两级」, not 「省市场监管局」


def asks_both_levels(question: str) -> bool:
    """The message asks for the province's and the city's award for one matter together."""
    return bool(BOTH_LEVELS.search(question)) and bool(ASKS_TOGETHER.search(question))


@dataclass(frozen=True)
class Part:
    """One award of the message: its words, its rule and its figures."""

    text: str
    rule: Rule
    inputs: Mapping[str, Any]


Option = tuple[tuple[int, int, int, int], int, Rule]  # a part's rule: (took, −uncued, words, −rank), figures stated


def split_parts(question: str) -> list[str]:
    """The message cut where it moves on to another matter; the shared ask stays with the last part."""
    pieces = [piece for piece in MOVES_ON.split(question) if piece.strip("，,；; ")]
    return pieces if len(pieces) > 1 else [question]


# A follow-up that adds its award to the earlier turn's (「还有，…担保费交了9万，加上一共多少」)
WITH_EARLIER = re.compile(r"^\s*(?:还有|另外|此外|同时|再有)|加上|算上|连同|连上|合起来|[和跟](?:之前|前面|刚才|上面)")


def asks_with_earlier(question: str) -> bool:
    """The follow-up asks for its award together with the earlier turn's."""
    return bool(ASKS_TOGETHER.search(question)) and bool(WITH_EARLIER.search(question))


def asks_several(question: str) -> bool:
    """The message asks about several awards at once (「两项一共多少」, 「…，另外…，加起来多少」)."""
    return bool(SEVERAL.search(question)) or (bool(ASKS_TOGETHER.search(question)) and len(split_parts(question)) > 1)


@lru_cache(maxsize=1)
def describing_words() -> frozenset[str]:
    """Words that describe the company itself (the company facts' `yes` words: 规上、制造业): a rule's
    keyword among them does not make a part of its own (「哈尔滨规上制造业，向融资租赁公司租设备…三年一共」
    asks one award, not also the 新增入统规上 award)."""
    return frozenset(word for fact in load_company_facts().facts for word in fact.yes)


def own_keywords(rule: Rule) -> tuple[str, ...]:
    describing = describing_words()
    return tuple(w for w in rule.keywords if w and w not in describing)


def keyword_chars(rule: Rule, text: str, claimed: frozenset[str] = frozenset()) -> int:
    """How much of the rule's own vocabulary the text contains: its keywords, or the words of who it is for
    (audience.mentions: 「新进了规上」 is 新进…规上, where 规上 alone only describes the company) other than
    another rule's keywords (`claimed`: 「流贷」 names the interest award, though the guarantee-fee award is
    for the same companies), and its choice words."""
    chars = naming_chars(rule, text, claimed)
    # a year of a yearly award (「第二年」) names no award: 「第二年又花了700万」 is the next year of the same one
    return chars + sum(len(w) for p in rule.params if p.kind == "choice" for w, choice in p.choice_words()
                       if w in text and not ORDINAL_YEAR.fullmatch(choice))


def find_parts(question: str, candidates: Sequence[Rule], others: Sequence[Rule] = (),
               names_documents: Callable[[str], Sequence[str]] | None = None) -> list[Part] | None:
    """Two or more parts, each with the candidate rule its own words name best and whose parameters
    take the figures it states; [] when the message asks for one award; None when it asks for several
    but a part's figures fit no candidate (an amount then would be a guess).  `others`, the rest of the
    documents' rules, compete by their own words (a candidate, ranked by the whole message, may also win
    on its figures alone): 「…专精特新小巨人，同年被认定为市级技术创新示范企业，还参加了…展会」 must not
    lose its first award because other clauses rank above it for the message as a whole.  A piece that
    names a level of its own (`names_documents`: 「2023年新纳入规上统计（市里的入规奖）」) takes that level's rules."""
    if not ASKS_TOGETHER.search(question):
        return []
    every = [*candidates, *others]
    # cut where the message moves on, then each piece where it names another award (「…认定为省级隐形冠军，
    # 去年新认定了省企业技术中心，还有一个首台套…」: the first piece holds two awards)
    claimed = frozenset(word for rule in every for word in own_keywords(rule))
    pieces = [sub for piece in split_parts(question) for sub in group_by_named_rules(piece, every, claimed)]
    if len(pieces) < 2:
        return []
    options: list[list[Option]] = []
    texts: list[str] = []
    for piece in pieces:
        scored = []
        # the paying level named by its word (「市里的入规奖」), not a place the company is in (「我们在哈尔滨」)
        level = set(names_documents(piece)) if names_documents is not None and PAYER_NAMED.search(piece) else set()
        if not any(rule.doc_id in level for rule in every):
            level = set()
        for index, rule in enumerate(every):
            if level and rule.doc_id not in level:
                continue
            words = keyword_chars(rule, piece, claimed)
            inputs = extract_inputs(piece, rule)
            took, stated = figures_taken(piece, rule, inputs)
            if words >= MIN_KEYWORD_CHARS or (took and index < NEARBY_RULES):
                # a figure taken with none of the rule's cues beside it counts against the rule: 「用工业互联网平台
                # 升级付服务费200万」 is the service-fee rule's (服务费), not the platform-building one's (投资额)
                scored.append(((took, -uncued_figures(piece, rule, inputs), words, -index), stated, rule))
        if scored:
            options.append(sorted(scored, key=lambda entry: entry[0], reverse=True))
            texts.append(piece)
    # the assignments weighed: each part's best-scoring rules, fewer for a message of many parts
    width = OPTIONS_PER_PART
    while width > 1 and width ** len(options) > MAX_ASSIGNMENTS:
        width -= 1
    options = [option[:width] for option in options]
    chosen, owners, taken = best_assignment(texts, options)
    merged: dict[int, tuple[str, Rule]] = {}
    for index, (piece, (stated, rule)) in enumerate(zip(texts, chosen, strict=True)):
        if taken[index] < stated:
            return None  # a figure of this part fits none of the parts' rules: ask, do not guess
        owner = owners[index]
        merged[owner] = (merged[owner][0] + piece, rule) if owner in merged else (piece, rule)
    parts = [Part(text, rule, extract_inputs(text, rule)) for text, rule in merged.values()]
    return parts if len(parts) >= 2 else []


def best_assignment(texts: Sequence[str], options: Sequence[Sequence[Option]]
                    ) -> tuple[list[tuple[int, Rule]], list[int], list[int]]:
    """One rule per piece, chosen for the message as a whole, the part each piece belongs to and how many of
    each piece's stated figures the assignment takes: the
    assignment whose rules take the most stated figures, then leave the fewest uncued, then whose pieces name
    the most of their rules' words, then makes the most parts. A figure of one part may be a fact another
    part's rule needs (「领航企业，年营收8个亿。引进的配套企业配套了3000万；另外配套采购额涨了12%，新增配套额
    1个亿」: the 8亿 is the growth award's, stated before the intro award's 3000万), so a figure counts as
    taken by another part's rule when that part lacks the fact. A piece that takes a rule an earlier piece
    took belongs to that part, unless they name different kinds of it (「国家级小巨人，另外还被认定为省级隐形
    冠军」: two parts)."""
    best: tuple[list[tuple[int, Rule]], list[int], list[int]] = ([], [], [])
    best_key: tuple[int, ...] | None = None
    kinds: dict[tuple[str, int], dict[str, Any]] = {}
    taken: dict[tuple[str, int], tuple[set[float], dict[str, Any]]] = {}
    stated_each = [stated_figures(text) for text in texts]
    for combination in itertools.product(*options):
        rules = [rule for _, _, rule in combination]
        owners = part_owners(texts, rules, kinds)
        took = shared_taken(texts, stated_each, rules, taken)
        uncued = sum(score[1] for score, _, _ in combination)
        words = sum(score[2] for score, _, _ in combination)
        key = (sum(took), uncued, words, len(set(owners)), *(score[3] for score, _, _ in combination))
        if best_key is None or key > best_key:
            best, best_key = ([(stated, rule) for _, stated, rule in combination], owners, took), key
    return best


def part_owners(texts: Sequence[str], rules: Sequence[Rule], kinds: dict[tuple[str, int], dict[str, Any]]
                ) -> list[int]:
    """The part each piece belongs to (the index of its first piece): a piece taking a rule an earlier piece
    took refines that part (「…工业设计中心，还拿了省级认定」: one award), unless it names another kind of it
    than each earlier one did (`kinds` caches each piece's kinds)."""
    seen: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    owners = []
    for index, (text, rule) in enumerate(zip(texts, rules, strict=True)):
        key = (rule.rule_id, index)
        if key not in kinds:
            kinds[key] = choices_of(rule, text)
        chosen = kinds[key]
        earlier = seen.get(rule.rule_id, [])
        if earlier and not (chosen and all(before and chosen != before for _, before in earlier)):
            owners.append(earlier[0][0])
            continue
        seen.setdefault(rule.rule_id, []).append((index, chosen))
        owners.append(index)
    return owners


def shared_taken(texts: Sequence[str], stated_each: Sequence[Sequence[float]], rules: Sequence[Rule],
                 cache: dict[tuple[str, int], tuple[set[float], dict[str, Any]]]) -> list[int]:
    """For each piece, how many of its stated figures its own rule takes, or another piece's rule takes as a
    fact that rule's own piece lacks (「年营收8个亿」 before the intro award's piece, for the growth award)."""
    def read(rule: Rule, index: int) -> tuple[set[float], dict[str, Any]]:
        key = (rule.rule_id, index)
        if key not in cache:
            inputs = extract_inputs(texts[index], rule)
            cache[key] = (taken_figures(texts[index], rule, inputs), inputs)
        return cache[key]

    lacking = [lacking_facts(rule, read(rule, index)[1]) for index, rule in enumerate(rules)]
    counts = []
    for index, rule in enumerate(rules):
        covered = set(read(rule, index)[0])
        for other, other_rule in enumerate(rules):
            if other != index and other_rule.rule_id != rule.rule_id and lacking[other]:
                inputs = read(other_rule, index)[1]
                covered |= {float(v) for name, v in inputs.items() if name in lacking[other] and isinstance(v, float)}
        counts.append(sum(1 for value in stated_each[index] if any(abs(value - t) <= 0.5 for t in covered)))
    return counts


def lacking_facts(rule: Rule, inputs: Mapping[str, Any]) -> set[str]:
    """The rule's required inputs and the inputs of the conditions it would assume that `inputs` lack."""
    assumed = {n for c in rule.conditions if c.assume_if_missing for n in c.params()}
    return {p.name for p in rule.params if (p.required or p.name in assumed) and p.name not in inputs}


def choices_of(rule: Rule, text: str) -> dict[str, Any]:
    """The choice parameters `text` fills for `rule` (which kind of its award it names)."""
    inputs = extract_inputs(text, rule)
    return {p.name: inputs[p.name] for p in rule.params if p.kind == "choice" and p.name in inputs}


def naming_chars(rule: Rule, text: str, claimed: frozenset[str]) -> int:
    """How much of the text names the rule by its own keywords or by its audience mentions not `claimed`."""
    return max(sum(len(w) for w in own_keywords(rule) if w in text), mention_chars(rule, text, claimed))


def named_rules(rules: Sequence[Rule], text: str, claimed: frozenset[str] = frozenset()) -> set[str]:
    """The rules the text names by their own keywords or audience mentions (not only by a choice word)."""
    return {r.rule_id for r in rules if naming_chars(r, text, claimed) >= MIN_KEYWORD_CHARS}


def group_by_named_rules(question: str, candidates: Sequence[Rule], claimed: frozenset[str] = frozenset()
                         ) -> list[str]:
    """A message that asks for awards together but has no word of moving on (「…示范企业，还遴选为全国质量标杆，
    加起来多少」): its clauses (cut at commas) grouped so that a clause naming rules none of which the group so
    far names starts a new part; clauses naming none stay with the group before them."""
    groups: list[tuple[str, set[str]]] = []
    for piece in re.split(r"(?<=[，,；;、和及与])", question):  # 「单项冠军企业和国家级专精特新小巨人」
        if not piece.strip("，,；; "):
            continue
        named = named_rules(candidates, piece, claimed)
        if groups and (not named or not groups[-1][1] or named & groups[-1][1]):
            text, before = groups[-1]
            groups[-1] = (text + piece, before | named)
        else:
            groups.append((piece, named))
    return [text for text, _ in groups] if len(groups) > 1 else [question]


def fill_from_message(part: Part, question: str, lacking: Sequence[str]) -> Part:
    """A fact a part lacks may stand elsewhere in the message (「大庆化工企业年能耗3万吨标煤，去年…」):
    only the lacking ones are taken from the whole message, never a figure the part already has."""
    whole = extract_inputs(question, part.rule)
    return Part(part.text, part.rule, {**part.inputs, **{k: whole[k] for k in lacking if k in whole}})


def combined_total(corpus: Corpus, calculations: Sequence[Calculation], question: str) -> tuple[float, list[str]]:
    """The parts' total and how it was reached: the stacking rules of the loaded documents decide
    whether two awards of different levels for the same listed matter count once (the higher)."""
    rules = corpus.stacking_rules
    counted = [c for c in calculations if c.eligible and c.amount_yuan > 0]
    notes: list[str] = []
    kept: list[Calculation] = []
    for calculation in counted:
        found, rival = next(((topic, k) for k in kept if k.doc_id != calculation.doc_id
                             for topic in [shared_topic(rules, [k.rule_id, calculation.rule_id])]
                             if topic is not None), (None, None))
        if found is None or rival is None:
            kept.append(calculation)
            continue
        higher, lower = (rival, calculation) if rival.amount_yuan >= calculation.amount_yuan else (calculation, rival)
        notes.append(f"「{higher.name}」与「{lower.name}」同属{found[1].name}，省市两级只能享受一级，"
                     f"合计按较高的{format_yuan(higher.amount_yuan)}计")
        kept = [k for k in kept if k is not rival] + [higher]
    documents = {k.doc_id for k in kept}
    principle = next((r for r in rules if not r.topics and r.doc_id in documents and "从高" in r.principle), None)
    if len(kept) > 1 and len(documents) == 1 and principle is not None and ONE_PROJECT.search(question) \
            and not OTHER_PROJECT.search(question):
        higher = max(kept, key=lambda k: k.amount_yuan)
        others = "、".join(f"「{k.name}」" for k in kept if k is not higher)
        clause = corpus.clause(principle.doc_id, principle.clause)
        notes.append(f"同一项目同时符合「{higher.name}」与{others}，按{clause.label if clause else principle.clause}"
                     f"「{principle.principle}」的原则，合计按较高的{format_yuan(higher.amount_yuan)}计")
        kept = [higher]
    return float(sum(c.amount_yuan for c in kept)), notes


def compute_parts(parts: Sequence[Part], question: str, lpr_table: Any,
                  on_missing: Callable[[Part, list[str], list[str]], Any]) -> list[Calculation] | Any:
    """Each part's calculation, or what `on_missing` makes of the first part that lacks facts."""
    calculations = []
    for part in parts:
        missing = missing_parameters(part.rule, part.inputs, lpr_table)
        # a condition the calculator would assume (「年营收8个亿」 for the growth award) may be stated in
        # another part's words too, as a fact about the company
        assumed = [n for c in part.rule.conditions if c.assume_if_missing for n in c.params() if n not in part.inputs]
        filled = fill_from_message(part, question, [*(p.name for p in missing), *assumed])
        missing = missing_parameters(filled.rule, filled.inputs, lpr_table)
        if missing:
            return on_missing(part, [p.label for p in missing], [p.ask for p in missing if p.ask])
        filled = first_year_of(filled)
        calculations.append(compute(filled.rule, filled.inputs, lpr_table))
    return calculations


def first_year_of(part: Part) -> Part:
    """A part of a multi-part message that names an award paid year by year (省第11条 入规: 第一年20万，第二年、
    第三年主营业务收入…再分别奖励) but neither a year nor a total of its years, and states no later year's facts:
    the message's 「一共」 adds up its parts, so the award counts its first year (the later ones depend on
    facts not given), not every year on assumed conditions."""
    rule = part.rule
    stage = next((p for p in rule.params if p.name == rule.stage_param), None) if rule.stage_param else None
    if stage is None or len(stage.choices) < 2 or not all(ORDINAL_YEAR.fullmatch(c) for c in stage.choices):
        return part
    if stage.name in part.inputs or (rule.total_param and part.inputs.get(rule.total_param)):
        return part
    if any(p.name in part.inputs for p in rule.params if p.kind == "money"):
        return part  # a later year's revenue stated: the years it speaks of are computed
    return Part(part.text, rule, {**part.inputs, stage.name: stage.choices[0]})
