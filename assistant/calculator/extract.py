"""Read a rule's inputs out of a Chinese question (pure, no I/O).

Numbers are assigned to parameters by the parameter's cue words: each
(number, cue) pair is scored by the characters between them (a cue before
the number is preferred, crossing a comma costs more), and pairs are taken
best first so every number and every single-valued parameter is used once.
Choice parameters are found by their choice words, flags by their cues,
dates by `find_dates`.  Anything that cannot be placed is ignored: the
calculator then reports the parameter as missing instead of guessing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence

from assistant.calculator.model import Parameter, Rule
from assistant.text.amounts import Quantity, find_dates, find_quantities, has_share_word

NUMERIC_KINDS = ("money", "rate", "count", "years", "number")
SEPARATORS = set("，,。；;！？!?\n")
MAX_GAP = 24  # characters between a cue and its number
SEPARATOR_COST = 8  # a cue across a comma is weaker evidence
AFTER_COST = 1  # 「3亿的投资」 is less common than 「投资3亿」
CHOICE_CUE_WINDOW = 12
NEGATIONS = ("未", "没有", "没", "不", "非", "尚未")
NEGATION_WINDOW = 4
CHOICE_DENIALS = ("不是", "并非", "而非", "不属于", "不算")
ITEM_UNITS = ("个", "项", "款", "台", "套", "件", "种", "品种")
# A stated change between two figures: 「从4亿增加到4.6亿」「由8亿增长到9.6亿」「4亿涨到4.6亿」, and
# 「去年8个亿，今年9.2个亿」.
CHANGE_BETWEEN = re.compile(r"^\s*(?:元)?\s*(?:增加|增长|涨|提高|上升|提升|增|升|变|跃升)?(?:了)?(?:到|至|为)(?:了)?"
                            r"\s*$")  # 「从5亿涨到了6亿」
CHANGE_FROM = ("从", "由")
CHANGE_LOOKBACK = 10
# A figure reached, not a change: 「产值做到了6亿」「要是冲到6.5亿呢」 is a level, never an increase by itself
LEVEL_BEFORE = re.compile(r"(?:做|冲|涨|增长|增加|提高|提升|上升|升|达|干|突破|跃升)?(?:了)?(?:到|至)(?:了)?\s*$")
INCREASE_NAMED = re.compile(r"增加额|增量|增长额|增加值|增收额|增幅|增加部分")
# 「去年2亿，今年2.5亿」「前年产值2亿，去年2.6亿」「2025年3亿，2026年3.9亿」: two figures each labelled with its
# year state a change from the earlier year's to the later's, whichever is written first. A relative year
# counts back from today (the injectable clock); without today only years of one kind are compared.
RELATIVE_YEARS = {"大前年": -3, "前年": -2, "去年": -1, "上一年": -1, "上年": -1,
                  "今年": 0, "本年": 0, "当年": 0, "这一年": 0}
SAME_YEAR = ("当年", "这一年")  # the year the text has just named, not today's
YEAR_LABEL = re.compile(r"(\d{4})\s*年|" + "|".join(RELATIVE_YEARS))
YEARLY_GAP = 14
YEARLY_LEAD = 4  # characters between the first figure and the second figure's year: 「，」「，而」
YEARLY_CHANGE_WORDS = re.compile(r"比|增|减|多|少|涨|降|提高|上升|下降")
# 「报价10万，实际交了8万」: a figure the question marks as actual fits a parameter whose label is the
# actual amount (实际交易额, 实际缴纳展位费…) better than the other figure near the same cue.
ACTUAL_WORDS = ("实际", "实付", "已支付", "已付", "实缴")
ACTUAL_WINDOW = 10
LIST_GAP = 8
LIST_JOINS = ("、", "和", "加", "+", "＋", "及", "与")
TERM_BEFORE = re.compile(r"上限|封顶|最高|顶格|最多")
TERM_AFTER = re.compile(r"^(?:元)?(?:封顶|为上限|上限|顶格)")
SENTENCE_ENDS = set("。；;！？!?\n")
ASKED_FIGURE = re.compile(r"能拿|能补|能给|能领|能得|能申请|可以拿|可以补|是不是|是否|就是|只有|奖励|补助|补贴|给予")

# 「那50万能拿吗」「奖两百万对吗」「是固定50万吗」: the award asked about, named as a figure, is no fact
# of the company's: a word of the award or a pointer (那/这) just before, a yes/no question just after.
ASKED_BEFORE = re.compile(r"(?:那|这|那个|这个|奖|奖励|补|补助|补贴|给|固定|拿)$")
ASKED_AFTER = re.compile(
    r"^(?:元)?(?:现在|还|也|都)?(?:能拿|能给|能领|能申请|能有|有|还有|还给|对|是真的|是不是真的)?(?:吗|么)")

SUBSET = re.compile(r"其中|当中|里面有|里头有")
SUBSET_WINDOW = 10
InputValue = float | str | tuple[float, ...]


def asked_figures(text: str) -> list[float]:
    """The amounts the question asks about by their figure (「那800万现在能拿吗」), in yuan."""
    return [q.value for q in find_quantities(text) if asked_figure(text, q)]


def asked_figure(text: str, q: Quantity) -> bool:
    """`q` is the amount the question asks about, not a fact it states (「省里那300万能拿吗」)."""
    if q.kind != "money":
        return False
    after = text[q.end:q.end + 8]
    if ASKED_FIGURE.search(text[max(0, q.start - 4):q.start]) and "吗" in after[:3]:
        return True
    return bool(ASKED_BEFORE.search(text[max(0, q.start - 3):q.start]) and ASKED_AFTER.match(after))


def extract_inputs(question: str, rule: Rule, today: datetime.date | None = None) -> dict[str, InputValue]:
    """The values in `question` that fill `rule`'s parameters, keyed by parameter name; `today` resolves
    relative years (去年、今年) of a stated change against explicit ones (2025年)."""
    out: dict[str, InputValue] = {}
    _choices(question, rule, out)  # the stage asked is the user's own word, never a year written as a stage
    for param in rule.params:
        if param.kind == "flag":
            flag = _flag(question, param)
            if flag is not None:
                out[param.name] = flag
        elif param.kind == "date":
            dates = find_dates(question)
            if dates:
                out[param.name] = dates[0].iso()
    _numbers(stage_years(question, rule, today), rule, out, today)
    return out


def _occurrences(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]


def _choices(question: str, rule: Rule, out: dict[str, InputValue]) -> None:
    for _start, param, choice in _choice_mentions(question, rule):
        out[param.name] = choice  # a later mention wins: 「辅导后已被受理」 → 受理


def several_choices(question: str, rule: Rule) -> list[tuple[str, list[str]]]:
    """Choice parameters the question gives two or more different values of (「数字化车间和智能工厂都认定了」),
    with those values: one calculation would take the last and drop the rest. A staged rule's stage is
    exempt (the stages named are the way to the last: 「辅导后已被受理」)."""
    named: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for _start, param, choice in _choice_mentions(question, rule):
        if param.name == rule.stage_param:
            continue
        labels[param.name] = param.label
        if choice not in named.setdefault(param.name, []):
            named[param.name].append(choice)
    return [(labels[name], choices) for name, choices in named.items() if len(choices) > 1]


def _choice_mentions(question: str, rule: Rule) -> list[tuple[int, Parameter, str]]:
    """Each choice word of the question that is not denied, with the parameter it fills, in text order."""
    params = [p for p in rule.params if p.kind == "choice"]
    found: list[tuple[int, int, str, str]] = []  # start, end, word, choice
    denied: list[tuple[int, int]] = []
    words = sorted({pair for p in params for pair in p.choice_words()}, key=lambda pair: -len(pair[0]))
    for word, choice in words:
        for start in _occurrences(question, word):
            end = start + len(word)
            if question[max(0, start - NEGATION_WINDOW):start].endswith(CHOICE_DENIALS):
                denied.append((start, end))  # 「是数字化车间，不是智能工厂」: the choice denied is not the choice
            elif not any(s < end and start < e for s, e in [*denied, *((f[0], f[1]) for f in found)]):
                found.append((start, end, word, choice))
    mentions = []
    for start, _end, word, choice in sorted(found):
        candidates = [p for p in params if (word, choice) in p.choice_words()]
        mentions.append((start, _by_cue(question, start, candidates), choice))
    return mentions


def _by_cue(question: str, start: int, candidates: list[Parameter]) -> Parameter:
    """Among parameters sharing a choice word, the one whose cue stands just before it."""
    if len(candidates) == 1:
        return candidates[0]
    window = question[max(0, start - CHOICE_CUE_WINDOW):start]
    for param in candidates:
        if param.cues and any(cue in window for cue in param.cues):
            return param
    return next((p for p in candidates if not p.cues), candidates[0])


CUE_GAP = 8  # characters a flag cue 「A…B」 allows between A and B


def _flag(question: str, param: Parameter) -> float | None:
    if any(word in question for word in param.against):
        return 0.0  # 「评上的是省级绿色工厂」 for an award to national-level ones
    # 「未达到国家标杆」「没有达到标杆」: a negation just before a cue, at any of the places its cues stand
    # (「没申请纳入市政府年度支持计划」 is denied before 纳入, though 年度支持计划 is the first cue listed;
    # 「申请北交所公开发行，…还没上市」 before 上市)
    starts = [start for cue in param.cues for start in _aspect_occurrences(question, cue)]
    if not starts:
        return None
    negated = any(n in question[max(0, start - NEGATION_WINDOW):start] for start in starts for n in NEGATIONS)
    return 0.0 if negated else 1.0


def _aspect_occurrences(text: str, cue: str) -> list[int]:
    """Where a flag's cue stands, a 了 after any of its characters allowed: 「实施了数字化改造」 states
    「实施数字化改造」, 「完成了改造」 「完成改造」 (re caches the compiled pattern). A cue 「A…B」 is A, then B
    a few characters on in the same clause: 「总部…在哈尔滨」 is 「总部和生产经营都在哈尔滨」."""
    first, gap, second = cue.partition("…")
    pattern = "了?".join(map(re.escape, first))
    if gap:
        pattern += f"[^，,。；;！？!?\n]{{0,{CUE_GAP}}}?" + "了?".join(map(re.escape, second))
    return [m.start() for m in re.finditer(pattern, text)]


def _compatible(param: Parameter, q: Quantity, gap: int) -> float | None:
    """The value `q` gives `param`, or None when its kind does not fit."""
    if param.kind == q.kind and param.kind != "number":
        return q.value
    units_fit = not q.unit or not param.unit or q.unit.startswith(param.unit) or param.unit.startswith(q.unit)
    if param.kind == "number" and q.kind == "number" and units_fit:
        return q.value
    if param.kind == "count" and q.kind == "number" and not q.unit and q.value == int(q.value):
        return q.value
    # 「LPR 3.45」: a bare number right after a rate cue is a percentage.
    if param.kind == "rate" and q.kind == "number" and not q.unit and 0 < q.value <= 20 and gap <= 3:
        return q.value / 100
    return None


def _cue_spans(question: str, params: list[Parameter]) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    for index, param in enumerate(params):
        for cue in param.cues:
            spans.extend((start, start + len(cue), index) for start in _occurrences(question, cue))
    return spans


def _marked_actual(question: str, q: Quantity) -> bool:
    before = question[max(0, q.start - ACTUAL_WINDOW):q.start]
    return any(word in before for word in ACTUAL_WORDS) and not any(ch in SEPARATORS for ch in before[-4:])


ORDINAL_YEAR = re.compile(r"第[一二三四五六七八九十\d]+年")
YEARS_LISTED = re.compile(r"(?<!\d)(\d{4})(?=\s*[、和及与]\s*\d{4}\s*年)")


def stage_years(question: str, rule: Rule, today: datetime.date | None) -> str:
    """A staged award paid year by year from an event (省第11条: 第一年20万, 第二年、第三年主营业务收入…): the
    calendar years after the event's year are written as those stages, so that 「2023年新纳入规上统计，2024年
    主营收入2300万，2025年2600万」 gives 第二年 and 第三年 their revenues.  The event's year is the first year
    label whose clause holds one of the rule's keywords; 去年、前年 resolve against `today`."""
    stage = next((p for p in rule.params if p.name == rule.stage_param), None) if rule.stage_param else None
    choices = list(stage.choices) if stage is not None else []
    if len(choices) < 2 or not all(ORDINAL_YEAR.fullmatch(choice) for choice in choices):
        return question
    question = YEARS_LISTED.sub(r"\1年", question)  # 「2024、2025年营收都在3000万以上」: each year labelled
    labels: list[tuple[re.Match[str], int]] = []
    for match in YEAR_LABEL.finditer(question):
        if match.group(1):
            labels.append((match, int(match.group(1))))
        elif today is not None and match.group(0) not in SAME_YEAR:
            labels.append((match, today.year + RELATIVE_YEARS[match.group(0)]))
    event = None
    for match, year in labels:
        clause = re.split(r"[，,。；;！？!?\n]", question[match.end():], maxsplit=1)[0]
        if any(keyword and keyword in clause for keyword in rule.keywords):
            event = (match.start(), year)
            break
    if event is None:
        return question
    pieces, last = [], 0
    for match, year in labels:
        after = year - event[1]
        if match.start() > event[0] and 0 < after < len(choices):
            pieces += [question[last:match.start()], choices[after]]
            last = match.end()
    return "".join(pieces) + question[last:]


def _year_label(text: str, today: datetime.date | None, lead: int = 0) -> tuple[str, int] | None:
    """The year a figure is labelled with, the last the stretch before it names: ("year", 2025), or ("back",
    −1) for 去年 when there is no today. None when the year stands more than `lead` characters into the stretch
    (「，今年2.5亿」: it opens it) or a word of change stands between it and the figure (「比去年增加了3000万」
    is a difference, 「当年新增贷款1000万」 another figure)."""
    found = list(YEAR_LABEL.finditer(text))
    if not found:
        return None
    match = found[-1]
    if (lead and match.start() > lead) or YEARLY_CHANGE_WORDS.search(text[match.end():]):
        return None
    if match.group(0) in SAME_YEAR:
        return None  # 「2023年引进…，投产当年配套额8000万；2023年营收12亿」: 当年 is a year named before, not today
    if match.group(1):
        return "year", int(match.group(1))
    back = RELATIVE_YEARS[match.group(0)]
    return ("year", today.year + back) if today is not None else ("back", back)


def find_changes(question: str, quantities: list[Quantity],
                 today: datetime.date | None = None) -> list[tuple[int, int]]:
    """Pairs (before, after) of quantity indices that state one figure changing into another: 「从4亿增加到
    4.6亿」, or two figures labelled with different years (the earlier year's is `before`)."""
    changes = []
    for i in range(len(quantities) - 1):
        first, second = quantities[i], quantities[i + 1]
        if first.kind != second.kind or first.kind not in ("money", "number"):
            continue
        between = question[first.end:second.start]
        lead_start = max(quantities[i - 1].end if i else 0, first.start - CHANGE_LOOKBACK)
        lead = question[lead_start:first.start]
        moved = CHANGE_BETWEEN.match(between) and (any(w in lead[-3:] for w in CHANGE_FROM) or "到" in between)
        if moved and first.value > 0:
            changes.append((i, i + 1))
            continue
        if len(between) > YEARLY_GAP:
            continue
        years = _year_label(lead, today), _year_label(between, today, lead=YEARLY_LEAD)
        if None in years or years[0][0] != years[1][0] or years[0][1] == years[1][1]:  # type: ignore[index]
            continue
        pair = (i, i + 1) if years[0][1] < years[1][1] else (i + 1, i)  # type: ignore[index]
        if quantities[pair[0]].value > 0:
            changes.append(pair)
    return changes


def level_figures(text: str, quantities: list[Quantity], changes: list[tuple[int, int]]) -> set[int]:
    """Indices of the money figures `text` states as a level reached (「做到了6亿」「冲到6.5亿」), outside any
    of its stated `changes` (find_changes: 「从5亿涨到5.8亿」 is a change, both figures its own)."""
    in_change = {i for pair in changes for i in pair}
    levels = set()
    for i, q in enumerate(quantities):
        if q.kind != "money" or i in in_change:
            continue
        lead = re.split(r"[，,。；;！？!?\n]", text[max(0, q.start - CHANGE_LOOKBACK):q.start])[-1]
        if LEVEL_BEFORE.search(lead) and not INCREASE_NAMED.search(lead):
            levels.add(i)
    return levels


def reached_again(question: str, earlier: Sequence[str], rule: Rule,
                  today: datetime.date | None = None) -> dict[str, InputValue] | None:
    """A follow-up naming a new level (「那要是涨到5.5亿呢」) of the change an earlier turn stated (「产值从4亿涨到
    4.6亿」): the rule's derived parameters read from that change with its later figure replaced, {} when no
    earlier turn states a change (the earlier increase no longer holds: it is asked), None when the question
    names no single level."""
    quantities = [q for q in find_quantities(question) if q.kind == "money"]
    levels = level_figures(question, quantities, find_changes(question, quantities, today))
    if len(levels) != 1:
        return None
    level = quantities[next(iter(levels))]
    derived = {p.name for p in rule.params if p.derived}
    for text in reversed(earlier):
        said = find_quantities(text)
        changes = [(b, a) for b, a in find_changes(text, said, today) if said[a].kind == "money"]
        if changes:
            after = said[changes[0][1]]
            rewritten = text[:after.start] + level.raw + text[after.end:]
            return {k: v for k, v in extract_inputs(rewritten, rule, today).items() if k in derived}
    return {}


def _taken_values(text: str, rule: Rule, inputs: dict[str, InputValue], quantities: list[Quantity]) -> set[float]:
    """The figures `inputs` hold; a change read into a derived parameter (「从4亿涨到4.6亿」) takes both of
    its figures; a level reached (「做到了6亿」) is a figure of a rule with a derived parameter, though never its
    increase: the rule is the one meant, and it asks for the increase."""
    taken = {float(v) for value in inputs.values()
             for v in (value if isinstance(value, tuple) else (value,)) if isinstance(v, int | float)}
    if any(p.derived for p in rule.params):
        changes = find_changes(text, quantities)
        if any(p.derived and p.name in inputs for p in rule.params):
            for before, after in changes:
                taken |= {quantities[before].value, quantities[after].value}
        # the level is this rule's figure, though not its increase
        taken |= {quantities[i].value for i in level_figures(text, quantities, changes)}
    return taken


def figures_taken(text: str, rule: Rule, inputs: dict[str, InputValue], quoted: bool = True) -> tuple[int, int]:
    """(money figures of `text` that `inputs` for `rule` take, money figures `text` states). A change
    read into a derived parameter (「从4亿涨到4.6亿」) takes both of its figures."""
    stated = stated_figures(text)
    taken = taken_figures(text, rule, inputs, quoted)
    return sum(1 for value in stated if any(abs(value - t) <= 0.5 for t in taken)), len(stated)


def stated_figures(text: str) -> list[float]:
    """The money figures `text` states as facts (not the one it asks about)."""
    return [q.value for q in find_quantities(text) if q.kind == "money" and not asked_figure(text, q)]


def taken_figures(text: str, rule: Rule, inputs: dict[str, InputValue], quoted: bool = True) -> set[float]:
    """The money values of `text` that `inputs` for `rule` take."""
    taken = _taken_values(text, rule, inputs, find_quantities(text))
    if quoted or any(p.kind == "money" for p in rule.params):
        # the clause's own figure quoted back; when rules compete (quoted=False), a rule that takes no money
        # explains no figure by it: 「紫丁香板挂牌融了500万」 is not the IPO stages' because they say 500万元
        taken |= {q.value for q in find_quantities(rule.quote) if q.kind == "money"}
    return taken


def uncued_figures(text: str, rule: Rule, inputs: dict[str, InputValue]) -> int:
    """How many money figures `inputs` take with no cue of the rule's money parameters near them (a lone
    figure a required parameter took for want of another): 「服务费五十万」 fits a rule cued by 服务费 better
    than one that took it only because it was the one figure there."""
    quantities = find_quantities(text)
    taken = _taken_values(text, rule, inputs, quantities)
    cues = [cue for p in rule.params if p.kind == "money" for cue in p.cues]
    return sum(1 for q in quantities if q.kind == "money" and any(abs(q.value - t) <= 0.5 for t in taken)
               and not _cued(text, q, cues, CLAUSE_BREAKS))


CLAUSE_BREAKS = r"[，,。；;！？!?\n]"


def _cued(text: str, q: Quantity, cues: Sequence[str], breaks: str) -> bool:
    """One of `cues` stands beside the figure `q`, before or after it, within its stretch between `breaks`."""
    before = re.split(breaks, text[max(0, q.start - MAX_GAP):q.start])[-1]
    after = re.split(breaks, text[q.end:q.end + CHOICE_CUE_WINDOW])[0]
    return any(cue in before or cue in after for cue in cues)


def uncued_params(text: str, rule: Rule, inputs: Mapping[str, InputValue]) -> set[str]:
    """The money parameters `inputs` fill with a figure of `text` that has none of the parameter's cues
    beside it (a lone figure taken for want of another): 「付了利息21万、担保费6万」 gives no 营业收入增加额."""
    quantities = [q for q in find_quantities(text) if q.kind == "money"]
    names = set()
    for param in rule.params:
        value = inputs.get(param.name)
        if param.kind != "money" or not isinstance(value, float):
            continue
        # 「、」 also parts two figures here: 「利息21万、担保费6万」
        if any(abs(q.value - value) <= 0.5 and not _cued(text, q, param.cues, r"[，,。；;！？!?\n、]")
               for q in quantities):
            names.add(param.name)
    return names


def unexplained_figures(text: str, rule: Rule, inputs: dict[str, InputValue]) -> list[str]:
    """The money figures `text` states that no input of `rule` takes (raw, as written), when the rule
    takes money at all: a rule with no money parameter explains no figure and is judged elsewhere."""
    if not any(p.kind == "money" for p in rule.params):
        return []
    quantities = find_quantities(text)
    taken = _taken_values(text, rule, inputs, quantities)
    if any(p.sums for p in rule.params):  # 「设备1200万、工业软件300万」 taken as their sum
        for i in range(len(quantities) - 1):
            end = i
            while end + 1 < len(quantities) and _listed_together(text, quantities[end], quantities[end + 1]):
                end += 1
            total = sum(q.value for q in quantities[i:end + 1])
            if end > i and any(abs(total - t) <= 0.5 for t in taken):
                taken |= {q.value for q in quantities[i:end + 1]}
    quoted = {q.value for q in find_quantities(rule.quote) if q.kind == "money"}
    actual = [q for q in quantities if q.kind == "money" and _marked_actual(text, q)
              and any(abs(q.value - t) <= 0.5 for t in taken)]
    left = []
    for q in quantities:
        if q.kind != "money" or any(abs(q.value - t) <= 0.5 for t in taken | quoted):
            continue  # taken by an input, or the clause's own figure the user quotes (「按1000万封顶」)
        if any(a.start > q.end and not any(ch in SENTENCE_ENDS for ch in text[q.end:a.start]) for a in actual):
            continue  # 「报价10万，实际交了8万」: the figure the actual one replaces
        if asked_figure(text, q):
            continue  # 「省里能拿300万吗」: the amount asked about, not a fact
        if TERM_BEFORE.search(text[max(0, q.start - 3):q.start]) or TERM_AFTER.match(text[q.end:q.end + 3]):
            continue  # 「上限1亿元」「按500万封顶」: a claim about the clause's terms, which the clause decides
        left.append(q.raw)
    return left


def _derived(params: list[Parameter], quantities: list[Quantity], changes: list[tuple[int, int]],
             used: set[int], assigned: dict[int, list[tuple[int, float]]]) -> None:
    """Parameters read from a stated change: its increase, or its growth rate."""
    if not changes:
        return
    before, after = changes[0]
    old, new = quantities[before].value, quantities[after].value
    for pi, param in enumerate(params):
        if pi in assigned or not param.derived:
            continue
        value = new - old if param.derived == "increase" else (new - old) / old
        assigned[pi] = [(after, value)]
    used.update((before, after))


def _numbers(question: str, rule: Rule, out: dict[str, InputValue], today: datetime.date | None = None) -> None:
    params = [p for p in rule.params if p.kind in NUMERIC_KINDS]
    quantities = [q for q in find_quantities(question) if not asked_figure(question, q)]
    spans = _cue_spans(question, params)
    changes = find_changes(question, quantities, today) if any(p.derived for p in params) else []
    assigned: dict[int, list[tuple[int, float]]] = {}
    used: set[int] = set()
    _derived(params, quantities, changes, used, assigned)
    levels = level_figures(question, quantities, changes) if any(p.derived for p in params) else set()
    pairs: list[tuple[int, int, int, float]] = []  # gap, quantity index, param index, value
    for qi, q in enumerate(quantities):
        for start, end, pi in spans:
            if qi in levels and params[pi].derived:
                continue  # 「产值做到了6亿」 is no increase of 6亿
            if end <= q.start:
                between, gap = question[end:q.start], q.start - end
            elif start >= q.end:
                between, gap = question[q.end:start], start - q.end + AFTER_COST
            else:
                continue
            if any(ch in SEPARATORS for ch in between):
                gap += SEPARATOR_COST
            value = _compatible(params[pi], q, gap)
            if gap <= MAX_GAP and value is not None:
                if "实际" in params[pi].label and _marked_actual(question, q):
                    gap = -1  # taken before any figure the question does not mark as actual
                pairs.append((gap, qi, pi, value))
    for _gap, qi, pi, value in sorted(pairs, key=lambda pair: pair[:3]):
        if qi in used or (pi in assigned and not params[pi].multiple):
            continue
        used.add(qi)
        assigned.setdefault(pi, []).append((qi, value))
    _fallback(params, quantities, used, assigned, levels)
    _sum_listed(question, params, quantities, used, assigned)
    _replicate(question, params, quantities, used, assigned, per_year=rule.item_label == "年")
    for pi in [pi for pi, values in assigned.items() if params[pi].kind == "count"]:
        # 「服务了1200户，其中一半…」: the count is of a larger set than the one the rule counts
        ends = [quantities[qi].end for qi, _ in assigned[pi]]
        if any(SUBSET.search(question[end:end + SUBSET_WINDOW]) for end in ends):
            del assigned[pi]
    for pi, values in assigned.items():
        ordered = [value for _, value in sorted(values)]
        out[params[pi].name] = tuple(ordered) if params[pi].multiple else ordered[0]
    _copy_joined_cues(question, params, spans, out)


def _fallback(params: list[Parameter], quantities: list[Quantity], used: set[int],
              assigned: dict[int, list[tuple[int, float]]], levels: frozenset[int] | set[int] = frozenset()) -> None:
    """A required parameter with no cue takes the one number of its kind nobody else could use (a level
    reached, `levels`, is never a derived increase)."""
    for pi, param in enumerate(params):
        if pi in assigned or not param.required:
            continue
        free = [qi for qi, q in enumerate(quantities) if qi not in used and _compatible(param, q, MAX_GAP) is not None
                and not (param.derived and qi in levels)]
        rivals = [p for j, p in enumerate(params) if j != pi and j not in assigned
                  and any(_compatible(p, quantities[qi], MAX_GAP) is not None for qi in free)]
        if len(free) == 1 and not rivals:
            value = _compatible(param, quantities[free[0]], MAX_GAP)
            assert value is not None
            used.add(free[0])
            assigned[pi] = [(free[0], value)]


def _listed_together(question: str, first: Quantity, second: Quantity) -> bool:
    """Two money figures written as items of one list: 「设备1200万、工业软件300万」「1200万加300万」."""
    between = question[first.end:second.start]
    if first.kind != "money" or second.kind != "money" or len(between) > LIST_GAP:
        return False
    if any(ch in SEPARATORS for ch in between):
        return False
    return any(word in between for word in LIST_JOINS)


def _sum_listed(question: str, params: list[Parameter], quantities: list[Quantity], used: set[int],
                assigned: dict[int, list[tuple[int, float]]]) -> None:
    """A parameter that is a total of items takes the unused figures listed next to its own, added up."""
    for pi, values in assigned.items():
        if not params[pi].sums or len(values) != 1:
            continue
        qi = values[0][0]
        run = [qi]
        for step in (-1, 1):
            at = qi
            while 0 <= at + step < len(quantities) and at + step not in used and _listed_together(
                    question, *sorted((quantities[at], quantities[at + step]), key=lambda q: q.start)):
                at += step
                run.append(at)
        if len(run) > 1:
            used.update(run)
            assigned[pi] = [(qi, sum(quantities[i].value for i in run))]


# 「明年后年各投1500万」「今明两年每年」: years named one after another, then one figure for each
NAMED_YEARS = re.compile(r"((?:(?:今年|明年|后年|去年|前年|\d{4}年)[、和及与]?){2,})(?:计划|打算|预计|准备)?"
                         r"[^，,。；;！？!?\n]{0,4}?(?:各|都|每年|均)")
ONE_YEAR = re.compile(r"今年|明年|后年|去年|前年|\d{4}年")


def _replicate(question: str, params: list[Parameter], quantities: list[Quantity], used: set[int],
               assigned: dict[int, list[tuple[int, float]]], per_year: bool = False) -> None:
    """「三个产品都是800万」: one value stated for a count of items; for a rule whose items are years
    (item_label 年), 「连续三年每年1000万」 and 「明年后年各投1500万」 too."""
    for pi, values in assigned.items():
        if not params[pi].multiple or len(values) != 1:
            continue
        qi, value = values[0]
        if per_year:
            before = re.split(r"[，,。；;！？!?\n]", question[:quantities[qi].start])[-1]
            named = next((m for m in NAMED_YEARS.finditer(before)), None)
            if named is not None:
                assigned[pi] = [(qi, value)] * len(ONE_YEAR.findall(named.group(1)))
                continue
        for ci, q in enumerate(quantities):
            if ci in used:
                continue
            if q.end > quantities[qi].start:
                # 「每年设备投入1000万，三年一共」: the years stated after a yearly figure, in the same sentence
                if per_year and q.kind == "years" and _yearly_then_years(question, quantities[qi], q) \
                        and 1 < q.value <= 100 and q.value == int(q.value):
                    used.add(ci)
                    assigned[pi] = [(qi, value)] * int(q.value)
                    break
                continue
            years = per_year and q.kind == "years" and "每年" in question[q.end:quantities[qi].start]
            if not years and (q.kind != "count" or q.unit not in ITEM_UNITS):
                continue
            stretch = question[q.end:quantities[qi].start]
            if (years or has_share_word(stretch)) and 1 < q.value <= 100 and q.value == int(q.value):
                used.add(ci)
                assigned[pi] = [(qi, value)] * int(q.value)
                break


YEARLY_BEFORE = 10  # 「每年设备投入1000万」: 每年 this close before the figure marks it as one year's


def _yearly_then_years(question: str, yearly: Quantity, years: Quantity) -> bool:
    """`yearly` is marked as one year's figure (「每年…1000万」) and `years`, after it in the same sentence,
    says how many such years are asked about (「三年一共」)."""
    before = question[max(0, yearly.start - YEARLY_BEFORE):yearly.start]
    between = question[yearly.end:years.start]
    return "每年" in before and not any(ch in SENTENCE_ENDS for ch in between) and len(between) <= MAX_GAP


def _copy_joined_cues(question: str, params: list[Parameter], spans: list[tuple[int, int, int]],
                      out: dict[str, InputValue]) -> None:
    """「第二年、第三年主营业务收入2500万」: joined cues share the number."""
    for _start, end, pi in spans:
        if params[pi].name in out or question[end:end + 1] not in ("、", "和", "及", "与"):
            continue
        for other_start, _other_end, other in spans:
            if other_start == end + 1 and params[other].name in out and params[other].kind == params[pi].kind:
                out[params[pi].name] = out[params[other].name]
