"""What a policy says about itself, and what it is called: the metadata `add-policy` proposes.

`propose_metadata` reads what a Chinese policy prints about itself: the 文号
line, the title (the 《…》 a 通知 issues, or the first heading), the issuer (the
通知 heading or the signature above the date), the dates, and the sentence that
sets the validity (「有效期3年」「有效期至2025年」).  `guess_region` and
`fill_region` place it (jurisdiction and region) from its issuer or title;
`shorten_title`, `place_aliases` and `choose_aliases` give the names people use
for it, keeping none that would be confused with another policy's.

Pure text work: no file is read or written here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from typing import Any

from assistant.ingest.reading import IngestError
from assistant.text.cleaning import DATE_ONLY, PRINTED_LINE
from assistant.text.numbering import NUMBERED, numeral_to_int

__all__ = ["DOC_NUMBER", "EFFECTIVE_DATE", "FROM_ISSUE", "JURISDICTION_NAMES", "choose_aliases", "fill_region",
           "guess_region", "order_metadata", "place_aliases", "propose_metadata", "shorten_title"]

DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
# 〔〕 is the standard bracket; extraction and typing often give [] 【】 or （）.
DOC_NUMBER = re.compile(
    r"^[（(]?([\u4e00-\u9fff]{1,10})\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*第?\s*(\d+)\s*号[）)]?$"
)
DATE_PARAGRAPH = re.compile(rf"^[（(]?{DATE}(?:印发|发布|公布)?[）)]?$")
EFFECTIVE_DATE = re.compile(rf"自{DATE}起(?:施行|实施|执行|生效)")
FROM_ISSUE = re.compile(r"自(?:印发|发布|公布)之日起")
NUMERAL = r"[\d一二三四五六七八九十两]{1,3}"
VALID_YEARS = re.compile(rf"有效期(?:为|是|暂定为?)?({NUMERAL})年")
VALID_UNTIL = re.compile(r"(?:有效期|执行期|实施期|期限)[^。；]{0,14}?(?:至|到|截至|截止到?)"
                         r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?")
ENFORCEMENT = re.compile(r"施行|实施|执行|印发之日|发布之日|本(?:政策|办法|措施|意见|细则|规定|方案)")
CONTINUATION = re.compile(r"期满后|到期后|届满后|有效期满")
ORGAN = r"(?:人民政府办公厅|人民政府办公室|人民政府|政府|办公厅|办公室|委员会|管委会|行署|厅|局|委|院|部|中心)"
NOTICE_HEADING = re.compile(rf"^(?P<issuer>[^，。；：《]{{2,40}}?{ORGAN})(?:关于)?(?:印发|转发)(?P<inner>.+?)的?通知$")
NOTICE_QUOTE = re.compile(r"(?:现将|现把|将)《(?P<title>[^《》]{4,80})》(?:予以)?(?:印发|转发)")
SIGNATURE = re.compile(rf"^[^，。；：、]{{2,30}}{ORGAN}$")
DOCUMENT_WORD = re.compile(r"政策|措施|办法|意见|规定|细则|方案|决定|条例|规划|计划|若干|通知")
PLACE_SEGMENT = r"[\u4e00-\u9fff]{1,7}?(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|县|区|旗)"
PLACE = re.compile(rf"^(?:{PLACE_SEGMENT})+")
NATIONAL = re.compile(r"^(?:国务院|国家|中华人民共和国|中共中央)")
JURISDICTION_OF_SUFFIX = {"特别行政区": "province", "自治区": "province", "省": "province", "自治州": "city",
                          "地区": "city", "市": "city", "盟": "city", "自治县": "county", "县": "county",
                          "区": "county", "旗": "county"}
JURISDICTION_NAMES = {"province": "省级", "city": "市级", "county": "县（区）级", "national": "国家级"}


# ---- what the text states ---------------------------------------------------------------
def propose_metadata(text: str, raw: str = "") -> tuple[dict[str, Any], list[str]]:
    """Metadata read from the cleaned text (None where it does not say) and warnings about it.

    `raw` is the text before cleaning: the 「2021年8月25日印发」 footer, dropped by
    cleaning, is the last resort for the issue date.
    """
    paragraphs = [p for p in text.split("\n") if p.strip()]
    first_clause = next((i for i, p in enumerate(paragraphs) if NUMBERED.match(p)), len(paragraphs))
    head = paragraphs[:first_clause]
    warnings: list[str] = []
    meta: dict[str, Any] = dict.fromkeys(("title", "issuer", "doc_number", "issued", "effective", "valid_years",
                                          "valid_until", "validity_rule", "continuation"))
    for paragraph in head:
        number = DOC_NUMBER.match(paragraph)
        if number:
            meta["doc_number"] = f"{number.group(1)}〔{number.group(2)}〕{number.group(3)}号"
            break
    notice = next((m for m in map(NOTICE_HEADING.match, head) if m), None)
    quoted = next((m for m in map(NOTICE_QUOTE.search, head) if m), None)
    if quoted:
        meta["title"] = quoted.group("title")
    elif notice:
        meta["title"] = notice.group("inner").strip("《》")
    else:
        meta["title"] = next((p for p in head if _is_heading(p)), None)
    signed = [(p, after) for p, after in itertools.pairwise(paragraphs)
              if SIGNATURE.match(p) and DATE_PARAGRAPH.match(after)]
    meta["issuer"] = notice.group("issuer") if notice else (signed[0][0] if signed else None)
    dates = [m for m in map(DATE_PARAGRAPH.match, paragraphs) if m]
    printed = [m for m in (PRINTED_LINE.search(line.strip()) for line in raw.split("\n")) if m]
    if dates:
        meta["issued"] = _date(*dates[0].groups())
    elif printed:
        meta["issued"] = _date(*re.findall(r"\d+", printed[0].group(0))[:3])
        warnings.append("印发日期取自文末「……印发」一行，请核对")
    effective = EFFECTIVE_DATE.search(text)
    if effective:
        meta["effective"] = _date(*effective.groups())
    elif FROM_ISSUE.search(text) and meta["issued"]:
        meta["effective"] = meta["issued"]
    _propose_validity(text, meta, warnings)
    return meta, warnings


def _propose_validity(text: str, meta: dict[str, Any], warnings: list[str]) -> None:
    sentences = [s.strip() for s in re.findall(r"[^。\n]*。|[^。\n]+", text) if s.strip()]
    found = [s for s in sentences if VALID_YEARS.search(s) or VALID_UNTIL.search(s)]
    # 「认定有效期3年」 inside a measure is not the policy's own validity: prefer enforcement sentences.
    preferred = [s for s in found if ENFORCEMENT.search(s)]
    if not found:
        warnings.append("原文中没有找到有效期（如「有效期3年」「有效期至2025年」）：助手将回答有效期原文未载明；"
                        "如已知，请用 --valid-until 或 --valid-years 指定")
        return
    sentence = preferred[0] if preferred else found[-1]
    if not preferred:
        warnings.append(f"有效期取自「{sentence}」，该句不像是整份政策的施行条款，请核对")
    meta["validity_rule"] = sentence
    until = VALID_UNTIL.search(sentence)
    if until:
        year, month, day = int(until.group(1)), int(until.group(2) or 12), until.group(3)
        if day or not 1 <= month <= 12:
            meta["valid_until"] = _date(str(year), str(month), str(day))
        else:  # 「有效期至2025年6月」: to the month's last day; 「有效期至2025年」: to the year's
            meta["valid_until"] = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
        if meta["valid_until"] is None:
            warnings.append(f"「{sentence}」中的日期无效，请用 --valid-until 指定")
    else:
        years = VALID_YEARS.search(sentence)
        assert years is not None  # the sentence was found by one of the two patterns
        meta["valid_years"] = numeral_to_int(years.group(1))
    position = sentences.index(sentence)
    meta["continuation"] = next((s for s in sentences[position:position + 3] if CONTINUATION.search(s)), None)


def guess_region(name: str) -> tuple[str, str] | None:
    """(jurisdiction, region) from an issuer or title that starts with a place name, else None.

    「哈尔滨市人民政府」→ (city, 哈尔滨市); 「哈尔滨市南岗区人民政府」→ (county, 哈尔滨市南岗区);
    「国务院办公厅」→ (national, 全国).
    """
    if NATIONAL.match(name):
        return "national", "全国"
    place = PLACE.match(name)
    if not place:
        return None
    suffix = next(s for s in sorted(JURISDICTION_OF_SUFFIX, key=len, reverse=True) if place.group(0).endswith(s))
    return JURISDICTION_OF_SUFFIX[suffix], place.group(0)


# ---- placing and naming the policy -------------------------------------------------------
def fill_region(meta: dict[str, Any], origins: dict[str, str], warnings: list[str]) -> None:
    """Fill a missing jurisdiction from the region, a missing region from the issuer or the title's
    first place name; `origins` records 推断 (inferred) or 推测 (guessed from the title, with a warning)."""
    if meta.get("region") and not meta.get("jurisdiction"):
        guess = guess_region(meta["region"])
        if guess:
            meta["jurisdiction"], origins["jurisdiction"] = guess[0], "推断"
    if meta.get("region"):
        return
    guess, how = (guess_region(meta["issuer"]), "推断") if meta.get("issuer") else (None, "")
    if guess is None and meta.get("title"):
        # Only the first place in a title: 「哈尔滨市加快推进工业强市…」 is not a district named 工业强市.
        first = re.match(PLACE_SEGMENT, re.sub(r"^关于", "", meta["title"]))
        guess, how = (guess_region(first.group(0)), "推测") if first else (None, "")
        if guess:
            warnings.append(f"地区「{guess[1]}」是从标题推测的，请核对（或用 --region、--jurisdiction 指定）")
    if guess:
        meta["region"], origins["region"] = guess[1], how
        if not meta.get("jurisdiction"):
            meta["jurisdiction"], origins["jurisdiction"] = guess[0], how


def place_aliases(region: str) -> list[str]:
    """What people call the place: 「齐齐哈尔市」「齐齐哈尔」; 「哈尔滨市南岗区」「南岗区」「南岗」."""
    segments = re.findall(PLACE_SEGMENT, region) if region != "全国" else []
    if not segments:
        return []
    last = segments[-1]
    stem = re.sub(r"(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|县|区|旗)$", "", last)
    return list(dict.fromkeys([*([region] if len(segments) > 1 else []), last, *([stem] if len(stem) >= 2 else [])]))


def shorten_title(title: str) -> str:
    """「关于加快…的若干政策措施」→「加快…政策」: the name used in short answers."""
    short = re.sub(r"^关于", "", title)
    return re.sub(r"的?(?:若干政策措施|若干措施|政策措施|若干政策)$", "政策", short)


def choose_aliases(meta: dict[str, Any], existing: list[dict[str, Any]], warnings: list[str],
                   given: Sequence[str] = ()) -> list[str]:
    """The place names, 文号 and short title that name no other policy in `existing`, then `given`.

    The reference resolver takes the alias nearest before 「第X条」, so an alias containing
    another policy's alias (「哈尔滨市…政策」 vs 「哈尔滨市」) is as ambiguous as a shared one.
    A proposed alias that clashes is left out; a `given` one (--alias) that clashes, or is one
    character long (it would match in many questions), is refused with IngestError.
    """
    others = {alias: other for other in existing if other["doc_id"] != meta.get("doc_id")
              for alias in other.get("aliases", [])}
    kept: list[str] = []
    places: list[str] = []
    if meta.get("region") and meta.get("short_title"):
        places = place_aliases(meta["region"])
        for alias in dict.fromkeys([*places, *([meta["doc_number"]] if meta.get("doc_number") else []),
                                    meta["short_title"]]):
            clash = _clashing_alias(alias, others)
            if clash is None:
                kept.append(alias)
            elif alias in places:
                warnings.append(f"地名别称「{alias}」会与《{others[clash].get('title')}》的别称「{clash}」混淆，未采用")
        if not any(alias in places for alias in kept) and not given:
            warnings.append(f"新政策没有可用的地名别称：提问时须写出标题或文号才能指明它；可用 --alias 或在 corpus/"
                            f"{meta.get('doc_id') or '<doc_id>'}.json 的 aliases 中补充其他叫法")
    for alias in given:
        if len(alias) < 2:
            raise IngestError(f"--alias「{alias}」太短：一个字的叫法会在许多问题里被误认作这份政策，请至少写两个字")
        clash = _clashing_alias(alias, others)
        if clash is not None:
            raise IngestError(f"--alias「{alias}」会与《{others[clash].get('title')}》的别称「{clash}」混淆"
                              "（提问时分不清指哪份政策），未收录：请换一个叫法")
    return list(dict.fromkeys([*kept, *given]))


def _clashing_alias(alias: str, others: dict[str, Any]) -> str | None:
    """Another policy's alias that `alias` contains or is contained in."""
    return next((name for name in others if alias in name or name in alias), None)


def order_metadata(meta: dict[str, Any], source: str) -> dict[str, Any]:
    """The metadata file's fields in the seeds' order; `source` says where the text came from."""
    validity = ({"valid_until": meta["valid_until"]} if meta.get("valid_until")
                else {"valid_years": meta["valid_years"]} if meta.get("valid_years") else {})
    return {
        "doc_id": meta.get("doc_id"), "title": meta.get("title"), "short_title": meta.get("short_title"),
        "issuer": meta.get("issuer"), "jurisdiction": meta.get("jurisdiction"), "region": meta.get("region"),
        "doc_number": meta.get("doc_number"), "issued": meta.get("issued"), "effective": meta.get("effective"),
        **validity,
        "validity_rule": meta.get("validity_rule") or "", "continuation": meta.get("continuation"),
        "aliases": meta.get("aliases", []),
        "source": source,
    }


def _is_heading(paragraph: str) -> bool:
    return (4 <= len(paragraph) <= 60 and not paragraph.endswith(("。", "；", "：", ":", "，"))
            and not DOC_NUMBER.match(paragraph) and not DATE_ONLY.match(paragraph)
            and not NUMBERED.match(paragraph) and not SIGNATURE.match(paragraph)
            and not paragraph.startswith("各") and bool(DOCUMENT_WORD.search(paragraph)))


def _date(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
