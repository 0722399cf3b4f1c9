"""Places from the maintained division table (cpca's adcodes.csv): found in questions, placed in their province."""

from __future__ import annotations

import pytest

from assistant.policies.places import load_places, where


@pytest.mark.parametrize(
    ("text", "name", "province", "city"),
    [
        ("我们在宾县，新入规", "宾县", "黑龙江省", "哈尔滨市"),  # a county of Harbin is Harbin
        ("齐齐哈尔的企业", "齐齐哈尔市", "黑龙江省", "齐齐哈尔市"),  # a short name of a prefecture
        ("大兴安岭的林产品企业", "大兴安岭地区", "黑龙江省", "大兴安岭地区"),
        ("双城区企业", "双城区", "黑龙江省", "哈尔滨市"),
        ("沈阳的制造企业", "沈阳市", "辽宁省", "沈阳市"),
        ("港交所上市的香港企业", "香港特别行政区", "香港特别行政区", ""),
    ],
)
def test_a_named_place_is_found_with_its_province_and_city(text: str, name: str, province: str, city: str) -> None:
    found = load_places().find(text)
    assert [(p.name, p.province, p.city) for p in found][:1] == [(name, province, city)]


@pytest.mark.parametrize("text", ["合同额60万元，合作了4年，能拿多少", "技改投资3亿", "省里对首台套有什么奖励",
                                  "那市里呢", "标准厂房", "城区企业"])
def test_common_words_are_not_places(text: str) -> None:
    # 「合作」 is also 合作市 (Gansu): county-level cities are found by their full names only
    assert load_places().find(text) == []


def test_a_place_lies_within_its_city_and_province() -> None:
    places = load_places()
    county, harbin, province = places.find("宾县")[0], places.region("哈尔滨市"), places.region("黑龙江省")
    assert harbin is not None and province is not None
    assert county.within(harbin) and county.within(province) and harbin.within(province)
    assert not places.find("大庆")[0].within(harbin)
    assert not places.find("沈阳")[0].within(province)


def test_a_shared_name_keeps_the_namesake_inside_the_loaded_regions() -> None:
    places = load_places()
    found = places.find("朝阳区")  # 北京市朝阳区 and 长春市朝阳区
    assert {p.province for p in found} == {"北京市", "吉林省"}
    assert [p.province for p in where(places, found, ["吉林省"])] == ["吉林省"]
    assert len(where(places, found, ["黑龙江省"])) == 2  # none inside: both kept, both outside


@pytest.fixture(scope="module")
def local_places(corpus):  # type: ignore[no-untyped-def]
    """The division table as the router reads it: the loaded provinces' districts and counties by short names."""
    from assistant.answering.router import local_short_names
    from assistant.search.retriever import ChineseTokenizer

    return local_short_names(load_places(), corpus, ChineseTokenizer())


@pytest.mark.parametrize(("text", "name"), [
    ("南岗的装备制造企业", "南岗区"), ("道里做食品的", "道里区"), ("香坊规上制造业", "香坊区"),
    ("松北的传感器厂", "松北区"), ("呼兰一家机械厂", "呼兰区"), ("阿城的企业", "阿城区"),
    ("双城的食品厂", "双城区"), ("宾县的企业", "宾县"), ("尚志的木业公司", "尚志市"), ("五常的米业", "五常市"),
    # common words first: read with a place cue around them
    ("我们在平房，做汽车零部件", "平房区"), ("平房的企业，规上", "平房区"), ("哈尔滨平房，规上企业", "平房区"),
    ("我们在方正，做大米加工", "方正县"), ("七台河的企业，新兴那边有个厂", "新兴区"),
])
def test_a_short_district_or_county_name_is_read_as_the_place(local_places, text: str, name: str) -> None:  # type: ignore[no-untyped-def]
    assert name in [p.name for p in local_places.find(text)]


@pytest.mark.parametrize("text", ["住的是平房，想翻建厂房", "我们在新兴产业方面投了钱", "新兴企业有什么补贴",
                                  "方正的态度", "前进了一大步",
                                  "黑龙江省里重大新兴产业项目前期策划"])  # a province is no cue: 新兴区 is 七台河's
def test_a_short_name_that_is_a_common_word_is_no_place_without_a_cue(local_places, text: str) -> None:  # type: ignore[no-untyped-def]
    assert [p.name for p in local_places.find(text) if p.level == 3] == []
