"""管理 → 收录新政策 (issue 14): staff add a policy in the web app; it is answered without a restart.

The browser test runs the real app on a real gradio server with a login, over a copy of corpus/ and
of the index in a temp dir (the project's corpus/ is never touched), in Debian's chromium.  The
handler tests check the refusals: a bad file, a missing field, a duplicate, a failed build.
Screenshot: test-artifacts/upload-preview.png.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

import ui
from assistant.feedback import FeedbackStore
from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port
from tests.ui.test_browser import ask, browser, open_tab, save  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

# A synthetic policy in the 一、二、三 form, naming no issuer: staff must fill in 发文机关.
JIAMUSI = Path(__file__).parent / "data" / "jiamusi.txt"
TITLE = "佳木斯市支持工业企业提质增效若干措施"
PASSWORD = "upload-pass-14"
OLD_QUESTION = "技改投资3亿元，LPR 3.45%，能拿多少贴息？"  # 3亿 × 3.45% × 2 = 2070万 (heilongjiang 1)
NEW_QUESTION = "佳木斯智能化改造项目设备投资800万元，能补助多少？"  # 800万 × 10% = 80万 < 150万 cap


def staff_settings(session_settings: Settings, root: Path, **changes: Any) -> Settings:
    """A login, and corpus/ and the index copied into `root`."""
    shutil.copytree(PROJECT_ROOT / "corpus", root / "corpus")
    shutil.copytree(session_settings.index_dir, root / "index")
    return session_settings.with_overrides(corpus_dir=root / "corpus", index_dir=root / "index",
                                           data_dir=root / "data", auth_user="hotline", auth_password=PASSWORD,
                                           **changes)


def corpus_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.corpus_dir.iterdir() if p.is_file())


@pytest.fixture
def staff(bot, session_settings: Settings, tmp_path: Path) -> ui.Handlers:  # type: ignore[no-untyped-def]
    settings = staff_settings(session_settings, tmp_path)
    return ui.Handlers(bot, FeedbackStore(tmp_path / "data" / "feedback.sqlite3"), settings)


def upload_copy(tmp_path: Path, name: str = "jiamusi.txt", text: str | None = None) -> str:
    """The file as gradio hands it over: a path in a temp folder, with the name it was uploaded under."""
    folder = tmp_path / "upload"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(JIAMUSI.read_text(encoding="utf-8") if text is None else text, encoding="utf-8")
    return str(path)


FIELDS = ("jiamusi", TITLE, "佳木斯市人民政府", "佳木斯市", "city", "")


# ---- the handlers: preview and refusals ----------------------------------------------------------
def test_the_preview_shows_clauses_metadata_and_drafted_rules_and_asks_for_the_missing_issuer(
        staff: ui.Handlers, tmp_path: Path) -> None:
    summary, clauses, meta, rules, kept, previewed, *fields = staff.preview_upload(upload_copy(tmp_path))
    assert "识别出 4 条" in summary and "还缺少：**发文机关**" in summary
    assert "或用「所属地区」栏、「层级」栏" in summary and "--region" not in summary  # the page's fields, not flags
    assert [row[0] for row in clauses] == ["序言", "第一条", "第二条", "第三条", "第四条"]
    assert ["标题", TITLE, "原文"] in meta and ["发文机关", "（未知，请在下方填写）", ""] in meta
    assert ["所属地区", "佳木斯市", "推测"] in meta
    assert rules[0][1] == ("对设备投资300万元（含）以上的智能化改造项目，按设备投资额的10%给予补助，"
                           "单个项目最高不超过150万元。")
    assert rules[0][3] == "设备投资额=300万元、150万元 → 30万元"  # 300万 × 10%; 150万 is under the 300万 threshold
    assert [c[1] for c in kept.choices] == ["jiamusi-1-d1", "jiamusi-2-d2", "jiamusi-3-d3"] == kept.value
    assert fields == ["jiamusi", TITLE, "", "佳木斯市", "city", ""]
    assert previewed == {"path": previewed["path"], "overrides": {},
                         "rule_ids": ["jiamusi-1-d1", "jiamusi-2-d2", "jiamusi-3-d3"]}


def test_confirming_without_the_issuer_or_after_an_unpreviewed_edit_writes_nothing(
        staff: ui.Handlers, tmp_path: Path) -> None:
    before = corpus_files(staff.reload_settings)  # type: ignore[arg-type]
    *_, previewed, _, _, _, _, _, _ = staff.preview_upload(upload_copy(tmp_path))
    with pytest.warns(UserWarning, match="还缺少发文机关，未收录"):
        (status, *_), = staff.publish(previewed, [], *FIELDS[:2], "", *FIELDS[3:])
    assert status.startswith("❌")
    with pytest.warns(UserWarning, match="修改后还没有重新预览"):
        list(staff.publish(previewed, [], *FIELDS))
    assert corpus_files(staff.reload_settings) == before  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("jiamusi.doc", "x", "不支持 .doc 格式，请在 Word 或 WPS 中“另存为” .docx 后再收录"),
    ("empty.txt", "", "empty.txt 是空文件，没有任何内容"),
    ("harbin-copy.txt", (PROJECT_ROOT / "corpus" / "harbin.txt").read_text(encoding="utf-8"),
     "这份政策已收录为 harbin"),
])
def test_a_bad_or_duplicate_file_gets_a_chinese_message_and_no_preview(
        staff: ui.Handlers, tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.warns(UserWarning, match=message):
        summary, clauses, meta, rules, _, previewed, *_ = staff.preview_upload(upload_copy(tmp_path, name, text))
    assert summary.startswith("❌") and clauses == meta == rules == [] and previewed is None


def test_a_failed_build_removes_the_new_files_and_the_old_policies_keep_answering(
        bot, session_settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The build cannot load its embedding model: build_index fails after the files were written.
    settings = staff_settings(session_settings, tmp_path, embedding_model=str(tmp_path / "no-such-model"))
    staff = ui.Handlers(bot, FeedbackStore(tmp_path / "data" / "feedback.sqlite3"), settings)
    before, current = corpus_files(settings), (settings.index_dir / "CURRENT").read_text()
    *_, previewed, _, _, _, _, _, _ = staff.preview_upload(upload_copy(tmp_path), *FIELDS)
    assert previewed["overrides"] == {"issuer": "佳木斯市人民政府"}  # what the text states stays 〔原文〕
    with pytest.warns(UserWarning, match="重建索引失败，本次收录已撤销"):
        *_, (status, *others) = staff.publish(previewed, previewed["rule_ids"], *FIELDS)
    assert "❌ 未收录，政策库和正在使用的索引保持原样，助手照常回答" in status and "找不到嵌入模型目录" in status
    assert others == [{"__type__": "update"}] * 5
    assert corpus_files(settings) == before and (settings.index_dir / "CURRENT").read_text() == current
    assert staff.bot is bot and "2070万元" in staff.bot.ask(OLD_QUESTION).text
    assert staff.publisher is not None and not staff.publisher.progress.running  # the next upload may start


def test_there_is_no_upload_without_a_login(bot, session_settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handlers = ui.Handlers(bot, FeedbackStore(tmp_path / "feedback.sqlite3"), session_settings)
    assert handlers.publisher is None
    with pytest.warns(UserWarning, match="只有以登录方式启动的网页服务才能收录新政策"):
        summary, *_ = handlers.preview_upload(upload_copy(tmp_path))
    assert summary.startswith("❌")


# ---- the browser: upload, preview, confirm, ask without a restart -------------------------------------
MUDANJIANG = PROJECT_ROOT / "tests" / "ingest" / "data" / "mudanjiang.txt"


def log_in(page: Any, url: str) -> None:
    """Log in as staff and open 管理."""
    page.goto(url)
    page.get_by_label("username", exact=False).or_(page.get_by_label("用户名")).first.fill("hotline")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("button", has_text="Login").or_(page.locator("button", has_text="登录")).first.click()
    page.wait_for_selector("#chat")
    open_tab(page, "管理")


@pytest.fixture
def served_for_staff(bot, session_settings: Settings, tmp_path: Path) -> Any:  # type: ignore[no-untyped-def]
    settings = staff_settings(session_settings, tmp_path, port=free_port())
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    handlers = next(f.fn.__self__ for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "publish")
    yield url, settings, handlers
    demo.close()


@pytest.mark.browser
@pytest.mark.slow
def test_staff_add_a_policy_in_the_web_app_and_it_is_answered_without_a_restart(
        browser: Any, served_for_staff: Any, bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, settings, handlers = served_for_staff
    building, release = threading.Event(), threading.Event()

    def hold(step: str) -> None:  # keep the job inside build_index until the old policies have answered
        if step == "building":
            building.set()
            release.wait(300)

    handlers.publisher.checkpoint = hold
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, url)
        page.locator("#upload-file input[type=file]").set_input_files(upload_copy(tmp_path))
        summary = page.locator("#upload-summary")
        summary.get_by_text("识别出 4 条", exact=False).wait_for(timeout=60_000)
        assert "还缺少：发文机关" in summary.inner_text()
        rules = page.locator("#upload-rules").inner_text()
        assert "按设备投资额的10%给予补助" in rules and "设备投资额=300万元、150万元 → 30万元" in rules
        assert "第二条 企业上规模奖励" in page.locator("#upload-kept").inner_text()
        page.locator("#upload-rules").scroll_into_view_if_needed()
        save(page, "upload-preview")

        page.get_by_label("发文机关").fill("佳木斯市人民政府")
        page.get_by_role("button", name="按填写的信息重新预览").click()
        summary.get_by_text("核对无误后点「确认收录」", exact=False).wait_for(timeout=60_000)
        assert "还缺少" not in summary.inner_text()
        page.get_by_role("button", name="确认收录").click()
        progress = page.locator("#upload-progress")
        progress.get_by_text("正在后台重建索引", exact=False).wait_for(timeout=60_000)
        assert building.wait(120)
        other = browser.new_context(locale="zh-CN").new_page()  # a second staff member, another policy
        log_in(other, url)
        other.locator("#upload-file input[type=file]").set_input_files(str(MUDANJIANG))
        other.locator("#upload-summary").get_by_text("核对无误后点「确认收录」", exact=False).wait_for(timeout=60_000)
        other.get_by_role("button", name="确认收录").click()
        other.locator("#upload-progress").get_by_text(f"《{TITLE}》正在收录并重建索引，请等它完成后再收录下一份政策",
                                                      exact=False).wait_for(timeout=60_000)
        other.context.close()
        assert (settings.corpus_dir / "jiamusi.json").exists()  # written, as add-policy --yes writes it
        assert not (PROJECT_ROOT / "corpus" / "jiamusi.json").exists()

        open_tab(page, "智能问答")
        ask(page, OLD_QUESTION)  # the index is being rebuilt: the old policies answer
        assert page.locator("#chat table").last.locator("tr", has_text="应得").locator("td").nth(1).inner_text() \
            == "2070万元"
        assert handlers.bot is bot and handlers.publisher.progress.running
        release.set()

        open_tab(page, "管理")
        progress.get_by_text("✅ 已收录《佳木斯市支持工业企业提质增效若干措施》", exact=False).wait_for(timeout=600_000)
        assert "助手已切换到新的政策库（共 3 份政策）" in progress.inner_text()
        assert handlers.bot is not bot
        open_tab(page, "智能问答")
        ask(page, NEW_QUESTION)
        chat = page.locator("#chat")
        assert chat.locator("table").last.locator("tr", has_text="应得").locator("td").nth(1).inner_text() == "80万元"
        answer = chat.locator(".bot-row").last.inner_text()
        assert "依据 · 佳木斯市支持工业企业提质增效政策" in answer and "支持智能化改造" in answer  # its clause cited
        assert "按设备投资额的10%给予补助" in answer
        save(page, "upload-answered")
        rules_file = settings.corpus_dir / "jiamusi.rules.json"
        assert rules_file.exists() and "jiamusi-1-d1" in rules_file.read_text(encoding="utf-8")
    finally:
        release.set()
        context.close()


def test_a_refused_draft_is_not_written_and_its_sentence_is_listed_as_non_computable(tmp_path: Path) -> None:
    from assistant.ingest.adding import draft_policy, write_policy
    from assistant.ingest.reading import read_policy

    corpus_dir = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus_dir)
    draft = draft_policy(read_policy(Path(upload_copy(tmp_path))), {"issuer": "佳木斯市人民政府"}, corpus_dir)
    assert [v.rule_id for v in draft.draft_views()] == ["jiamusi-1-d1", "jiamusi-2-d2", "jiamusi-3-d3"]
    draft.refuse_rules({"jiamusi-2-d2"})  # unchecked on the page
    write_policy(draft, corpus_dir)
    written = json.loads((corpus_dir / "jiamusi.rules.json").read_text(encoding="utf-8"))
    assert [r["rule_id"] for r in written["rules"]] == ["jiamusi-1-d1", "jiamusi-3-d3"]
    refused = {"clause": "2", "reason": "起草的规则「企业上规模奖励」收录时未被采用，请手工编写"}
    assert refused in written["non_computable"]
    from assistant.policies.corpus import load_corpus

    loaded = load_corpus(corpus_dir)
    assert "jiamusi-2-d2" not in loaded.rules and "jiamusi-3-d3" in loaded.rules


def test_the_drafted_source_names_the_app_clock_s_date_and_the_web_page(staff: ui.Handlers, tmp_path: Path) -> None:
    """The metadata's `source` (written as drafted) is dated by the app's clock, not the machine's, and
    says the text came through the web page, not the command line."""
    from tests.conftest import TODAY

    draft, _ = staff._draft_upload(upload_copy(tmp_path), None)
    assert f"{TODAY.isoformat()} 由 网页「管理 → 收录新政策」 提取文本" in draft.metadata["source"]
