"""PDF extraction damage is repaired and the cleaned corpus is reproducible from its sources."""

from __future__ import annotations

import pytest

from assistant.settings import PROJECT_ROOT
from assistant.text.cleaning import clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a word broken across lines with blank lines between the halves
        ("为了推动龙江工业振兴，实现高质量发展，制定以下政策措\n\n施：\n",
         "为了推动龙江工业振兴，实现高质量发展，制定以下政策措施：\n"),
        # stray spaces inside numbers and before units
        ("水平给予 12 个月的贴息，最高不超过 800 万元。\n", "水平给予12个月的贴息，最高不超过800万元。\n"),
        ("哈政规〔2021〕10 号\n", "哈政规〔2021〕10号\n"),
        # a lone page number between paragraphs disappears
        ("再分别奖励 20万元。（省工信厅、省财政厅）\n\n\n\n5\n\n12. 支持企业深耕细分市场。\n",
         "再分别奖励20万元。（省工信厅、省财政厅）\n12.支持企业深耕细分市场。\n"),
        # the distribution footer is not policy text
        ("本政策措施自印发之日起施行，有效期 3年。\n\n抄送：市委办公厅。\n"
         "哈尔滨市人民政府办公厅    2021 年 8月 25 日印发\n",
         "本政策措施自印发之日起施行，有效期3年。\n"),
        # the space after an article number is kept as the printed full-width space
        ("第十一条  降低企业融资成本。\n", "第十一条\u3000降低企业融资成本。\n"),
        # a page break that indents the next line continues the sentence
        ("对经省级认定的数字化车间（生产\n 线）和智能工厂（矿山），按项目合同金额给予补助。\n",
         "对经省级认定的数字化车间（生产线）和智能工厂（矿山），按项目合同金额给予补助。\n"),
    ],
)
def test_clean_text_repairs_extraction_damage(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_english_words_keep_their_spaces() -> None:
    assert clean_text("支持 5G network slicing 应用。\n") == "支持5G network slicing应用。\n"


@pytest.mark.parametrize("doc_id", ["heilongjiang", "harbin"])
def test_cleaned_corpus_is_what_cleaning_its_source_gives(doc_id: str) -> None:
    source = (PROJECT_ROOT / "corpus" / "sources" / f"{doc_id}.txt").read_text(encoding="utf-8")
    cleaned = (PROJECT_ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
    assert clean_text(source) == cleaned


def test_cleaned_corpus_has_no_space_inside_amounts() -> None:
    for doc_id in ("heilongjiang", "harbin"):
        text = (PROJECT_ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
        assert " 万元" not in text and "万 元" not in text
        assert "抄送" not in text and "印发\n" not in text.replace("予以印发，", "")
