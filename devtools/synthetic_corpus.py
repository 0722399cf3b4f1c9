"""A synthetic corpus of N policies for `bench --scale`: the two real policies plus the Harbin text under
other cities' names (those of 黑龙江省 first, then cities of other provinces), each with its own region.

The copies are written to a directory the caller names (a temp dir), never into corpus/. City names come
from the administrative-division table places.py reads (cpca), so no list of cities is kept here.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.policies.places import load_places

SOURCE = "harbin"  # the city policy that is copied
SOURCE_CITY, SOURCE_SHORT = "哈尔滨市", "哈尔滨"
HOME_PROVINCE = "黑龙江省"


@dataclass(frozen=True)
class City:
    """One city a copy is issued by."""

    doc_id: str  # 「city2302」: the first four digits of its division code
    name: str  # 「齐齐哈尔市」
    short: str  # 「齐齐哈尔」
    province: str


def cities(count: int) -> list[City]:
    """`count` prefecture-level cities other than Harbin: 黑龙江省's first, then other provinces' in code order."""
    places = load_places()
    found: dict[str, City] = {}
    for candidates in places.by_name.values():
        for place in candidates:
            if place.level != 2 or place.name in ("市辖区", "县", SOURCE_CITY) or place.code[:4] in found:
                continue
            short = next((place.name.removesuffix(s) for s in ("地区", "市", "盟", "自治州")
                          if place.name.endswith(s) and len(place.name) - len(s) >= 2), place.name)
            found[place.code[:4]] = City(f"city{place.code[:4]}", place.name, short, place.province)
    ordered = sorted(found.values(), key=lambda c: (c.province != HOME_PROVINCE, c.doc_id))
    if len(ordered) < count:
        raise ValueError(f"only {len(ordered)} cities in the division table, {count} asked")
    return ordered[:count]


def _rename(text: str, city: City) -> str:
    for old, new in ((SOURCE_CITY, city.name), (SOURCE_SHORT, city.short), ("哈政", f"{city.short}政"),
                     (f'"{SOURCE}-', f'"{city.doc_id}-'), (f'"doc_id": "{SOURCE}"', f'"doc_id": "{city.doc_id}"')):
        text = text.replace(old, new)
    return text


def write_copy(corpus_dir: Path, target: Path, city: City) -> None:
    """The Harbin policy as if `city` had issued it: text, metadata (region, issuer, aliases) and rules."""
    (target / f"{city.doc_id}.txt").write_text(
        _rename((corpus_dir / f"{SOURCE}.txt").read_text(encoding="utf-8"), city), encoding="utf-8")
    meta = json.loads(_rename((corpus_dir / f"{SOURCE}.json").read_text(encoding="utf-8"), city))
    meta.update(doc_id=city.doc_id, region=city.name, issuer=f"{city.name}人民政府", jurisdiction="city",
                short_title=f"{city.short}市工业强市政策", aliases=list(dict.fromkeys([city.name, city.short])))
    meta.pop("source", None)
    (target / f"{city.doc_id}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    rules = corpus_dir / f"{SOURCE}.rules.json"
    if rules.exists():
        (target / f"{city.doc_id}.rules.json").write_text(_rename(rules.read_text(encoding="utf-8"), city),
                                                          encoding="utf-8")


def write_corpus(corpus_dir: Path, target: Path, policies: int) -> list[City]:
    """Write a corpus of `policies` policies into `target`: the real ones from `corpus_dir` plus copies."""
    target.mkdir(parents=True, exist_ok=True)
    real = sorted(corpus_dir.glob("*.json"))
    for path in corpus_dir.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    real_count = len([p for p in real if not p.name.endswith(".rules.json")])
    copies = cities(max(0, policies - real_count))
    for city in copies:
        write_copy(corpus_dir, target, city)
    return copies
