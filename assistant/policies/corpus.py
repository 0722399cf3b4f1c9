"""Load the policy corpus: cleaned texts, their metadata, clauses and rules.

Each policy in `corpus/` is three files sharing a doc_id:
`<doc_id>.txt` (cleaned text), `<doc_id>.json` (metadata) and, optionally,
`<doc_id>.rules.json` (calculator rules).  Adding a policy means dropping
these files in and rebuilding the index: nothing here names a policy.
Every file is validated and parsed here, once: the corpus carries typed rules
(calculator `Rule`s, `StackingRule`s), and no later stage reads the JSON again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from assistant.calculator.model import NonComputable, Rule
from assistant.calculator.schema import parse_non_computable, parse_rules
from assistant.errors import CorpusError
from assistant.policies.clauses import Clause, parse_clauses

Jurisdiction = Literal["province", "city", "county", "national"]
JURISDICTIONS: tuple[str, ...] = ("province", "city", "county", "national")
REQUIRED_FIELDS = ("doc_id", "title", "issuer", "jurisdiction", "region")
OPTIONAL_TEXT_FIELDS = ("short_title", "doc_number", "validity_rule", "continuation")


@dataclass(frozen=True)
class ExclusiveTopic:
    """Awards an enterprise takes from one level only (Harbin 第十八条: 流贷贴息, …), and how to spot them."""

    name: str
    keywords: tuple[str, ...]  # words in a question that fall under the topic
    rules: tuple[str, ...]  # calculator rule_ids whose amounts fall under it


@dataclass(frozen=True)
class StackingRule:
    """One stacking provision of one document (从高不重复, 省市两级不重复享受), from its metadata."""

    doc_id: str
    clause: str
    principle: str
    quote: str
    meaning: str
    topics: tuple[ExclusiveTopic, ...]


RELATION_KINDS = {"implements": "实施细则", "amends": "修改", "supersedes": "废止并替代",
                  "extends_validity": "延长有效期"}


@dataclass(frozen=True)
class Relation:
    """What this document does to another: implements / amends (a clause's figures from a date) /
    supersedes (the whole policy) / extends_validity, as its metadata states (corpus/<doc_id>.json)."""

    kind: str  # one of RELATION_KINDS
    target: str  # the other document's doc_id
    clauses: tuple[str, ...] = ()  # the target's clauses it concerns; () = the whole document
    since: dt.date | None = None  # from when it applies
    rules: tuple[tuple[str, str], ...] = ()  # amends: (target rule_id, this document's rule_id in its place)
    until: dt.date | None = None  # extends_validity: the target's new last day


@dataclass(frozen=True)
class Document:
    """A policy document's metadata and its clauses."""

    doc_id: str
    title: str  # full title, as printed
    short_title: str
    issuer: str
    jurisdiction: Jurisdiction
    region: str  # 「黑龙江省」「哈尔滨市」
    doc_number: str | None  # 文号, e.g. 哈政规〔2021〕10号, when the text gives it
    issued: dt.date | None  # None when the text does not say
    effective: dt.date | None
    valid_until: dt.date | None  # last day in force
    validity_rule: str  # the sentence that sets the validity, quoted from the text
    continuation: str | None  # what happens to awards after expiry, quoted
    aliases: tuple[str, ...]  # names people use for this document: 哈尔滨, 哈市, 黑龙江
    stacking: tuple[StackingRule, ...]  # 「从高不重复」-type rules as data (see corpus/*.json)
    clauses: tuple[Clause, ...] = field(repr=False)
    text: str = field(repr=False, default="")
    relations: tuple[Relation, ...] = ()
    version: str = ""  # 「2024年版」 when another loaded document is a version of the same policy (supersedes)

    def clause(self, clause_id: str) -> Clause | None:
        """The clause with this id, or None."""
        return next((c for c in self.clauses if c.clause == clause_id), None)

    @property
    def cited_title(self) -> str:
        """「《…》（哈政规〔2021〕10号）」 as used in a citation line."""
        number = f"（{self.doc_number}）" if self.doc_number else ""
        version = f"（{self.version}）" if self.version else ""
        return f"《{self.title}》{number}{version}"

    def is_in_force(self, today: dt.date) -> bool | None:
        """True while in force, False once expired or not yet effective, None if unknown."""
        if self.valid_until is None:
            return None
        if self.effective is not None and today < self.effective:
            return False
        return today <= self.valid_until


@dataclass(frozen=True)
class Corpus:
    """All loaded documents, their validated calculator rules and a fingerprint of the files."""

    documents: tuple[Document, ...]
    rules: dict[str, Rule]  # rule_id → rule, in file order
    fingerprint: str
    # doc_id → provisions that give no computable figure, with the reason
    no_amount: dict[str, tuple[NonComputable, ...]] = field(default_factory=dict)

    def document(self, doc_id: str) -> Document | None:
        """The document with this id, or None."""
        return next((d for d in self.documents if d.doc_id == doc_id), None)

    def clause(self, doc_id: str, clause_id: str) -> Clause | None:
        """A clause by document and clause id, or None."""
        document = self.document(doc_id)
        return document.clause(clause_id) if document else None

    @property
    def clauses(self) -> list[Clause]:
        """Every clause of every document, in document order."""
        return [c for d in self.documents for c in d.clauses]

    @property
    def stacking_rules(self) -> list[StackingRule]:
        """Every document's stacking provisions, in document order."""
        return [rule for d in self.documents for rule in d.stacking]

    # Two views in the old dict shape, derived from the typed rules, for the two readers that other
    # engineers are rewriting (search/index_store.py, answering/calculate.py); nothing else uses them.
    @property
    def rules_data(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """doc_id → {"rules": [{rule_id, name, keywords, clause}, …]}: what the index embeds per rule."""
        data: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for rule in self.rules.values():
            data.setdefault(rule.doc_id, {"rules": []})["rules"].append(
                {"rule_id": rule.rule_id, "name": rule.name, "keywords": list(rule.keywords), "clause": rule.clause})
        return data

    def related(self, doc_id: str, clause: str | None = None) -> list[tuple[Document, Relation]]:
        """Loaded documents that implement, amend, supersede or extend `doc_id` (its `clause`, when given),
        earliest first."""
        found = [(d, r) for d in self.documents for r in d.relations if r.target == doc_id
                 and (clause is None or not r.clauses or clause in r.clauses)]
        return sorted(found, key=lambda pair: (pair[1].since or dt.date.min, pair[0].doc_id))

    def rule_in_force(self, rule: Rule, on: dt.date) -> tuple[Rule, Document | None, Relation | None]:
        """The rule that replaces `rule` on `on` (the latest amendment in force by then), with the
        amending document and relation; `rule` itself and None when no amendment applies yet."""
        chosen: tuple[Rule, Document | None, Relation | None] = (rule, None, None)
        for document, relation in self.related(rule.doc_id, rule.clause):
            replacement = dict(relation.rules).get(chosen[0].rule_id) or dict(relation.rules).get(rule.rule_id)
            if relation.kind == "amends" and replacement in self.rules and (
                    relation.since is None or relation.since <= on):
                chosen = (self.rules[replacement], document, relation)
        return chosen

    def versions(self, doc_id: str) -> list[Document]:
        """The versions of `doc_id`'s policy (itself and the loaded documents linked to it by `supersedes`,
        either way), oldest first."""
        return _versions(self.documents, doc_id)

    def version_start(self, doc_id: str) -> dt.date | None:
        """From when `doc_id` applies: the `since` of its supersedes relation, else its effective or issue date."""
        document = self.document(doc_id)
        return _version_start(document, self.documents) if document is not None else None

    def version_on(self, doc_id: str, on: dt.date) -> Document | None:
        """The version of `doc_id`'s policy in force on `on`: the latest one started by then, else the oldest."""
        family = self.versions(doc_id)
        started = [d for d in family if (_version_start(d, self.documents) or dt.date.min) <= on]
        if started:
            return started[-1]
        return family[0] if family else None

    @property
    def non_computable(self) -> dict[str, list[dict[str, str]]]:
        """doc_id → [{clause, reason}, …] of `no_amount`."""
        return {doc_id: [{"clause": n.clause, "reason": n.reason} for n in items]
                for doc_id, items in self.no_amount.items()}


def load_corpus(directory: Path) -> Corpus:
    """Read every policy in `directory`; raise CorpusError naming the file and field at fault."""
    if not directory.is_dir():
        raise CorpusError(f"找不到政策库目录：{directory}")
    meta_files = sorted(p for p in directory.glob("*.json") if not p.name.endswith(".rules.json"))
    if not meta_files:
        raise CorpusError(f"政策库目录 {directory} 中没有任何政策（缺少 <doc_id>.json 元数据文件）")
    documents = tuple(load_document(path) for path in meta_files)
    rules: dict[str, Rule] = {}
    no_amount: dict[str, tuple[NonComputable, ...]] = {}
    for document in documents:
        rules_path = directory / f"{document.doc_id}.rules.json"
        if rules_path.exists():
            parsed, unpriced = _load_rules_file(rules_path, document)
            rules.update((rule.rule_id, rule) for rule in parsed)
            if unpriced:
                no_amount[document.doc_id] = unpriced
    for document in documents:
        for relation in document.relations:
            for old, new in relation.rules:
                if new not in rules or rules[new].doc_id != document.doc_id:
                    raise CorpusError(f"{document.doc_id}.json：relations 中的规则 {new} 不是本文件的计算规则")
                if old in rules and (rules[old].doc_id != relation.target or (
                        relation.clauses and rules[old].clause not in relation.clauses)):
                    raise CorpusError(f"{document.doc_id}.json：relations 中的规则 {old} 不属于"
                                      f"{relation.target} 被修改的条款")
    return Corpus(_with_versions(documents), rules, fingerprint_corpus(directory), no_amount)


def _version_start(document: Document, documents: tuple[Document, ...]) -> dt.date | None:
    """From when a version applies: the `since` of its supersedes relation, else its effective date."""
    since = next((r.since for r in document.relations if r.kind == "supersedes" and r.since
                  and any(d.doc_id == r.target for d in documents)), None)
    return since or document.effective or document.issued


def _versions(documents: tuple[Document, ...], doc_id: str) -> list[Document]:
    """`doc_id` and every loaded document linked to it through supersedes relations, oldest first."""
    by_id = {d.doc_id: d for d in documents}
    if doc_id not in by_id:
        return []
    links = {(d.doc_id, r.target) for d in documents for r in d.relations
             if r.kind == "supersedes" and r.target in by_id}
    family, todo = {doc_id}, [doc_id]
    while todo:
        current = todo.pop()
        for new, old in links:
            for other in (new, old):
                if current in (new, old) and other not in family:
                    family.add(other)
                    todo.append(other)
    return sorted((by_id[d] for d in family),
                  key=lambda d: (_version_start(d, documents) or dt.date.min, d.doc_id))


def _with_versions(documents: tuple[Document, ...]) -> tuple[Document, ...]:
    """Each document of a policy with several loaded versions labelled 「2024年版」 (or its start date when
    two versions start in one year), so that every citation names the version it quotes."""
    out = []
    for document in documents:
        family = _versions(documents, document.doc_id)
        start = _version_start(document, documents)
        if len(family) < 2 or start is None:
            out.append(document)
            continue
        years = [s.year for s in (_version_start(d, documents) for d in family) if s]
        label = (f"{start.year}年版" if years.count(start.year) == 1
                 else f"{start.year}年{start.month}月{start.day}日起施行版")
        out.append(replace(document, version=label))
    return tuple(out)


def load_document(meta_path: Path) -> Document:
    """Load one policy from its metadata file and the text beside it."""
    meta = _read_json(meta_path)
    if not isinstance(meta, dict):
        raise CorpusError(f"{meta_path.name}：元数据应为 JSON 对象")
    for name in REQUIRED_FIELDS:
        if not isinstance(meta.get(name), str) or not meta[name].strip():
            raise CorpusError(f"{meta_path.name}：缺少或无效的字段 {name}")
    doc_id = meta["doc_id"]
    if doc_id != meta_path.stem:
        raise CorpusError(f"{meta_path.name}：字段 doc_id 为 {doc_id!r}，应与文件名 {meta_path.stem!r} 一致")
    if meta["jurisdiction"] not in JURISDICTIONS:
        raise CorpusError(f"{meta_path.name}：字段 jurisdiction 应为 {'/'.join(JURISDICTIONS)} 之一")
    for name in OPTIONAL_TEXT_FIELDS:
        if meta.get(name) is not None and not isinstance(meta[name], str):
            raise CorpusError(f"{meta_path.name}：字段 {name} 应为文本或 null")
    aliases = meta.get("aliases", [])
    # A string would become one alias per character, and an empty alias names the document in every question.
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise CorpusError(f"{meta_path.name}：字段 aliases 应为非空文本的列表")
    text_path = meta_path.with_suffix(".txt")
    if not text_path.exists():
        raise CorpusError(f"{meta_path.name}：找不到正文文件 {text_path.name}")
    text = _read_text(text_path)
    issued = _parse_date(meta, "issued", meta_path)
    effective = _parse_date(meta, "effective", meta_path) or issued
    valid_until = _parse_date(meta, "valid_until", meta_path)
    years = meta.get("valid_years")
    if valid_until is None and years is not None:
        if not isinstance(years, int) or isinstance(years, bool) or years <= 0 or effective is None:
            raise CorpusError(f"{meta_path.name}：字段 valid_years 需为正整数且须给出 effective 或 issued")
        valid_until = _add_years(effective, years) - dt.timedelta(days=1)
    titles = meta.get("clause_titles") or {}
    if not isinstance(titles, dict) or not all(isinstance(title, str) for title in titles.values()):
        raise CorpusError(f"{meta_path.name}：字段 clause_titles 应为「条款号: 标题文本」的对象")
    clauses = tuple(parse_clauses(doc_id, text, titles))
    if not any(c.clause.isdigit() for c in clauses):
        raise CorpusError(f"{text_path.name}：没有识别出任何条款（第X条、一、、1. 等）")
    return Document(
        doc_id=doc_id,
        title=meta["title"],
        short_title=meta.get("short_title") or meta["title"],
        issuer=meta["issuer"],
        jurisdiction=meta["jurisdiction"],
        region=meta["region"],
        doc_number=meta.get("doc_number"),
        issued=issued,
        effective=effective,
        valid_until=valid_until,
        validity_rule=meta.get("validity_rule") or "",  # add-policy writes null when the text has none
        continuation=meta.get("continuation"),
        aliases=tuple(aliases),
        stacking=tuple(_stacking_rules(meta, meta_path, text)),
        clauses=clauses,
        text=text,
        relations=tuple(_relations(meta, meta_path)),
    )


def _relations(meta: dict[str, Any], path: Path) -> list[Relation]:
    """The `relations` list: [{kind, target, clauses, since, rules, until}]; CorpusError naming the fault."""
    items = meta.get("relations", [])
    if not isinstance(items, list):
        raise CorpusError(f"{path.name}：字段 relations 应为列表")
    out = []
    for number, item in enumerate(items, 1):
        where = f"{path.name}：relations 第{number}项"
        if not isinstance(item, dict) or item.get("kind") not in RELATION_KINDS or not isinstance(
                item.get("target"), str) or not item["target"]:
            raise CorpusError(f"{where} 须有 kind（{'/'.join(RELATION_KINDS)}）和 target（doc_id）")
        unknown = set(item) - {"kind", "target", "clauses", "since", "rules", "until", "note"}
        if unknown:
            raise CorpusError(f"{where}：未知字段 {'、'.join(sorted(unknown))}")
        clauses = item.get("clauses", [])
        rules = item.get("rules", {})
        if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses):
            raise CorpusError(f"{where}：clauses 应为条款号（文本）的列表")
        if not isinstance(rules, dict) or not all(isinstance(v, str) for v in rules.values()):
            raise CorpusError(f"{where}：rules 应为「原规则 rule_id: 新规则 rule_id」的对象")
        dates = {name: _parse_date(item, name, path) for name in ("since", "until")}
        if item["kind"] == "amends" and dates["since"] is None:
            raise CorpusError(f"{where}：amends 须给出 since（自何日起执行修改后的标准）")
        out.append(Relation(item["kind"], item["target"], tuple(clauses), dates["since"],
                            tuple(rules.items()), dates["until"]))
    return out


def rule_entries(data: Any) -> list[dict[str, Any]]:
    """The rule objects of a rules file (a list, or an object with a "rules" list); see `Corpus.rules_data`."""
    rules = data.get("rules", []) if isinstance(data, dict) else data
    return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


def fingerprint_corpus(directory: Path) -> str:
    """sha256 over every corpus file's name and bytes: any edit makes the index stale."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*")):
        if path.is_file() and path.suffix in (".txt", ".json"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _stacking_rules(meta: dict[str, Any], path: Path, text: str) -> list[StackingRule]:
    rules = meta.get("stacking", [])
    if not isinstance(rules, list):
        raise CorpusError(f"{path.name}：字段 stacking 应为列表")
    parsed: list[StackingRule] = []
    for number, rule in enumerate(rules, 1):
        for name in ("clause", "principle", "quote"):
            if not isinstance(rule, dict) or not isinstance(rule.get(name), str):
                raise CorpusError(f"{path.name}：stacking 第{number}项缺少字段 {name}")
        if rule["quote"] not in text:
            raise CorpusError(f"{path.name}：stacking 第{number}项的 quote 不是原文")
        meaning = rule.get("meaning", "")
        topics = rule.get("exclusive_topics", [])
        if not isinstance(meaning, str):
            raise CorpusError(f"{path.name}：stacking 第{number}项的 meaning 应为文本")
        if not isinstance(topics, list):
            raise CorpusError(f"{path.name}：stacking 第{number}项的 exclusive_topics 应为列表")
        parsed.append(StackingRule(meta["doc_id"], rule["clause"], rule["principle"], rule["quote"], meaning,
                                   tuple(_exclusive_topic(topic, f"{path.name}：stacking 第{number}项")
                                         for topic in topics)))
    return parsed


def _exclusive_topic(topic: Any, where: str) -> ExclusiveTopic:
    if not isinstance(topic, dict) or not isinstance(topic.get("name"), str):
        raise CorpusError(f"{where}的 exclusive_topics 每项需有文本字段 name")
    lists = {}
    for name in ("keywords", "rules"):
        value = topic.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise CorpusError(f"{where}的 exclusive_topics「{topic['name']}」字段 {name} 应为非空文本的列表")
        lists[name] = tuple(value)
    return ExclusiveTopic(topic["name"], lists["keywords"], lists["rules"])


def _load_rules_file(path: Path, document: Document) -> tuple[list[Rule], tuple[NonComputable, ...]]:
    """Validate and parse a rules file, once: build-index (which embeds the rules) and the assistant
    refuse a bad one by name, and every later reader gets typed rules.  CorpusError on bad data."""
    data = _read_json(path)
    rules = data.get("rules", []) if isinstance(data, dict) else data
    if not isinstance(rules, list):
        raise CorpusError(f"{path.name}：字段 rules 应为列表")
    try:
        parsed = parse_rules(data)
        unpriced = tuple(parse_non_computable(data)) if isinstance(data, dict) else ()
    except ValueError as error:
        raise CorpusError(f"{path.name}：{error}") from error
    for rule in parsed:
        if rule.doc_id != document.doc_id or document.clause(rule.clause) is None:
            raise CorpusError(f"{path.name}：规则 {rule.rule_id} 引用的条款 {rule.clause} 不存在")
    return parsed, unpriced


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path.name}：JSON 格式错误（第{error.lineno}行）：{error.msg}") from error


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path.name}：不是 UTF-8 编码（第{error.start + 1}个字节起）") from error
    except OSError as error:
        raise CorpusError(f"{path.name}：无法读取（{error.strerror}）") from error


def _parse_date(meta: dict[str, Any], name: str, path: Path) -> dt.date | None:
    value = meta.get(name)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise CorpusError(f"{path.name}：字段 {name} 不是 YYYY-MM-DD 格式的日期：{value!r}") from error


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
