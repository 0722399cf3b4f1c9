"""Adding a policy from a PDF, Word or text file: reading, metadata, refusals, and answers.

The PDFs are real ones drawn with reportlab's built-in CJK font (STSong-Light),
laid out like the seeds' originals: lines broken mid-word at a fixed width,
first lines indented, titles centred, the signature right-aligned, spaces
around numbers and a page number at the foot of each page.  The Word files are
written with python-docx.  One policy numbers its provisions 第X条, the other
uses 一、 sections with 1. measures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant.app import Assistant
from assistant.cli import main
from assistant.ingest.metadata import (
    choose_aliases,
    fill_region,
    guess_region,
    order_metadata,
    place_aliases,
    propose_metadata,
    shorten_title,
)
from assistant.ingest.reading import IngestError, extract_text, read_policy
from assistant.policies.corpus import load_corpus
from assistant.settings import PROJECT_ROOT, Settings
from assistant.text.formatting import format_yuan

TODAY = dt.date(2026, 11, 23)
MUDANJIANG = Path(__file__).parent / "data" / "mudanjiang.txt"
FONT = "STSong-Light"
Block = tuple[str, str]  # (layout: center | left | body | right, text)

# A city policy in the 第X条 form, issued by a 通知 with a 文号: valid 3 years from 2023-03-15,
# so expired on TODAY.
QIQIHAR: list[Block] = [
    ("center", "齐政规〔2023〕5号"),
    ("center", "齐齐哈尔市人民政府印发关于促进装备制造业高质量发展若干政策措施的通知"),
    ("left", "各县（市）区人民政府，市政府各委、办、局，各有关单位："),
    ("body", "现将《齐齐哈尔市促进装备制造业高质量发展若干政策措施》印发给你们，请认真贯彻执行。"),
    ("right", "齐齐哈尔市人民政府"),
    ("right", "2023年3月15日"),
    ("center", "齐齐哈尔市促进装备制造业高质量发展若干政策措施"),
    ("body", "为加快建设装备制造业强市，推动重型装备、农机装备和冰雪装备产业集聚发展，结合我市"
             "实际，制定如下政策措施。"),
    ("body", "第一条　支持农机装备企业研发。对当年研发投入500万元（含）以上的农机装备企业，"
             "按研发投入的10%给予最高不超过300万元补助。"),
    ("body", "第二条　奖励首台（套）重型装备。对经省级认定的首台（套）重型装备，给予研制单位一"
             "次性奖励100万元；同一企业年度奖励最高不超过300万元。"),
    ("body", "第三条　扶持冰雪装备产业。对新落户我市的冰雪装备生产企业，投产当年主营业务收入达"
             "到2000万元的，给予一次性奖励50万元。"),
    ("body", "第四条　加强装备制造人才引进。对装备制造企业新引进的博士研究生，三年内每月给"
             "予3000元生活补贴；对新引进的硕士研究生，三年内每月给予1500元生活补贴。"),
    ("body", "第五条　支持企业开拓对俄市场。对参加中俄博览会的装备制造企业，按实际缴纳展位费的"
             "50%给予补贴，单个企业最高不超过10万元。"),
    ("body", "第六条　从高不重复。同一项目同时符合本政策措施和我市其他扶持政策的，按“从高不重"
             "复”原则给予支持，另有规定的除外。"),
    ("body", "本政策措施自印发之日起施行，有效期3年。"),
    ("left", "抄送：市委办公厅，市人大常委会办公厅，市政协办公厅。"),
    ("left", "齐齐哈尔市人民政府办公室　　　　　　2023年3月15日印发"),
]
# A county policy in the 一、/1. form, signed at the end: in force from 2024-01-01 to the end of 2027.
BINXIAN: list[Block] = [
    ("center", "宾县支持中小企业发展若干措施"),
    ("body", "为支持我县中小企业健康发展，激发市场主体活力，结合我县实际，制定如下措施。"),
    ("body", "一、支持企业发展壮大"),
    ("body", "1.支持食用菌和黑木耳精深加工。对新建食用菌、黑木耳精深加工生产线且设备投资达到"
             "300万元的企业，按设备投资额的10%给予一次性补助，最高不超过50万元。"),
    ("body", "2.鼓励企业吸纳高校毕业生就业。对招用离校两年内高校毕业生并签订一年以上劳动合同"
             "的中小企业，按每人每月500元给予就业补贴，补贴期限最长12个月。"),
    ("body", "二、优化企业发展环境"),
    ("body", "3.扶持返乡创业。对返乡创业人员新办的小微企业，正常经营满一年的，给予一次性创业"
             "补助2万元。"),
    ("body", "4.从优不重复。同一企业同一事项符合我县其他扶持政策的，按照“从优不重复”原则执行。"),
    ("body", "附则："),
    ("body", "本措施自2024年1月1日起施行，有效期至2027年。"),
    ("right", "宾县人民政府"),
    ("right", "2023年12月20日"),
]


# ---- building the files ---------------------------------------------------------------------
def _width(text: str) -> float:
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def _wrap(text: str, first_width: float, width: float) -> list[str]:
    """Break at a fixed width regardless of words, as a PDF's text layer does."""
    lines, current, limit = [], "", first_width
    for ch in text:
        if _width(current + ch) > limit:
            lines.append(current)
            current, limit = "", width
        current += ch
    return [*lines, current] if current else lines


def write_pdf(path: Path, blocks: list[Block], encrypt: pdfencrypt.StandardEncryption | None = None) -> Path:
    """An A4 PDF laid out like a Chinese government document, with the extraction damage of the seeds."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    size, per_line = 14, 28
    page_width, page_height = A4
    left, top, bottom, leading = 60, page_height - 70, 300, size * 2.2
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    state = {"y": top, "page": 1}

    def next_line() -> float:
        if state["y"] < bottom:
            pdf.setFont(FONT, 10)
            pdf.drawCentredString(page_width / 2, 40, f"- {state['page']} -")
            pdf.showPage()
            state["y"], state["page"] = top, state["page"] + 1
        pdf.setFont(FONT, size)
        y = state["y"]
        state["y"] -= leading
        return y

    for layout, text in blocks:
        if layout == "body":  # 「800 万元」: the extractor's spaces around numbers
            text = re.sub(r"(\d+%?)", r" \1 ", text)
        indent = 2 if layout == "body" else 0
        for number, line in enumerate(_wrap(text, per_line - indent, per_line)):
            y = next_line()
            if layout == "center":
                pdf.drawCentredString(page_width / 2, y, line)
            elif layout == "right":
                pdf.drawRightString(page_width - left, y, line)
            else:
                pdf.drawString(left + (indent * size if number == 0 else 0), y, line)
    pdf.setFont(FONT, 10)
    pdf.drawCentredString(page_width / 2, 40, f"- {state['page']} -")
    pdf.save()
    return path


def write_docx(path: Path, blocks: list[Block]) -> Path:
    """The same policy as a Word document: one paragraph per block."""
    document = docx.Document()
    for layout, text in blocks:
        paragraph = document.add_paragraph(text)
        if layout == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif layout == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif layout == "body":
            paragraph.paragraph_format.first_line_indent = Pt(28)
    document.save(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """Pages with only drawings on them, as a scanner produces: no text layer."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        for row in range(30):
            pdf.rect(60, 760 - row * 22, 470, 12, fill=1)
        pdf.showPage()
    pdf.save()
    return path


# ---- fixtures -------------------------------------------------------------------------------
def snapshot(directory: Path) -> dict[str, str]:
    """Every file and directory under `directory`, hidden ones included, with its content hash."""
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(directory.rglob("*"))}


def make_workspace(root: Path) -> Settings:
    """A copy of the project's corpus and a stand-in index under `root`."""
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    build = root / "index" / "builds" / "20260101-000000-aaaaaa"
    build.mkdir(parents=True)
    (build / "manifest.json").write_text("{}", encoding="utf-8")
    (root / "index" / "CURRENT").write_text(build.name, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=root / "index", data_dir=root / "data")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing at a corpus copy; the CLI reads the same directories from the environment."""
    settings = make_workspace(tmp_path)
    monkeypatch.setenv("POLICY_ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("POLICY_ASSISTANT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no one at the keyboard unless a test says so
    return settings


def source_paragraphs(blocks: list[Block]) -> list[str]:
    return [text for _, text in blocks]


# ---- reading PDF and Word -------------------------------------------------------------------
@pytest.mark.parametrize("blocks", [QIQIHAR, BINXIAN], ids=["第X条", "一、1."])
def test_pdf_and_docx_of_one_policy_give_the_clauses_as_written(tmp_path: Path, blocks: list[Block]) -> None:
    from_pdf = read_policy(write_pdf(tmp_path / "policy.pdf", blocks))
    from_docx = read_policy(write_docx(tmp_path / "policy.docx", blocks))
    numbered = [c for c in from_pdf.clauses if c.clause.isdigit()]
    provisions = [p for p in source_paragraphs(blocks) if re.match(r"第.条|\d\.", p)]
    # Every provision comes back exactly as written: broken lines joined, the spaces the
    # PDF put around numbers removed, page numbers gone, no paragraph run into the next.
    assert [c.text for c in numbered] == provisions
    assert [(c.clause, c.title, c.section, c.text) for c in from_pdf.clauses] == [
        (c.clause, c.title, c.section, c.text) for c in from_docx.clauses
    ]
    assert from_pdf.extracted.pages >= 2
    assert "抄送" not in from_pdf.text and "- 1 -" not in from_pdf.text


def test_provision_sections_and_closing_part_are_recognised_in_the_numbered_form(tmp_path: Path) -> None:
    read = read_policy(write_pdf(tmp_path / "binxian.pdf", BINXIAN))
    by_id = {c.clause: c for c in read.clauses}
    assert list(by_id) == ["序言", "1", "2", "3", "4", "附则"]
    assert by_id["3"].title == "扶持返乡创业"
    assert by_id["3"].section == "二、优化企业发展环境"
    assert "有效期至2027年" in by_id["附则"].text


def test_pdf_encrypted_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    restricted = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0, strength=128)
    read = read_policy(write_pdf(tmp_path / "restricted.pdf", QIQIHAR, encrypt=restricted))
    assert sum(c.clause.isdigit() for c in read.clauses) == 6


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_files_in_common_chinese_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "binxian.txt"
    path.write_bytes("\n".join(source_paragraphs(BINXIAN)).encode(encoding))
    assert extract_text(path).segments[0].startswith("宾县支持中小企业发展若干措施")


def test_docx_made_of_hard_wrapped_lines_is_joined_like_a_pdf(tmp_path: Path) -> None:
    lines = [line for _, text in QIQIHAR[6:15] for line in _wrap(text, 28, 28)]
    read = read_policy(write_docx(tmp_path / "pasted.docx", [("left", line) for line in lines]))
    assert read.clauses[1].text == QIQIHAR[8][1]


# ---- metadata proposals ---------------------------------------------------------------------
@pytest.mark.parametrize("doc_id", ["harbin", "heilongjiang"])
def test_metadata_proposed_from_the_seed_sources_matches_their_metadata_files(doc_id: str) -> None:
    read = read_policy(PROJECT_ROOT / "corpus" / "sources" / f"{doc_id}.txt")
    proposed, _ = propose_metadata(read.text, read.extracted.raw)
    expected = json.loads((PROJECT_ROOT / "corpus" / f"{doc_id}.json").read_text(encoding="utf-8"))
    for key in ("title", "doc_number", "issued", "effective", "valid_until", "valid_years", "validity_rule",
                "continuation"):
        assert proposed[key] == expected.get(key), key
    # The province policy prints no issuer: nothing is invented.
    assert proposed["issuer"] == (expected["issuer"] if doc_id == "harbin" else None)


@pytest.mark.parametrize(("sentence", "field", "value"), [
    ("本政策措施自印发之日起施行，有效期3年。", "valid_years", 3),
    ("本办法自发布之日起施行，有效期为五年。", "valid_years", 5),
    ("本措施自印发之日起实施，有效期两年。", "valid_years", 2),
    ("本政策措施自印发之日起施行，有效期至2025年。", "valid_until", "2025-12-31"),  # a bare year: to its end
    ("本措施自印发之日起施行，有效期至2025年6月。", "valid_until", "2025-06-30"),
    ("本措施自印发之日起施行，有效期至2024年2月。", "valid_until", "2024-02-29"),  # leap year
    ("本办法有效期自2023年1月1日至2025年9月30日。", "valid_until", "2025-09-30"),
    ("本政策执行期至2026年12月31日。", "valid_until", "2026-12-31"),
])
def test_validity_forms_are_read_from_the_enforcement_sentence(sentence: str, field: str, value: object) -> None:
    text = f"第一条　支持企业。对企业给予奖励。\n第二条　其他事项。\n{sentence}\n"
    proposed, warnings = propose_metadata(text)
    assert proposed[field] == value
    assert proposed["validity_rule"] == sentence
    assert not any("有效期" in w for w in warnings)


def test_a_measure_mentioning_a_validity_period_is_not_taken_for_the_policys_own() -> None:
    text = ("第一条　支持高新技术企业。认定的高新技术企业资格有效期3年，期间每年给予奖励。\n"
            "第二条　本政策自印发之日起施行，有效期至2026年。\n")
    proposed, _ = propose_metadata(text)
    assert (proposed["valid_until"], proposed["valid_years"]) == ("2026-12-31", None)


def test_an_impossible_validity_date_is_a_warning_not_a_crash() -> None:
    proposed, warnings = propose_metadata("第一条　支持。\n本办法自印发之日起施行，有效期至2025年2月30日。\n")
    assert proposed["valid_until"] is None
    assert any("日期无效" in w for w in warnings)


def test_no_validity_in_the_text_is_a_warning_not_a_guess() -> None:
    proposed, warnings = propose_metadata("第一条　支持企业。\n第二条　其他。\n")
    assert proposed["valid_until"] is None and proposed["valid_years"] is None
    assert any("没有找到有效期" in w for w in warnings)


@pytest.mark.parametrize(("line", "number"), [
    ("哈政规〔2021〕10号", "哈政规〔2021〕10号"),
    ("黑政规[2022]3号", "黑政规〔2022〕3号"),
    ("（齐政发【2023】第5号）", "齐政发〔2023〕5号"),
    ("宾政办发〔2023〕 12 号", "宾政办发〔2023〕12号"),
])
def test_document_number_forms_are_normalised(line: str, number: str) -> None:
    proposed, _ = propose_metadata(f"{line}\n某某市支持企业发展若干措施\n第一条　支持。\n第二条　其他。\n")
    assert proposed["doc_number"] == number


def test_a_document_number_cited_in_the_body_is_not_the_policys_own() -> None:
    text = ("某某市支持企业发展若干措施\n"
            "根据《国务院关于促进中小企业发展的意见》（国发〔2020〕8号），制定本措施。\n第一条　支持。\n")
    assert propose_metadata(text)[0]["doc_number"] is None


def test_issue_and_effective_dates_come_from_date_lines_and_enforcement_sentences() -> None:
    text = ("某县支持企业发展若干措施\n第一条　支持。\n第二条　本措施自2024年1月1日起施行。\n"
            "某县人民政府\n2023年12月20日\n")
    proposed, _ = propose_metadata(text)
    assert (proposed["issued"], proposed["effective"]) == ("2023-12-20", "2024-01-01")
    assert proposed["issuer"] == "某县人民政府"


def test_the_printed_on_footer_is_the_last_resort_for_the_issue_date() -> None:
    raw = "某市支持企业发展若干措施\n第一条　支持。\n抄送：市委办公厅。\n某市人民政府办公室    2022 年 5月 6 日印发\n"
    proposed, warnings = propose_metadata("某市支持企业发展若干措施\n第一条　支持。\n", raw)
    assert proposed["issued"] == "2022-05-06"
    assert any("印发日期取自文末" in w for w in warnings)


@pytest.mark.parametrize(("issuer", "expected"), [
    ("哈尔滨市人民政府", ("city", "哈尔滨市")),
    ("黑龙江省人民政府办公厅", ("province", "黑龙江省")),
    ("黑龙江省工业和信息化厅", ("province", "黑龙江省")),
    ("哈尔滨市南岗区人民政府", ("county", "哈尔滨市南岗区")),
    ("宾县人民政府", ("county", "宾县")),
    ("大兴安岭地区行政公署", ("city", "大兴安岭地区")),
    ("国务院办公厅", ("national", "全国")),
    ("省工信厅", None),
])
def test_jurisdiction_and_region_are_guessed_from_the_issuer(issuer: str, expected: tuple[str, str] | None) -> None:
    assert guess_region(issuer) == expected


@pytest.mark.parametrize(("region", "aliases"), [
    ("齐齐哈尔市", ["齐齐哈尔市", "齐齐哈尔"]),
    ("黑龙江省", ["黑龙江省", "黑龙江"]),
    ("宾县", ["宾县"]),  # never the one-character 宾
    ("哈尔滨市南岗区", ["哈尔滨市南岗区", "南岗区", "南岗"]),
    ("全国", []),
])
def test_place_aliases_are_what_people_call_the_place(region: str, aliases: list[str]) -> None:
    assert place_aliases(region) == aliases


def test_short_title_drops_the_boilerplate() -> None:
    assert shorten_title("关于加快推动哈尔滨市制造业高质量发展实现工业强市的若干政策措施") == (
        "加快推动哈尔滨市制造业高质量发展实现工业强市政策")


def test_a_region_guessed_from_the_title_is_marked_as_a_guess_and_warned_about() -> None:
    meta = {"title": "关于哈尔滨市加快推进工业强市的若干措施", "issuer": "市工信局"}
    origins: dict[str, str] = {}
    warnings: list[str] = []
    fill_region(meta, origins, warnings)
    # The issuer names no place; only the title's first place is taken, never 「工业强市」.
    assert (meta["region"], meta["jurisdiction"]) == ("哈尔滨市", "city")
    assert origins == {"region": "推测", "jurisdiction": "推测"}
    assert warnings == ["地区「哈尔滨市」是从标题推测的，请核对（或用 --region、--jurisdiction 指定）"]


def test_a_given_region_only_completes_the_jurisdiction() -> None:
    meta = {"region": "哈尔滨市宾县", "issuer": "黑龙江省人民政府"}
    origins: dict[str, str] = {"region": "指定"}
    fill_region(meta, origins, [])
    assert (meta["region"], meta["jurisdiction"], origins["jurisdiction"]) == ("哈尔滨市宾县", "county", "推断")


def test_a_place_alias_overlapping_another_policys_alias_is_dropped_with_a_warning() -> None:
    existing = [{"doc_id": "harbin", "title": "哈尔滨政策", "aliases": ["哈尔滨市", "哈尔滨"]}]
    meta = {"doc_id": "nangang", "region": "哈尔滨市南岗区", "short_title": "南岗区数字经济政策",
            "doc_number": "南政发〔2024〕3号"}
    warnings: list[str] = []
    assert choose_aliases(meta, existing, warnings) == ["南岗区", "南岗", "南政发〔2024〕3号", "南岗区数字经济政策"]
    assert warnings == ["地名别称「哈尔滨市南岗区」会与《哈尔滨政策》的别称「哈尔滨市」混淆，未采用"]


NANGANG = {"doc_id": "nangang", "region": "哈尔滨市南岗区", "short_title": "南岗区数字经济政策", "doc_number": None}
HARBIN_ALIASES = [{"doc_id": "harbin", "title": "哈尔滨政策", "aliases": ["哈尔滨市", "哈尔滨", "冰城"]}]


def test_given_aliases_are_added_after_the_proposed_ones() -> None:
    warnings: list[str] = []
    given = ["南岗数字经济政策", "南岗区", "南岗数字经济政策"]
    assert choose_aliases(NANGANG, HARBIN_ALIASES, warnings, given=given) == [
        "南岗区", "南岗", "南岗区数字经济政策", "南岗数字经济政策"]  # each once


def test_a_given_alias_answers_the_warning_that_the_policy_has_no_place_alias() -> None:
    # 「全国」 gives no place alias: without --alias the policy could only be named by its title.
    national = {"doc_id": "guowuyuan", "region": "全国", "short_title": "促进工业经济平稳增长政策", "doc_number": None}
    warnings: list[str] = []
    choose_aliases(national, HARBIN_ALIASES, warnings)
    assert any("没有可用的地名别称" in w and "--alias" in w for w in warnings)
    warnings.clear()
    aliases = choose_aliases(national, HARBIN_ALIASES, warnings, given=["国务院稳增长政策"])
    assert aliases[-1] == "国务院稳增长政策"
    assert warnings == []


@pytest.mark.parametrize(("alias", "message"), [
    ("哈尔滨南岗政策", "--alias「哈尔滨南岗政策」会与《哈尔滨政策》的别称「哈尔滨」混淆"),  # contains one
    ("冰城", "--alias「冰城」会与《哈尔滨政策》的别称「冰城」混淆"),  # the same one
    ("城", "--alias「城」太短"),
])
def test_a_given_alias_that_is_ambiguous_is_refused(alias: str, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        choose_aliases(NANGANG, HARBIN_ALIASES, [], given=[alias])


def test_metadata_is_ordered_like_the_seeds_with_one_validity_field() -> None:
    meta = {"title": "某政策", "doc_id": "x", "valid_years": 3, "valid_until": None, "aliases": ["某"]}
    ordered = order_metadata(meta, "x.pdf")
    assert list(ordered)[:3] == ["doc_id", "title", "short_title"]
    assert ordered["valid_years"] == 3 and "valid_until" not in ordered
    assert (ordered["validity_rule"], ordered["source"]) == ("", "x.pdf")


# ---- the command: summary, flags, confirmation ----------------------------------------------
def test_add_policy_shows_a_chinese_summary_and_writes_text_and_metadata(
    tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    index_before = snapshot(workspace.index_dir)
    assert main(["add-policy", str(pdf), "--yes", "--no-index"]) == 0
    out = capsys.readouterr().out
    for expected in ("识别出 6 条", "第二条　奖励首台（套）重型装备", "未归入任何条款的段落：无", "齐政规〔2023〕5号",
                     "齐齐哈尔市人民政府", "3年，至2026年3月14日", "未重建索引"):
        assert expected in out
    meta = json.loads((workspace.corpus_dir / "qiqihar.json").read_text(encoding="utf-8"))
    assert meta["doc_id"] == "qiqihar"  # from the file name
    assert (meta["jurisdiction"], meta["region"]) == ("city", "齐齐哈尔市")
    assert (meta["issued"], meta["effective"], meta["valid_years"]) == ("2023-03-15", "2023-03-15", 3)
    assert {"齐齐哈尔市", "齐齐哈尔"} <= set(meta["aliases"])
    document = load_corpus(workspace.corpus_dir).document("qiqihar")
    assert document is not None and document.valid_until == dt.date(2026, 3, 14)
    assert not [p for p in workspace.corpus_dir.iterdir() if p.name.startswith(".add-policy")]
    assert snapshot(workspace.index_dir) == index_before  # --no-index


def test_flags_override_every_proposed_field(tmp_path: Path, workspace: Settings) -> None:
    docx_file = write_docx(tmp_path / "宾县措施.docx", BINXIAN)
    assert main(["add-policy", str(docx_file), "--yes", "--no-index", "--doc-id", "binxian-2024",
                 "--title", "《宾县中小企业扶持措施》", "--issuer", "宾县工业信息科技局",
                 "--doc-number", "宾政发[2023]9号", "--issued", "2023-12-01", "--valid-years", "2",
                 "--region", "哈尔滨市宾县"]) == 0
    meta = json.loads((workspace.corpus_dir / "binxian-2024.json").read_text(encoding="utf-8"))
    assert meta["title"] == "宾县中小企业扶持措施"
    assert meta["issuer"] == "宾县工业信息科技局"
    assert meta["doc_number"] == "宾政发〔2023〕9号"
    assert (meta["region"], meta["jurisdiction"]) == ("哈尔滨市宾县", "county")
    assert (meta["issued"], meta["valid_years"], "valid_until" in meta) == ("2023-12-01", 2, False)
    assert meta["effective"] == "2024-01-01"  # the text's own start date still holds
    # 哈尔滨市 names the Harbin policy already: the new one is not given that alias.
    assert "哈尔滨市宾县" not in meta["aliases"] and "宾县" in meta["aliases"]


def test_alias_flags_add_names_to_the_proposed_aliases(
    tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    assert main(["add-policy", str(pdf), "--yes", "--no-index", "--alias", "鹤城", "--alias", " 齐市装备政策 "]) == 0
    assert "鹤城、齐市装备政策" in capsys.readouterr().out  # in the summary's 别称 line
    meta = json.loads((workspace.corpus_dir / "qiqihar.json").read_text(encoding="utf-8"))
    assert meta["aliases"][:2] == ["齐齐哈尔市", "齐齐哈尔"] and meta["aliases"][-2:] == ["鹤城", "齐市装备政策"]
    assert load_corpus(workspace.corpus_dir).document("qiqihar").aliases[-1] == "齐市装备政策"  # type: ignore[union-attr]


def test_an_alias_flag_naming_another_policy_is_refused_and_nothing_is_written(
    tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    before = snapshot(workspace.corpus_dir)
    assert main(["add-policy", str(pdf), "--yes", "--no-index", "--alias", "鹤城", "--alias", "哈市装备政策"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("错误：--alias「哈市装备政策」会与《") and "的别称「哈市」混淆" in error
    assert snapshot(workspace.corpus_dir) == before


def test_without_yes_nothing_is_written_when_nobody_confirms(
    tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    before = snapshot(workspace.corpus_dir)
    assert main(["add-policy", str(pdf), "--no-index"]) == 1  # stdin is empty: EOF means no
    assert "已取消，政策库没有任何改动" in capsys.readouterr().out
    assert snapshot(workspace.corpus_dir) == before


def test_confirmation_and_missing_metadata_are_asked_for_on_stdin(
    tmp_path: Path, workspace: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The province seed's text names no issuer, and its Chinese file name gives no doc_id.
    source = tmp_path / "省工业振兴政策.txt"
    text = (PROJECT_ROOT / "corpus" / "sources" / "heilongjiang.txt").read_text(encoding="utf-8")
    source.write_text(text.replace("黑龙江省推动工业振兴若干政策措施", "黑龙江省推动工业振兴若干政策措施（修订）", 1),
                      encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("province-revised\n黑龙江省人民政府\ny\n"))
    assert main(["add-policy", str(source), "--no-index"]) == 0
    meta = json.loads((workspace.corpus_dir / "province-revised.json").read_text(encoding="utf-8"))
    assert (meta["issuer"], meta["jurisdiction"], meta["region"]) == ("黑龙江省人民政府", "province", "黑龙江省")


def test_with_yes_missing_metadata_is_an_error_naming_the_flags(
    tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "policy.txt"
    source.write_text("某某支持企业发展若干措施\n第一条　支持企业。\n第二条　其他事项。\n", encoding="utf-8")
    before = snapshot(workspace.corpus_dir)
    assert main(["add-policy", str(source), "--yes", "--no-index"]) == 2
    error = capsys.readouterr().err
    assert "缺少必要信息" in error and "--issuer" in error and "--region" in error
    assert snapshot(workspace.corpus_dir) == before


def test_a_policy_already_in_the_corpus_is_refused(workspace: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(workspace.corpus_dir)
    seed = PROJECT_ROOT / "corpus" / "sources" / "harbin.txt"
    assert main(["add-policy", str(seed), "--yes", "--no-index", "--doc-id", "harbin-copy"]) == 2
    assert "已收录为 harbin" in capsys.readouterr().err
    assert snapshot(workspace.corpus_dir) == before


def test_an_existing_doc_id_is_refused(tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    before = snapshot(workspace.corpus_dir)
    assert main(["add-policy", str(pdf), "--yes", "--no-index", "--doc-id", "harbin"]) == 2
    assert "doc_id「harbin」已被" in capsys.readouterr().err
    assert snapshot(workspace.corpus_dir) == before


def test_a_failed_index_rebuild_undoes_the_corpus_change(
    tmp_path: Path, workspace: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    monkeypatch.setenv("POLICY_ASSISTANT_EMBEDDING_MODEL", str(tmp_path / "no-such-model"))
    corpus_before, index_before = snapshot(workspace.corpus_dir), snapshot(workspace.index_dir)
    assert main(["add-policy", str(pdf), "--yes"]) == 2
    assert "重建索引失败，本次收录已撤销，政策库保持原样" in capsys.readouterr().err
    assert snapshot(workspace.corpus_dir) == corpus_before
    assert snapshot(workspace.index_dir) == index_before


# ---- files that cannot be added -------------------------------------------------------------
def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path
    return build


def _encrypted(directory: Path) -> Path:
    locked = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    return write_pdf(directory / "locked.pdf", QIQIHAR, encrypt=locked)


def _empty_docx(directory: Path) -> Path:
    path = directory / "empty.docx"
    docx.Document().save(str(path))
    return path


def _news_docx(directory: Path) -> Path:
    return write_docx(directory / "news.docx", [
        ("left", "我县召开中小企业座谈会"),
        ("body", "近日，县政府召开中小企业座谈会，听取企业意见建议。会议强调，要持续优化营商环境。"),
    ])


UNREADABLE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "scanned PDF": (lambda directory: write_scanned_pdf(directory / "scan.pdf"), "没有文字层"),
    "encrypted PDF": (_encrypted, "已加密，需要密码"),
    "empty PDF": (_write("empty.pdf", b""), "是空文件"),
    "damaged PDF": (_write("damaged.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"), "无法作为 PDF 打开"),
    "empty Word": (_empty_docx, "中没有文字"),
    "damaged Word": (_write("damaged.docx", b"PK\x03\x04 not really a zip"), "无法作为 Word（.docx）文件打开"),
    "old Word": (_write("policy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), "另存为” .docx"),
    "spreadsheet": (_write("policy.xlsx", b"PK\x03\x04"), "不支持 .xlsx 格式"),
    "blank text": (_write("blank.txt", b"  \n\r\n  "), "是空文件"),
    "unknown encoding": (_write("policy.txt", bytes(range(0x80, 0x100)) * 4), "编码无法识别"),
    "English text": (_write("policy.txt", b"Article 1. Support for enterprises.\nArticle 2. Other.\n"), "几乎不含汉字"),
    "news, not a policy": (_news_docx, "没有识别出任何条款"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_unreadable_file_gets_a_chinese_reason_and_changes_nothing(
    case: str, tmp_path: Path, workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    build, reason = UNREADABLE[case]
    path = build(tmp_path)
    corpus_before, index_before = snapshot(workspace.corpus_dir), snapshot(workspace.index_dir)
    assert main(["add-policy", str(path), "--yes", "--doc-id", "new-policy"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("错误：") and reason in error
    assert snapshot(workspace.corpus_dir) == corpus_before
    assert snapshot(workspace.index_dir) == index_before


def test_a_missing_file_is_named(workspace: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add-policy", "/nonexistent/policy.pdf", "--yes"]) == 2
    assert "找不到文件：/nonexistent/policy.pdf" in capsys.readouterr().err


# ---- the command line, as staff run it --------------------------------------------------------
def test_command_line_adds_a_policy_in_a_separate_process(tmp_path: Path) -> None:
    settings = make_workspace(tmp_path)
    pdf = write_pdf(tmp_path / "齐齐哈尔装备制造政策.pdf", QIQIHAR)
    env = {**os.environ, "POLICY_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "POLICY_ASSISTANT_INDEX_DIR": str(settings.index_dir), "POLICY_ASSISTANT_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run([sys.executable, "-m", "assistant", "add-policy", str(pdf), "--yes", "--no-index",
                           "--doc-id", "qiqihar"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "已收录《齐齐哈尔市促进装备制造业高质量发展若干政策措施》（doc_id：qiqihar）" in done.stdout
    assert [d.doc_id for d in load_corpus(settings.corpus_dir).documents] == ["harbin", "heilongjiang", "qiqihar"]
    again = subprocess.run([sys.executable, "-m", "assistant", "add-policy", str(pdf), "--yes", "--no-index",
                            "--doc-id", "qiqihar"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 2 and again.stderr.startswith("错误：这份政策已收录为 qiqihar")


def test_command_line_alias_flags_in_a_separate_process(tmp_path: Path) -> None:
    settings = make_workspace(tmp_path)
    pdf = write_pdf(tmp_path / "qiqihar.pdf", QIQIHAR)
    env = {**os.environ, "POLICY_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "POLICY_ASSISTANT_INDEX_DIR": str(settings.index_dir), "POLICY_ASSISTANT_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run([sys.executable, "-m", "assistant", "add-policy", str(pdf), "--yes", "--no-index",
                           "--alias", "鹤城", "--alias", "齐市装备政策"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    meta = json.loads((settings.corpus_dir / "qiqihar.json").read_text(encoding="utf-8"))
    assert meta["aliases"][-2:] == ["鹤城", "齐市装备政策"]


# ---- end to end: ingest both, build once, ask -------------------------------------------------
@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The project corpus plus both synthetic policies (PDF and Word), one real index build, one Assistant."""
    root = tmp_path_factory.mktemp("ingest-e2e")
    settings = make_workspace(root)
    shutil.rmtree(settings.index_dir)
    pdf = write_pdf(root / "qiqihar.pdf", QIQIHAR)
    word = write_docx(root / "binxian.docx", BINXIAN)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("CORPUS_DIR", settings.corpus_dir), ("INDEX_DIR", settings.index_dir),
                            ("DATA_DIR", settings.data_dir)):
            patch.setenv(f"POLICY_ASSISTANT_{name}", str(value))
        assert main(["add-policy", str(pdf), "--yes", "--no-index", "--alias", "鹤城"]) == 0
        # a plain text numbered 一、二、三 with no flags and no rules file: rules drafted from its sentences
        assert main(["add-policy", str(MUDANJIANG), "--yes", "--no-index"]) == 0
        assert main(["add-policy", str(word), "--yes"]) == 0  # this one rebuilds the index
    return Assistant.load(settings, clock=lambda: TODAY, build_if_missing=False, wait_for_model=True)


def _clause_text(bot: Assistant, doc_id: str, clause: str) -> str:
    found = bot.corpus.clause(doc_id, clause)
    assert found is not None
    return found.text


@pytest.mark.slow
def test_an_alias_given_with_the_flag_names_the_policy_in_questions(ingested: Assistant) -> None:
    first = ingested.ask("鹤城第二条讲什么").to_dict()["citations"][0]
    assert (first["doc_id"], first["clause"]) == ("qiqihar", "2")


@pytest.mark.slow
def test_new_pdf_policy_clause_is_quoted_by_alias_with_its_expiry_notice(ingested: Assistant) -> None:
    reply = ingested.ask("齐齐哈尔第二条讲什么").to_dict()
    first = reply["citations"][0]
    assert (reply["route"], first["doc_id"], first["clause"], first["title"]) == (
        "lookup", "qiqihar", "2", "奖励首台（套）重型装备")
    assert "给予研制单位一次性奖励100万元" in first["quote"]
    assert first["quote"] in _clause_text(ingested, "qiqihar", "2")
    assert "《齐齐哈尔市促进装备制造业高质量发展若干政策措施》（齐政规〔2023〕5号）" in reply["text"]
    # Valid 3 years from 2023-03-15: expired on TODAY, and the notice says so.
    assert "已到期" in reply["text"] and "2026年3月14日" in reply["text"]


@pytest.mark.slow
def test_new_word_policy_clause_is_quoted_by_alias_and_is_in_force(ingested: Assistant) -> None:
    reply = ingested.ask("宾县第二条讲什么").to_dict()
    first = reply["citations"][0]
    assert (first["doc_id"], first["clause"], first["title"]) == ("binxian", "2", "鼓励企业吸纳高校毕业生就业")
    assert "按每人每月500元给予就业补贴" in first["quote"]
    assert first["quote"] in _clause_text(ingested, "binxian", "2")
    assert "已到期" not in reply["text"]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "expected"), [
    ("宾县的政策现在还有效吗", ["自2024年1月1日起施行", "有效期至2027年12月31日", "仍在有效期内"]),
    ("齐齐哈尔的政策还有效吗", ["有效期至2026年3月14日", "已到期", "有效期3年"]),
])
def test_validity_answers_come_from_the_new_metadata(ingested: Assistant, question: str, expected: list[str]) -> None:
    reply = ingested.ask(question)
    for words in expected:
        assert words in reply.text


@pytest.mark.slow
@pytest.mark.parametrize(("question", "doc_id", "clause"), [
    ("新落户的冰雪装备生产企业有什么奖励", "qiqihar", "3"),
    ("返乡创业新办小微企业有补助吗", "binxian", "3"),
])
def test_search_finds_the_new_policies_clauses(ingested: Assistant, question: str, doc_id: str, clause: str) -> None:
    reply = ingested.ask(question).to_dict()
    assert (reply["citations"][0]["doc_id"], reply["citations"][0]["clause"]) == (doc_id, clause)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "doc_id", "amount"), [
    ("宾县返乡创业能拿多少补助？", "binxian", 20000.0),
    ("齐齐哈尔首台套重型装备能奖励多少钱", "qiqihar", 1000000.0),
])
def test_amount_question_for_a_new_policy_uses_the_rule_drafted_from_its_sentence(
    ingested: Assistant, question: str, doc_id: str, amount: float
) -> None:
    reply = ingested.ask(question).to_dict()
    document = ingested.corpus.document(doc_id)
    assert document is not None
    calculation = reply["calculations"][0]
    assert (calculation["doc_id"], calculation["amount_yuan"]) == (doc_id, amount)
    # The amount is the drafted rule's, and the rule quotes the sentence that states it.
    rule = ingested.corpus.rules[calculation["rule_id"]]
    assert rule.quote in document.text and format_yuan(amount) in rule.quote


@pytest.mark.slow
def test_the_seed_policies_still_answer_after_ingestion(ingested: Assistant) -> None:
    reply = ingested.ask("哈尔滨第十一条讲什么")
    assert (reply.citations[0].doc_id, reply.citations[0].clause) == ("harbin", "11")
    about = {d["doc_id"]: d for d in ingested.about()["documents"]}
    assert (about["qiqihar"]["clauses"], about["binxian"]["clauses"]) == (6, 4)
    assert (about["qiqihar"]["in_force"], about["binxian"]["in_force"]) == (False, True)


# ---- a policy whose rules are drafted from its text -------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(("question", "rule_id", "amount", "eligible"), [
    # 一、 8% of each project's equipment investment, 200万 per project, 300万 per enterprise a year
    ("牡丹江两个技改项目设备投资分别800万元和3000万元，能补助多少？", "mudanjiang-1-d1", 2640000.0, True),
    ("牡丹江技术改造项目设备投资800万元能补助多少", "mudanjiang-1-d1", 640000.0, True),
    # 二、 tiers on 年营业收入: 2亿 → 20万, 5亿 → 50万; under 2亿 is not eligible
    ("牡丹江年营业收入3亿元能奖励多少？", "mudanjiang-2-d2", 200000.0, True),
    ("牡丹江年营业收入6亿元能奖励多少？", "mudanjiang-2-d2", 500000.0, True),
    ("牡丹江年营业收入1.5亿元能奖励多少？", "mudanjiang-2-d2", 0.0, False),
    # 三、 10万 per product, one-off, 50万 per enterprise
    ("牡丹江有4个产品首次通过省级新产品鉴定，能奖多少", "mudanjiang-3-d3", 400000.0, True),
    ("牡丹江有8个产品首次通过省级新产品鉴定，能奖多少", "mudanjiang-3-d3", 500000.0, True),
    # 四、 2000元 per person for 3 years
    ("牡丹江新招用本市户籍人员15人，用工补贴多少", "mudanjiang-4-d4", 90000.0, True),
    # 五、 5% of R&D spending from 100万, capped at 100万
    ("牡丹江年度研发费用800万元能补助多少", "mudanjiang-5-d5", 400000.0, True),
    ("牡丹江年度研发费用3000万元能补助多少", "mudanjiang-5-d5", 1000000.0, True),
    ("牡丹江年度研发费用50万元能补助多少", "mudanjiang-5-d5", 0.0, False),
])
def test_a_policy_added_without_a_rules_file_computes_each_clause_from_its_drafted_rules(
    ingested: Assistant, question: str, rule_id: str, amount: float, eligible: bool
) -> None:
    reply = ingested.ask(question).to_dict()
    assert reply["route"] == "calculate", reply["text"]
    calculation = reply["calculations"][0]
    assert (calculation["rule_id"], calculation["amount_yuan"], calculation["eligible"]) == (
        rule_id, amount, eligible)
    rule = ingested.corpus.rules[rule_id]
    document = ingested.corpus.document("mudanjiang")
    assert document is not None and rule.quote in document.text


@pytest.mark.slow
def test_the_drafted_policy_has_its_metadata_from_the_text_and_refuses_the_unpriced_clause(
    ingested: Assistant
) -> None:
    document = ingested.corpus.document("mudanjiang")
    assert document is not None
    assert (document.title, document.issuer) == ("牡丹江市促进中小企业高质量发展若干措施", "牡丹江市人民政府")
    assert (document.jurisdiction, document.region) == ("city", "牡丹江市")
    assert document.valid_until == dt.date(2026, 12, 31)
    reply = ingested.ask("牡丹江投资20亿元的重大产业项目能拿多少").to_dict()
    assert reply["calculations"] == [] and "一事一议" in reply["text"]
