"""Add a new policy to the corpus: `python -m assistant add-policy FILE`.

assistant.ingest.reading reads the file and cleans it like the seeds,
assistant.ingest.metadata proposes the metadata the text states; here the flags
override that proposal and the draft is checked against the policies already in
corpus/ (doc_id, duplicates, aliases).  After a Chinese summary and
confirmation, `<doc_id>.txt` and `<doc_id>.json` are written into corpus/ and
the index is rebuilt.  Calculator rules are drafted from the clause sentences
(assistant.ingest.drafting), shown (sentence → formula → an example) and written
as `<doc_id>.rules.json` with the same confirmation; sentences the drafter cannot
read fully are listed as non_computable, never guessed.  An existing rules file
is kept and no rules are drafted.

Guarantees: a file that cannot be read or is not a policy changes nothing; the
new files are staged inside corpus/ and validated with `load_document` before
being renamed into place; if the index rebuild fails the new files are removed
again, so corpus/ never disagrees with a working index.  Nothing is ever
overwritten: an existing doc_id, or the same title or 文号 under any doc_id, is
refused.  Replacing a policy is deliberate: delete its `.json` and `.txt` (a
`.rules.json` may stay; it is checked against the new clauses), then add it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.calculator import parse_rules
from assistant.errors import AssistantError, CorpusError
from assistant.ingest.drafting import DraftedRules, DraftView, describe_drafts, draft_rules, format_drafts
from assistant.ingest.metadata import (
    DOC_NUMBER,
    EFFECTIVE_DATE,
    FROM_ISSUE,
    JURISDICTION_NAMES,
    choose_aliases,
    fill_region,
    order_metadata,
    propose_metadata,
    shorten_title,
)
from assistant.ingest.reading import ExtractedText, IngestError, ReadPolicy, read_policy
from assistant.policies.corpus import RELATION_KINDS, load_corpus, load_document
from assistant.policies.validity import format_date
from assistant.settings import Settings
from assistant.text.numbering import ARABIC_ITEM

__all__ = ["EDITABLE_FIELDS", "IngestError", "PolicyDraft", "add_policy", "add_policy_command", "draft_policy",
           "format_summary", "overrides_from_fields", "write_policy"]

DOC_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
REQUIRED = ("doc_id", "title", "issuer", "region", "jurisdiction")
FIELDS = {  # what a missing field is called, its flag, and the question asked for it on stdin
    "doc_id": ("doc_id", "--doc-id",
               "文件名不能用作 doc_id（含中文或已被占用），请输入 doc_id（小写字母、数字、连字符，如 qiqihar-2023）："),
    "title": ("标题", "--title", "未能从原文识别标题，请输入政策全称："),
    "issuer": ("发文机关", "--issuer", "未能从原文识别发文机关，请输入（如 哈尔滨市人民政府）："),
    "region": ("所属地区", "--region", "未能确定所属地区，请输入（如 哈尔滨市）："),
    "jurisdiction": ("层级", "--jurisdiction", "未能确定层级，请输入 province / city / county / national 之一："),
    "issued": ("印发日期", "--issued", "原文规定了有效期年数，但未找到印发日期，请输入印发日期（YYYY-MM-DD）："),
}
BUILD_COMMAND = "python -m assistant build-index"
# What staff may set in the web app's form, as the flags of the same names (overrides_from_fields).
EDITABLE_FIELDS = ("doc_id", "title", "issuer", "region", "jurisdiction", "issued")


@dataclass
class PolicyDraft:
    """Everything that would be written, and what the summary tells the user about it."""

    read: ReadPolicy
    metadata: dict[str, Any]
    origins: dict[str, str]  # field → 原文 / 指定 / 推断 / 推测
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # fields still needed: keys of FIELDS
    unplaced: list[str] = field(default_factory=list)  # paragraphs no clause holds
    rules: DraftedRules | None = None  # drafted calculator rules, written with the policy

    def rules_file(self) -> dict[str, Any] | None:
        """The drafted rules as a rules-file object, or None when none are drafted."""
        if self.rules is None or not self.metadata.get("doc_id"):
            return None
        chinese = self.chinese_labels()
        self.rules.doc_id = self.metadata["doc_id"]
        data = self.rules.rules_file(self.metadata.get("title") or "", chinese)
        for entry in data["rules"]:
            entry["doc_id"] = self.metadata["doc_id"]
            entry["rule_id"] = re.sub(r"^[^-]+(?=-)", self.metadata["doc_id"], entry["rule_id"], count=1) \
                if not entry["rule_id"].startswith(self.metadata["doc_id"] + "-") else entry["rule_id"]
        return data

    def chinese_labels(self) -> bool:
        """Whether the clauses are numbered 一、二、三 (labels 「第一条」) rather than 1. 2. 3."""
        return not any(ARABIC_ITEM.match(c.text) for c in self.read.clauses if c.clause.isdigit())

    def draft_views(self) -> list[DraftView]:
        """The drafted rules as staff review them (ids as they will be written), or [] when none."""
        if self.rules is None or self.rules_file() is None:
            return []
        return describe_drafts(self.rules, self.metadata.get("title") or "", self.chinese_labels())

    def refuse_rules(self, rule_ids: set[str]) -> None:
        """Drop the drafts staff refused (by rule_id): they are listed as non_computable, not written."""
        if self.rules is None or self.rules_file() is None:
            return
        refused = [d for d in self.rules.drafts if d.entry["rule_id"] in rule_ids]
        self.rules.drafts = [d for d in self.rules.drafts if d.entry["rule_id"] not in rule_ids]
        self.rules.non_computable += [{"clause": str(d.entry["clause"]),
                                       "reason": f"起草的规则「{d.entry['name']}」收录时未被采用，请手工编写"}
                                      for d in refused]
        for relation in self.metadata.get("relations") or []:  # an amendment is not mapped to a refused rule
            if relation.get("rules"):
                relation["rules"] = {o: n for o, n in relation["rules"].items() if n not in rule_ids}
                if not relation["rules"]:
                    del relation["rules"]


# ---- the draft: proposal + flags + checks against the corpus ------------------------------------
def draft_policy(read: ReadPolicy, overrides: dict[str, Any], corpus_dir: Path,
                 today: dt.date | None = None, via: str = "python -m assistant add-policy") -> PolicyDraft:
    """Combine the proposed metadata with `overrides` (flags win) and check it against the corpus.

    `today` (the caller's clock; default the system date) and `via` (who extracted the text) go
    into the metadata's `source`."""
    proposed, warnings = propose_metadata(read.text, read.extracted.raw)
    meta = dict(proposed)
    origins = {key: "原文" for key, value in proposed.items() if value is not None}
    for key, value in overrides.items():
        if key != "alias":  # added to the proposed aliases below, not in place of them
            meta[key], origins[key] = value, "指定"
    if "valid_until" in overrides:
        meta["valid_years"] = None
    if "valid_years" in overrides:
        meta["valid_until"] = None
    if "issued" in overrides and not EFFECTIVE_DATE.search(read.text) and FROM_ISSUE.search(read.text):
        meta["effective"], origins["effective"] = overrides["issued"], "推断"
    fill_region(meta, origins, warnings)
    existing = _existing_metadata(corpus_dir)
    _choose_doc_id(read, meta, origins, warnings, existing)
    meta["short_title"] = shorten_title(meta["title"]) if meta.get("title") else None
    meta["aliases"] = choose_aliases(meta, existing, warnings, given=overrides.get("alias", ()))
    missing = [key for key in REQUIRED if not meta.get(key)]
    if meta.get("valid_years") and not (meta.get("issued") or meta.get("effective")):
        missing.append("issued")
    ordered = order_metadata(meta, _describe_source(read.extracted, today or dt.date.today(), via))
    if overrides.get("relations"):
        ordered["relations"] = _checked_relations(overrides["relations"], existing)
    draft = PolicyDraft(read, ordered, origins, warnings, missing)
    draft.unplaced = _unplaced_paragraphs(read)
    doc_id = draft.metadata.get("doc_id")
    if not (doc_id and (corpus_dir / f"{doc_id}.rules.json").exists()):
        draft.rules = draft_rules(doc_id or "new", read.clauses)
    _map_amended_rules(draft, corpus_dir)
    draft.warnings += _numbering_warnings(read)
    if read.extracted.pages_without_text:
        pages = "、".join(map(str, read.extracted.pages_without_text))
        draft.warnings.append(f"第{pages}页没有文字层（可能是扫描页），这些页的内容没有收录")
    return draft


def _rule_shape(entry: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two rules the same measure at other figures: their type and their inputs (name, kind, label)."""
    return entry.get("type"), tuple((p.get("name"), p.get("kind"), p.get("label")) for p in entry.get("params", []))


def _map_amended_rules(draft: PolicyDraft, corpus_dir: Path) -> None:
    """Write into each `amends` relation which rules of the amended clauses the new drafted rules replace
    (`rules`: {old rule_id: new rule_id}), so the calculator uses the new figures from `since`.

    A rule of the amended clause is replaced by the one drafted rule of the same shape (_rule_shape: the
    same type, computed from the same inputs); when there is none or several, nothing is guessed: the
    warning says the old figures stay in use and how to map it by hand.
    """
    rules = draft.rules_file()
    relations = [r for r in draft.metadata.get("relations") or [] if r["kind"] == "amends" and "rules" not in r]
    if rules is None or not relations:
        return
    for relation in relations:
        path = corpus_dir / f"{relation['target']}.rules.json"
        try:
            old_rules = json.loads(path.read_text(encoding="utf-8")).get("rules", []) if path.exists() else []
        except (OSError, ValueError):
            old_rules = []  # load_corpus names a broken rules file
        amended = [r for r in old_rules if not relation.get("clauses") or str(r.get("clause")) in relation["clauses"]]
        mapping = {}
        for old in amended:
            same = [new for new in rules["rules"] if _rule_shape(new) == _rule_shape(old)]
            if len(same) == 1:
                mapping[old["rule_id"]] = same[0]["rule_id"]
            else:
                draft.warnings.append(
                    f"被修改条款的计算规则 {old['rule_id']}（{old.get('name')}）在本文件起草的规则中"
                    f"{'有多条' if same else '没有'}同样算法的对应：计算器仍按原标准计算；如需按修改后的标准计算，"
                    f"请在 corpus/{draft.metadata['doc_id']}.json 的 relations 中写 "
                    f"\"rules\": {{\"{old['rule_id']}\": \"本文件的规则 id\"}}")
        if not amended:
            draft.warnings.append(f"{relation['target']} 被修改的条款没有计算规则，修改只作为关联记录")
        if mapping:
            relation["rules"] = mapping


def _existing_metadata(corpus_dir: Path) -> list[dict[str, Any]]:
    """The metadata already in corpus/, read leniently: a broken file is load_corpus's business."""
    found = []
    for path in sorted(corpus_dir.glob("*.json")):
        if path.name.endswith(".rules.json"):
            continue
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict):
            found.append({**meta, "doc_id": path.stem})
    return found


def _choose_doc_id(read: ReadPolicy, meta: dict[str, Any], origins: dict[str, str], warnings: list[str],
                   existing: list[dict[str, Any]]) -> None:
    given = meta.get("doc_id")
    if not given:
        stem = read.extracted.path.stem
        slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") if stem.isascii() else ""
        meta["doc_id"], origins["doc_id"] = (slug, "文件名") if DOC_ID.match(slug) and len(slug) >= 3 else (None, "")
    doc_id = meta["doc_id"]
    for other in existing:
        same_number = meta.get("doc_number") and other.get("doc_number") == meta["doc_number"]
        if same_number or other.get("title") == meta.get("title"):
            raise IngestError(f"这份政策已收录为 {other['doc_id']}（《{other.get('title')}》），未重复收录；"
                              f"如要用新文件替换，请先删除 corpus/{other['doc_id']}.json 和 .txt 再收录")
    taken = next((other for other in existing if other["doc_id"] == doc_id), None)
    if taken is not None:
        if given:
            raise IngestError(f"doc_id「{doc_id}」已被《{taken.get('title')}》使用：请换一个 --doc-id；"
                              f"如确要替换该政策，请先删除 corpus/{doc_id}.json 和 .txt 再收录")
        warnings.append(f"由文件名得到的 doc_id「{doc_id}」已被《{taken.get('title')}》使用")
        meta["doc_id"] = None


def _describe_source(extracted: ExtractedText, today: dt.date, via: str) -> str:
    """The metadata's `source`: the file, its format, when and how its text was made."""
    pages = f"，{extracted.pages} 页" if extracted.pages else ""
    return (f"{extracted.path.name}（{extracted.kind}{pages}；{today.isoformat()} 由 "
            f"{via} 提取文本，经 assistant.text.cleaning.clean_text 清洗）")


def _unplaced_paragraphs(read: ReadPolicy) -> list[str]:
    placed = {line for c in read.clauses for line in c.text.split("\n")} | {c.section for c in read.clauses}
    return [p for p in read.text.split("\n") if p.strip() and p not in placed]


def _numbering_warnings(read: ReadPolicy) -> list[str]:
    numbers = [int(c.clause) for c in read.clauses if c.clause.isdigit()]
    warnings = []
    repeated = sorted(n for n, count in Counter(numbers).items() if count > 1)
    if repeated:
        warnings.append(f"条款编号重复（{'、'.join(map(str, repeated))}），可能各部分重新编号："
                        "引用时只能找到第一次出现的那条")
    gaps = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    if gaps:
        warnings.append(f"条款编号不连续，缺第{'、'.join(map(str, gaps))}条：可能是原文换行被误并入上一条，请核对")
    return warnings


# ---- the summary ------------------------------------------------------------------------------
def format_summary(draft: PolicyDraft) -> str:
    """What will be written, in Chinese: clauses, unplaced paragraphs, metadata and warnings."""
    meta, origins, extracted = draft.metadata, draft.origins, draft.read.extracted
    numbered = [c for c in draft.read.clauses if c.clause.isdigit()]
    others = "、".join(c.clause for c in draft.read.clauses if not c.clause.isdigit())
    pages = f"，{extracted.pages} 页" if extracted.pages else ""
    lines = [f"读取：{extracted.path.name}（{extracted.kind}{pages}），清洗后 {len(draft.read.text.splitlines())} 段。",
             f"识别出 {len(numbered)} 条" + (f"，另有{others}" if others else "") + "："]
    lines += [f"  {c.label}" + (f"　{c.title}" if c.title != c.label else "")
              for c in draft.read.clauses if c.clause != "序言"]
    if draft.unplaced:
        lines.append(f"未归入任何条款的段落（{len(draft.unplaced)} 段，不会被检索到）：")
        lines += [f"  · {p[:60]}{'…' if len(p) > 60 else ''}" for p in draft.unplaced]
    else:
        lines.append("未归入任何条款的段落：无")

    def show(label: str, key: str, value: Any = None) -> None:
        text = value if value is not None else meta.get(key)
        origin = f"〔{origins[key]}〕" if key in origins and meta.get(key) else ""
        lines.append(f"  {label}：{text if text else '（未知）'}{origin}")

    lines.append(f"拟写入的元数据（doc_id：{meta.get('doc_id') or '（未定）'}）：")
    show("标题　　", "title")
    show("简称　　", "short_title")
    show("发文机关", "issuer")
    jurisdiction = JURISDICTION_NAMES.get(meta.get("jurisdiction") or "", "")
    show("层级地区", "region", f"{jurisdiction} {meta.get('region') or '（未知）'}" if jurisdiction else None)
    show("文号　　", "doc_number", meta.get("doc_number") or "（原文未载明）")
    show("印发日期", "issued", _chinese_date(meta.get("issued")) or "（原文未载明）")
    show("施行日期", "effective", _chinese_date(meta.get("effective")) or "（同印发日期或未载明）")
    if meta.get("valid_until"):
        show("有效期至", "valid_until", _chinese_date(meta["valid_until"]))
    elif meta.get("valid_years"):
        start = meta.get("effective") or meta.get("issued")
        until = f"，至{_years_later(start, meta['valid_years'])}" if start else ""
        show("有效期　", "valid_years", f"{meta['valid_years']}年{until}")
    else:
        lines.append("  有效期　：（原文未载明）")
    if meta.get("validity_rule"):
        lines.append(f"  有效期原文：「{meta['validity_rule']}」")
    if meta.get("continuation"):
        lines.append(f"  期满后　：「{meta['continuation']}」")
    lines.append(f"  别称　　：{'、'.join(meta.get('aliases') or []) or '（无）'}")
    for relation in meta.get("relations") or []:
        clauses = f"第{'、'.join(relation['clauses'])}条" if relation.get("clauses") else "全文"
        since = f"，自{_chinese_date(relation['since'])}起" if relation.get("since") else ""
        until = f"，至{_chinese_date(relation['until'])}" if relation.get("until") else ""
        replaced = "".join(f"，规则 {old} 改按 {new} 计算" for old, new in (relation.get("rules") or {}).items())
        lines.append(f"  关联　　：{RELATION_KINDS[relation['kind']]} {relation['target']} {clauses}{since}{until}"
                     f"{replaced}")
    rules = draft.rules_file()
    if rules is None and draft.rules is None:
        lines.append(f"  计算规则：沿用已有的 corpus/{meta.get('doc_id')}.rules.json")
    elif not rules or not rules["rules"]:
        lines.append("  计算规则：未能从原文起草（问金额时助手会说明该政策暂无计算规则；如需计算，请另行编写 "
                     f"corpus/{meta.get('doc_id') or '<doc_id>'}.rules.json）")
    else:
        chinese = rules["clause_label"] == "第{clause_cn}条"
        assert draft.rules is not None
        lines.append(f"  计算规则：从原文起草 {len(rules['rules'])} 条，确认后写入 corpus/{meta['doc_id']}.rules.json")
        lines += ["    " + line for line in format_drafts(draft.rules, meta.get("title") or "", chinese).split("\n")]
    if draft.warnings:
        lines.append("请注意：")
        lines += [f"  ⚠ {w}" for w in draft.warnings]
    return "\n".join(lines)


def _years_later(start: str, years: int) -> str:
    day = dt.date.fromisoformat(start)
    try:
        end = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        end = day.replace(year=day.year + years, day=28)
    return _chinese_date((end - dt.timedelta(days=1)).isoformat()) or ""


def _chinese_date(value: str | None) -> str | None:
    """2024-08-24 → 2024年8月24日, as the validity notices print it."""
    return format_date(dt.date.fromisoformat(value)) if value else None


# ---- writing ----------------------------------------------------------------------------------
def write_policy(draft: PolicyDraft, corpus_dir: Path) -> list[Path]:
    """Stage the files inside corpus/, validate them with load_document, then rename them into place.

    Returns the files written.  The metadata file goes last: until it is in place
    load_corpus does not see the policy.
    """
    doc_id = draft.metadata["doc_id"]
    rules = draft.rules_file()
    names: tuple[str, ...] = (f"{doc_id}.txt", f"{doc_id}.json")
    if rules and rules["rules"]:
        names = (f"{doc_id}.rules.json", *names)  # the metadata last: until then load_corpus sees nothing
    if not corpus_dir.is_dir():
        raise IngestError(f"找不到政策库目录：{corpus_dir}")
    if any((corpus_dir / name).exists() for name in names):
        raise IngestError(f"corpus/ 中已有 {doc_id} 的文件，未覆盖：请换一个 --doc-id")
    # Staging in a sub-directory of corpus/: same file system (atomic rename), and
    # load_corpus and the corpus fingerprint only look at files directly in corpus/.
    staging = corpus_dir / f".add-policy-{doc_id}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    written: list[Path] = []
    try:
        text_name, meta_name = names[-2:]
        _write_file(staging / text_name, draft.read.text)
        _write_file(staging / meta_name, json.dumps(draft.metadata, ensure_ascii=False, indent=2) + "\n")
        if rules and len(names) == 3:
            try:
                parse_rules(rules)
            except ValueError as error:
                raise IngestError(f"起草的计算规则未通过校验，未收录：{error}") from error
            _write_file(staging / names[0], json.dumps(rules, ensure_ascii=False, indent=2) + "\n")
        try:
            document = load_document(staging / meta_name)
        except CorpusError as error:
            raise IngestError(f"生成的元数据未通过校验，未收录：{error}") from error
        rules_path = corpus_dir / f"{doc_id}.rules.json"
        if rules_path.exists():  # left from the policy this one replaces
            kept = json.loads(rules_path.read_text(encoding="utf-8")).get("rules", [])
            lost = sorted({str(r.get("clause")) for r in kept} - {c.clause for c in document.clauses})
            if lost:
                raise IngestError(f"{rules_path.name} 中的计算规则引用了新文本中没有的条款（{'、'.join(lost)}），"
                                  "请先修改或删除该规则文件")
        for name in names:
            os.replace(staging / name, corpus_dir / name)
            written.append(corpus_dir / name)
    except BaseException:
        remove_files(written)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def remove_files(paths: list[Path]) -> None:
    """Undo write_policy: metadata first, so load_corpus never sees a policy without its text."""
    for path in reversed(paths):
        path.unlink(missing_ok=True)


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def add_policy(draft: PolicyDraft, settings: Settings, build: bool = True,
               output: Callable[[str], None] = print) -> None:
    """Write the draft into corpus/ and rebuild the index; a failed rebuild removes the new files."""
    from assistant.search.index_store import build_index

    written = write_policy(draft, settings.corpus_dir)
    if not build:
        return
    try:
        build_index(settings, load_corpus(settings.corpus_dir), report=output)
    except AssistantError as error:
        remove_files(written)
        raise IngestError(f"重建索引失败，本次收录已撤销，政策库保持原样：{error}") from error
    except BaseException:
        remove_files(written)
        raise


# ---- the command ------------------------------------------------------------------------------
def add_policy_command(args: argparse.Namespace, settings: Settings,
                       input_function: Callable[[str], str] = input,
                       output: Callable[[str], None] = print) -> int:
    """`python -m assistant add-policy FILE …`: read, summarise, confirm, write, rebuild; the exit code.

    Without --yes, missing metadata is asked for and the write confirmed on stdin;
    no stdin (EOF) counts as no.  With --yes, missing metadata is an error naming the flag.
    """
    overrides = overrides_from_args(args)
    read = read_policy(Path(args.file))
    for _ in range(len(FIELDS) + 1):
        draft = draft_policy(read, overrides, settings.corpus_dir)
        if not draft.missing:
            break
        if args.yes:
            needed = "、".join(f"{FIELDS[key][0]}（{FIELDS[key][1]}）" for key in draft.missing)
            raise IngestError(f"{read.extracted.path.name}：缺少必要信息，请用参数指定：{needed}")
        name, flag, question = FIELDS[draft.missing[0]]
        answer = _prompt(input_function, question)
        if not answer:
            raise IngestError(f"未提供{name}，未收录（也可以用参数 {flag} 指定）")
        overrides.update(_checked_overrides({draft.missing[0]: answer}))
    output(format_summary(draft))
    action = "写入政策库" + ("" if args.no_index else "并重建索引")
    if not args.yes and _prompt(input_function, f"确认{action}？输入 y 确认 [y/N]：").lower() not in ("y", "yes", "是"):
        output("已取消，政策库没有任何改动。")
        return 1
    add_policy(draft, settings, build=not args.no_index, output=output)
    meta = draft.metadata
    output(f"已收录《{meta['title']}》（doc_id：{meta['doc_id']}）到 {settings.corpus_dir}。")
    example = next(iter(meta["aliases"]), meta["short_title"])
    if args.no_index:
        output(f"未重建索引：请运行 {BUILD_COMMAND}，在此之前助手会提示索引已过期。")
    else:
        output(f"索引已重建，现在就可以提问，例如：python -m assistant ask \"{example}第一条讲什么\"。"
               "已在运行的网页服务需重启，或（以登录方式启动时）在「关于」页点击「重新加载政策库」，才会加载新政策。")
    return 0


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The metadata flags given on the command line, checked; `alias` is the list of repeated --alias."""
    names = ("doc_id", "title", "issuer", "doc_number", "issued", "jurisdiction", "region", "valid_until",
             "valid_years", "alias")
    checked = _checked_overrides({name: getattr(args, name, None) for name in names})
    relations = relations_from_args(args)
    if relations:
        checked["relations"] = relations
    return checked


RELATION_FLAGS = {"implements": "--implements", "amends": "--amends", "supersedes": "--supersedes",
                  "extends_validity": "--extends-validity"}


def relations_from_args(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The relation flags (`--amends harbin:1,2 --since 2024-01-01`, `--implements heilongjiang:1`,
    `--supersedes mudanjiang`, `--extends-validity harbin --until 2027-12-31`) as metadata relations;
    `--since`/`--until` apply to each.  Targets are checked against the corpus in draft_policy."""
    dates: dict[str, str] = {}
    for name in ("since", "until"):
        value = getattr(args, name, None)
        if value:
            try:
                dates[name] = dt.date.fromisoformat(str(value).strip()).isoformat()
            except ValueError as error:
                raise IngestError(f"--{name} 应为 YYYY-MM-DD 格式的日期（如 2024-01-01），而不是 {value!r}") from error
    relations: list[dict[str, Any]] = []
    for kind, flag in RELATION_FLAGS.items():
        for spec in getattr(args, kind, None) or []:
            target, _, clause_list = str(spec).strip().partition(":")
            clauses = [c.strip() for c in clause_list.replace("，", ",").split(",") if c.strip()]
            if not DOC_ID.match(target) or not all(c.isdigit() for c in clauses):
                raise IngestError(f"{flag} 应写成 doc_id 或 doc_id:条款号（如 harbin:1 或 harbin:1,2），"
                                  f"而不是 {spec!r}")
            relation: dict[str, Any] = {"kind": kind, "target": target}
            if clauses:
                relation["clauses"] = clauses
            if "since" in dates:
                relation["since"] = dates["since"]
            if kind == "extends_validity":
                if "until" not in dates:
                    raise IngestError("--extends-validity 须同时用 --until YYYY-MM-DD 给出延长后的截止日期")
                relation["until"] = dates["until"]
            if kind == "amends" and "since" not in dates:
                raise IngestError("--amends 须同时用 --since YYYY-MM-DD 给出自何日起执行修改后的标准")
            relations.append(relation)
    if dates and not relations:
        raise IngestError("--since/--until 只与 --implements、--amends、--supersedes、--extends-validity 一起使用")
    return relations


def _checked_relations(relations: list[dict[str, Any]], existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The relations, each target a loaded policy; IngestError naming the ones that are not."""
    known = {m.get("doc_id") for m in existing}
    unknown = [r["target"] for r in relations if r["target"] not in known]
    if unknown:
        listing = "、".join(sorted(str(k) for k in known if k))
        raise IngestError(f"政策库中没有 {'、'.join(unknown)}，无法建立关联；已收录的 doc_id：{listing}")
    return relations


def overrides_from_fields(values: dict[str, str], proposed: dict[str, Any]) -> dict[str, Any]:
    """The web form's fields (EDITABLE_FIELDS) as overrides, checked like the flags: only a value
    that differs from the `proposed` metadata overrides it (so what the text states keeps 〔原文〕)."""
    changed = {key: value for key, value in values.items()
               if key in EDITABLE_FIELDS and (value or "").strip() and value.strip() != str(proposed.get(key) or "")}
    return _checked_overrides(changed)


def _checked_overrides(values: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            continue
        if key == "valid_years":
            if not isinstance(value, int) or value <= 0:
                raise IngestError(f"--valid-years 应为正整数，而不是 {value!r}")
            checked[key] = value
            continue
        if key == "alias":  # checked by choose_aliases, against the other policies' aliases
            checked[key] = [str(alias).strip() for alias in value]
            continue
        value = str(value).strip()
        if key in ("issued", "valid_until"):
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError as error:
                raise IngestError(f"--{key.replace('_', '-')} 应为 YYYY-MM-DD 格式的日期（如 2023-03-15），"
                                  f"而不是 {value!r}") from error
        elif key == "doc_id" and not DOC_ID.match(value):
            raise IngestError(f"doc_id「{value}」不合规：只能用小写英文字母、数字和连字符，如 qiqihar-2023")
        elif key == "jurisdiction" and value not in JURISDICTION_NAMES:
            raise IngestError(f"层级应为 {' / '.join(JURISDICTION_NAMES)} 之一，而不是 {value!r}")
        elif key == "doc_number":
            number = DOC_NUMBER.match(value)
            value = f"{number.group(1)}〔{number.group(2)}〕{number.group(3)}号" if number else value
        elif key == "title":
            value = value.strip("《》")
        checked[key] = value
    return checked


def _prompt(input_function: Callable[[str], str], question: str) -> str:
    try:
        return input_function(question).strip()
    except EOFError:
        return ""
