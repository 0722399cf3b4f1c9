"""`python -m assistant bench`: the speed and memory figures the README quotes."""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.policies.corpus import load_corpus
from assistant.search.index_store import build_index
from assistant.settings import PROJECT_ROOT, Settings
from devtools.evaluation import read_cases

COLD_START = """
import json, re, time
started = time.perf_counter()
from assistant.app import Assistant
bot = Assistant.load()
loaded = time.perf_counter()
bot.ask("企业上市有什么补助")
answered = time.perf_counter()
print(json.dumps({"load_seconds": round(loaded - started, 2),
                  "first_answer_seconds": round(answered - started, 2),
                  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent that built the index
                  "cold_process_peak_rss_mb": round(int(re.search(r"VmHWM:\\s+(\\d+)",
                      open("/proc/self/status").read()).group(1)) / 1024, 1)}))
"""


def measure_cold_start(settings: Settings) -> dict[str, Any]:
    """Assistant.load() and the first answer in a fresh process (imports included), as a user sees it."""
    environ = {**os.environ, "POLICY_ASSISTANT_INDEX_DIR": str(settings.index_dir),
               "POLICY_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir)}
    result = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True, text=True, env=environ,
                            cwd=PROJECT_ROOT, timeout=300, check=True)
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def measure_number_scan() -> dict[str, Any]:
    """find_quantities over a 25,000- and an 800,000-character text (32×): linear cost gives a ratio
    near 32 (~23 measured after the fix, ~110 before it, when every number sliced the rest of the text)."""
    from assistant.amounts import find_quantities

    def seconds(size: int, runs: int) -> float:
        text = "技改投资3亿元，第十一条" * (size // 12)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            find_quantities(text)
            timings.append(time.perf_counter() - started)
        return min(timings)

    small, large = seconds(25_000, 3), seconds(800_000, 1)
    return {"find_quantities_25k_ms": round(small * 1000, 1), "find_quantities_800k_ms": round(large * 1000, 1),
            "find_quantities_800k_over_25k": round(large / small, 1)}


def run_benchmark(settings: Settings, cases_path: Path, rounds: int = 3) -> dict[str, Any]:
    """Build an index aside, load it, and time ask() over the evaluation questions."""
    from assistant.app import Assistant

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-index-") as scratch:
        bench_settings = dataclasses.replace(settings, index_dir=Path(scratch))
        corpus = load_corpus(settings.corpus_dir)
        started = time.perf_counter()
        build_index(bench_settings, corpus, report=lambda _: None)
        figures["index_build_seconds"] = round(time.perf_counter() - started, 2)
        figures.update(measure_cold_start(bench_settings))
        bot = Assistant.load(bench_settings, wait_for_model=True)
        cases = read_cases(cases_path)
        for case in cases[:3]:  # warm caches
            bot.ask(case["q"])
        timings = []
        for _ in range(rounds):
            for case in cases:
                history: list[tuple[str, str]] = []
                for turn in case.get("pre", []):
                    history += [("user", turn), ("assistant", bot.ask(turn).text)]
                started = time.perf_counter()
                bot.ask(case["q"], history=history)
                timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    figures["questions"] = len(timings)
    figures["ask_p50_ms"] = round(statistics.median(timings), 1)
    figures["ask_p95_ms"] = round(timings[int(0.95 * (len(timings) - 1))], 1)
    figures["ask_max_ms"] = round(timings[-1], 1)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures.update(measure_number_scan())
    return figures
