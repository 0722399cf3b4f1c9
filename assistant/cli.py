"""Command line: python -m assistant {ask,clause,build-index,eval,bench,repl,…}.

Errors print one Chinese line and exit non-zero; unexpected ones are logged with
their traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import Settings, load_settings

logger = logging.getLogger("assistant")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if not args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        return int(args.handler(args, settings) or 0)
    except AssistantError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        logger.exception("unexpected error")
        print(f"错误：程序内部出错（{type(error).__name__}），详情见上方日志。", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="龙江惠企政策助手")
    parser.add_argument("-v", "--verbose", action="store_true", help="显示运行日志")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="提一个问题")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="以 JSON 输出完整回答")
    ask.set_defaults(handler=_ask)

    clause = commands.add_parser("clause", help="打印某份政策的某一条，如：clause harbin 11")
    clause.add_argument("doc_id")
    clause.add_argument("clause")
    clause.set_defaults(handler=_clause)

    build = commands.add_parser("build-index", help="嵌入政策条款并写入 index/")
    build.add_argument("--if-needed", action="store_true", help="索引缺失或过期时才重建")
    build.set_defaults(handler=_build)

    evaluate = commands.add_parser("eval", help="按评测文件给回答打分")
    evaluate.add_argument("file", type=Path, nargs="?", default=None)
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--amounts", action="store_true",
                          help="按金额结果打分（正确 / 反问 / 错误金额），用于改写题集 paraphrases、heldout")
    evaluate.add_argument("--match", action="store_true",
                          help="政策体检评测：每行一个企业描述，统计应申请项找到、误报、金额与合计")
    evaluate.add_argument("--retrieval", action="store_true",
                          help="检索评测：有标准条款的用例的检索 hit@1/hit@3、纯向量 hit@1、回答首个引用（只打印数字）")
    evaluate.add_argument("--quiet", action="store_true", help="只打印汇总")
    evaluate.set_defaults(handler=_eval)

    bench = commands.add_parser("bench", help="测建索引、加载、问答耗时与内存")
    bench.add_argument("--cases", type=Path, default=None)
    bench.add_argument("--rounds", type=int, default=3)
    bench.add_argument("--scale",
                       help="合成政策库的政策数，逗号分隔，如 2,14,100：测全量与增量建索引、问答耗时与内存")
    bench.set_defaults(handler=_bench)

    feedback = commands.add_parser("feedback", help="用户反馈：feedback export FILE.csv")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser("export", help="把反馈导出为 CSV")
    export.add_argument("file", type=Path)
    export.set_defaults(handler=_feedback_export)

    add = commands.add_parser("add-policy", help="收录一份新政策（.pdf/.docx/.txt）并重建索引")
    add.add_argument("file", type=Path)
    add.add_argument("--doc-id")
    add.add_argument("--title")
    add.add_argument("--issuer")
    add.add_argument("--doc-number")
    add.add_argument("--issued", help="YYYY-MM-DD")
    add.add_argument("--jurisdiction", choices=["province", "city", "county", "national"])
    add.add_argument("--region")
    add.add_argument("--alias", action="append", default=[], metavar="NAME",
                     help="人们对这份政策的其他叫法（如 南岗数字经济政策），可重复使用；与其他政策的别称混淆时拒绝收录")
    validity = add.add_mutually_exclusive_group()
    validity.add_argument("--valid-until", help="YYYY-MM-DD")
    validity.add_argument("--valid-years", type=int)
    relation_help = {"implements": "本文件是该政策（条款）的实施细则",
                     "amends": "本文件自 --since 起修改该政策条款的金额标准",
                     "supersedes": "本文件是该政策的新版本，自 --since（默认施行日）起替代旧版",
                     "extends_validity": "本文件把该政策的有效期延长到 --until"}
    for kind, text in relation_help.items():
        add.add_argument(f"--{kind.replace('_', '-')}", action="append", default=[], metavar="DOC_ID[:条款号]",
                         dest=kind, help=text + "，可重复使用")
    add.add_argument("--since", help="YYYY-MM-DD：关联自何日起适用")
    add.add_argument("--until", help="YYYY-MM-DD：--extends-validity 延长后的截止日期")
    add.add_argument("--yes", action="store_true", help="不询问，直接写入")
    add.add_argument("--no-index", action="store_true", help="只写入 corpus/，不重建索引")
    add.set_defaults(handler=_add_policy)

    rules = commands.add_parser("rules", help="计算规则：rules draft FILE 从政策原文起草规则供审核")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    draft = rules_commands.add_parser("draft", help="从政策原文（.txt/.pdf/.docx）起草计算规则并打印，不写入")
    draft.add_argument("file", type=Path)
    draft.add_argument("--json", action="store_true", help="以规则文件（rules.json）格式输出")
    draft.set_defaults(handler=_rules_draft)

    load = commands.add_parser("loadtest", help="启动网页服务并用并发客户端压测（吞吐、延迟、错误）")
    load.add_argument("--clients", type=int, nargs="+", default=[16, 64], help="并发客户端数，可给多个")
    load.add_argument("--questions", type=int, default=25, help="每个客户端提问数")
    load.add_argument("--cases", type=Path, default=None)
    load.add_argument("--url", help="测已在运行的部署（如反向代理后的多个进程），不另起服务")
    load.add_argument("--timeout", type=float, default=1800, help="整个压测的时间上限（秒）")
    load.add_argument("--protocol", choices=["page", "api", "both"], default="page",
                      help="page：网页的 gradio 队列协议；api：JSON 接口 /api/v1/ask；both：同一次运行中两者并列")
    load.set_defaults(handler=_loadtest)

    repl = commands.add_parser("repl", help="交互式问答（多轮）")
    repl.set_defaults(handler=_repl)
    return parser


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.app import Assistant

    reply = Assistant.load(settings).ask(args.question)
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(reply.text)
    return 0


def _clause(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.policies.corpus import load_corpus
    from assistant.text.numbering import parse_clause_id

    corpus = load_corpus(settings.corpus_dir)
    document = corpus.document(args.doc_id)
    if document is None:
        known = "、".join(d.doc_id for d in corpus.documents)
        raise AssistantError(f"没有 doc_id 为 {args.doc_id} 的政策（已收录：{known}）")
    try:
        clause_id = parse_clause_id(args.clause)
    except ValueError as error:
        raise AssistantError(f"条款序号 {args.clause!r} 无法识别") from error
    clause = document.clause(clause_id)
    if clause is None:
        raise AssistantError(f"{document.short_title}没有第{clause_id}条")
    print(f"{document.cited_title}{clause.label} {clause.title}")
    if clause.section:
        print(f"所属部分：{clause.section}")
    print(clause.text)
    return 0


def _build(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.errors import IndexNotBuiltError
    from assistant.policies.corpus import load_corpus
    from assistant.search.index_store import build_index, load_index

    corpus = load_corpus(settings.corpus_dir)
    if args.if_needed:
        try:
            load_index(settings, corpus)
            print("索引是最新的，无需重建。")
            return 0
        except IndexNotBuiltError as reason:
            print(f"{reason}：正在重建……")
    build_index(settings, corpus)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.app import Assistant
    from devtools.evaluation import DEV_CASES, evaluate, format_report, read_cases

    path = args.file or DEV_CASES
    if not path.exists():
        raise AssistantError(f"找不到评测文件 {path}")
    if args.match:
        from devtools.match_eval import format_match_report, read_match_cases, score_cases

        bots: dict[str, Assistant] = {}

        def asker(case: Mapping[str, Any]) -> tuple[Any, Any]:
            day = str(case.get("today") or "")
            if day not in bots:
                fixed = dt.date.fromisoformat(day) if day else None
                clock = (lambda: fixed) if fixed else None  # type: ignore[return-value]
                bots[day] = Assistant.load(settings, clock=clock, wait_for_model=True)
            bot = bots[day]
            return (lambda text, history: bot.check_company(text, history),
                    lambda text, history: bot.ask(text, history=history))

        matched = score_cases(asker, read_match_cases(path))
        print(format_match_report(matched, quiet=args.quiet))
        return 0 if all(not s.claimed_wrongly for s in matched) else 1
    if args.retrieval:
        from devtools.retrieval_eval import format_retrieval_report, score_retrieval

        print(format_retrieval_report(score_retrieval(Assistant.load(settings, wait_for_model=True),
                                                      read_cases(path))))
        return 0
    if args.amounts:
        from devtools.amounts import format_amount_report, run_amount_cases

        scored = run_amount_cases(lambda day: Assistant.load(settings, clock=lambda: day, wait_for_model=True),
                                  read_cases(path))
        print(format_amount_report(scored, quiet=args.quiet))
        return 0 if all(r.outcome != "wrong" for r in scored) else 1
    results, summary = evaluate(Assistant.load(settings), read_cases(path))
    report = format_report(results, summary, quiet=args.quiet)
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else report)
    return 0 if summary["passed"] == summary["cases"] else 1


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from devtools.benchmark import format_table, measure_number_scan, run_benchmark
    from devtools.evaluation import DEV_CASES

    if args.scale:
        from devtools.benchmark import run_scale_benchmark

        try:
            scales = tuple(int(n) for n in args.scale.split(","))
        except ValueError:
            raise AssistantError(f"--scale 应为逗号分隔的政策数，如 2,14,100，而不是 {args.scale!r}") from None
        if any(n < 2 for n in scales):
            raise AssistantError("--scale 的每个政策数至少为 2（两份真实政策）")
        print(format_table(run_scale_benchmark(settings, args.cases or DEV_CASES, scales, args.rounds)))
        return 0
    print(format_table(run_benchmark(settings, args.cases or DEV_CASES, args.rounds)))
    for name, value in measure_number_scan().items():
        print(f"{name}: {value}")
    return 0


def _feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.feedback import export_feedback_csv

    count = export_feedback_csv(settings, args.file)
    print(f"已导出 {count} 条反馈到 {args.file}")
    return 0


def _add_policy(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.ingest.adding import add_policy_command

    return add_policy_command(args, settings)


def _rules_draft(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.ingest.drafting import draft_rules, format_drafts
    from assistant.ingest.metadata import propose_metadata
    from assistant.ingest.reading import read_policy
    from assistant.text.numbering import ARABIC_ITEM

    read = read_policy(args.file)
    stem = args.file.stem if args.file.stem.isascii() else "new"
    drafted = draft_rules(stem, read.clauses)
    title = propose_metadata(read.text, read.extracted.raw)[0].get("title") or ""
    chinese = not any(ARABIC_ITEM.match(c.text) for c in read.clauses if c.clause.isdigit())
    if args.json:
        print(json.dumps(drafted.rules_file(title, chinese), ensure_ascii=False, indent=2))
    else:
        print(format_drafts(drafted, title, chinese))
    return 0


def _loadtest(args: argparse.Namespace, settings: Settings) -> int:
    from devtools.evaluation import DEV_CASES
    from devtools.loadtest import run_loadtest_command

    args.cases = args.cases or DEV_CASES
    return run_loadtest_command(args, settings)


def _repl(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.app import Assistant

    bot = Assistant.load(settings)
    history: list[tuple[str, str]] = []
    print("龙江惠企政策助手（输入 exit 退出）")
    while True:
        try:
            question = input("问> ")
        except EOFError:
            return 0
        if question.strip().lower() in ("exit", "quit", "退出"):
            return 0
        reply = bot.ask(question, history=history)
        print(reply.text, end="\n\n")
        history += [("user", question), ("assistant", reply.text)]
