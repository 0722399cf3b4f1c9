"""`python -m assistant bench`: the speed and memory figures the README quotes, for each embedding model."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.policies.corpus import load_corpus
from assistant.search.index_store import build_index
from assistant.settings import E5_MODEL, M3E_MODEL, PROJECT_ROOT, Settings
from devtools.evaluation import read_cases

# One fresh serving process per model: imports, Assistant.load(), the first answer, then warm ask() timings.
SERVE = """
import json, re, statistics, sys, time
started = time.perf_counter()
from assistant.app import Assistant
bot = Assistant.load()
loaded = time.perf_counter()
bot.ask("企业上市有什么补助")
answered = time.perf_counter()
cases = json.loads(sys.argv[1])
rounds = int(sys.argv[2])
for case in cases[:3]:  # warm caches
    bot.ask(case["q"])
timings = []
for _ in range(rounds):
    for case in cases:
        history = []
        for turn in case.get("pre", []):
            history += [("user", turn), ("assistant", bot.ask(turn).text)]
        began = time.perf_counter()
        bot.ask(case["q"], history=history)
        timings.append((time.perf_counter() - began) * 1000)
timings.sort()
# one 政策体检 match: a company description matched against every rule of both policies, warm
company = ("我们是哈尔滨的规上制造业企业，去年产值比前年多了9000万，今年刚评上国家级绿色工厂，"
           "还有一个首台套产品卖了700万，能享受哪些政策？")
assert bot.ask(company).route == "match"
matches = []
for _ in range(20 * rounds):
    began = time.perf_counter()
    bot.ask(company)
    matches.append((time.perf_counter() - began) * 1000)
matches.sort()
print(json.dumps({
    "load_seconds": round(loaded - started, 2),
    "first_answer_seconds": round(answered - started, 2),
    "questions": len(timings),
    "ask_p50_ms": round(statistics.median(timings), 1),
    "ask_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
    "match_p50_ms": round(statistics.median(matches), 1),
    "match_p95_ms": round(matches[int(0.95 * (len(matches) - 1))], 1),
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent that built the index
    "serving_peak_rss_mb": round(int(re.search(r"VmHWM:\\s+(\\d+)",
        open("/proc/self/status").read()).group(1)) / 1024, 1),
    "imports_torch": "torch" in sys.modules}))
"""
MODELS = (E5_MODEL, M3E_MODEL)


def measure_serving(settings: Settings, cases: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    """A fresh serving process on the built index, as a user sees it (imports included)."""
    environ = {**os.environ, "POLICY_ASSISTANT_INDEX_DIR": str(settings.index_dir),
               "POLICY_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
               "POLICY_ASSISTANT_EMBEDDING_MODEL": settings.embedding_model}
    result = subprocess.run([sys.executable, "-c", SERVE, json.dumps(cases, ensure_ascii=False), str(rounds)],
                            capture_output=True, text=True, env=environ, cwd=PROJECT_ROOT, timeout=900, check=True)
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def measure_number_scan() -> dict[str, Any]:
    """find_quantities over a 25,000- and an 800,000-character text (32×): linear cost gives a ratio
    near 32 (~23 measured after the fix, ~110 before it, when every number sliced the rest of the text)."""
    from assistant.text.amounts import find_quantities, unread_amounts

    def seconds(size: int, runs: int) -> float:
        text = "技改投资3亿元，第十一条" * (size // 12)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            find_quantities(text)
            timings.append(time.perf_counter() - started)
        return min(timings)

    small, large = seconds(25_000, 3), seconds(800_000, 1)
    digits = "技改投资" + "9" * 50_000 + "元"  # one long run: the unread-figure scan must stay linear
    started = time.perf_counter()
    unread_amounts(digits)
    return {"find_quantities_25k_ms": round(small * 1000, 1), "find_quantities_800k_ms": round(large * 1000, 1),
            "find_quantities_800k_over_25k": round(large / small, 1),
            "unread_amounts_50k_digits_ms": round((time.perf_counter() - started) * 1000, 1)}


def run_benchmark(settings: Settings, cases_path: Path, rounds: int = 3,
                  models: tuple[str, ...] = MODELS) -> dict[str, dict[str, Any]]:
    """For each model: build an index aside, then serve it from a fresh process and time ask()."""
    corpus = load_corpus(settings.corpus_dir)
    cases = read_cases(cases_path)
    table: dict[str, dict[str, Any]] = {}
    for model in models:
        with tempfile.TemporaryDirectory(prefix="bench-index-") as scratch:
            model_settings = dataclasses.replace(settings, index_dir=Path(scratch), embedding_model=model)
            started = time.perf_counter()
            build_index(model_settings, corpus, report=lambda _: None)
            figures: dict[str, Any] = {"build_seconds": round(time.perf_counter() - started, 2)}
            figures.update(measure_serving(model_settings, cases, rounds))
        table[model] = figures
    return table


def format_table(table: dict[str, dict[str, Any]]) -> str:
    """The figures side by side, one column per model (markdown)."""
    models = list(table)
    rows = sorted({name for figures in table.values() for name in figures}, key=list(next(iter(table.values()))).index)
    lines = ["| | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    lines += ["| " + name + " | " + " | ".join(str(table[m].get(name, "")) for m in models) + " |" for name in rows]
    return "\n".join(lines)


SCALES = (2, 14, 100)


def _run_build(settings: Settings, corpus_dir: Path, index_dir: Path) -> float:
    """`python -m assistant build-index` in a fresh process on that corpus and index; its wall time."""
    environ = {**os.environ, "POLICY_ASSISTANT_INDEX_DIR": str(index_dir),
               "POLICY_ASSISTANT_CORPUS_DIR": str(corpus_dir),
               "POLICY_ASSISTANT_EMBEDDING_MODEL": settings.embedding_model}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", "build-index"], capture_output=True, text=True,
                   env=environ, cwd=PROJECT_ROOT, timeout=7200, check=True)
    return time.perf_counter() - started


def run_scale_benchmark(settings: Settings, cases_path: Path, scales: tuple[int, ...] = SCALES,
                        rounds: int = 3, report: Any = print) -> dict[str, dict[str, Any]]:
    """For each N: write a synthetic corpus of N policies in a temp dir (devtools/synthetic_corpus.py),
    build its index from scratch in a fresh process, add one more policy and rebuild (incremental),
    then serve it from a fresh process and time ask() over the fixed question list."""
    from assistant.search.index_store import collect_units
    from devtools.synthetic_corpus import cities, write_copy, write_corpus

    cases = read_cases(cases_path)
    table: dict[str, dict[str, Any]] = {}
    for policies in scales:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
            corpus_dir, index_dir = Path(scratch) / "corpus", Path(scratch) / "index"
            write_corpus(settings.corpus_dir, corpus_dir, policies)
            units = collect_units(load_corpus(corpus_dir))
            figures: dict[str, Any] = {"units": len(units), "distinct_unit_texts": len({u.text for u in units})}
            report(f"N={policies}：{len(units)} 个检索单元，全量建索引……")
            figures["full_build_seconds"] = round(_run_build(settings, corpus_dir, index_dir), 2)
            extra = cities(policies - 1)[-1]  # one city not yet in the corpus
            write_copy(settings.corpus_dir, corpus_dir, extra)
            report(f"N={policies}：加入一份政策（{extra.name}）后重建……")
            figures["add_one_policy_seconds"] = round(_run_build(settings, corpus_dir, index_dir), 2)
            serving = dataclasses.replace(settings, index_dir=index_dir, corpus_dir=corpus_dir)
            figures.update(measure_serving(serving, cases, rounds))
        table[f"N={policies}"] = figures
    return table
