"""Optional LLM through an OpenAI-compatible endpoint (settings: llm = "openai_like").

The LLM never produces an amount.  It may (a) choose among the rules the
deterministic router found when their scores are too close to call, and only
from that list, and (b) rephrase a templated answer.  A rephrased answer is
kept only if every 「quote」 of the template is still there verbatim, every
cited clause is still named, and the number guard passes; otherwise, and on any
timeout or error, the template answer stands.  Calls are bounded by the
configured timeout (at most 10 s).
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import re
from collections.abc import Sequence
from typing import Any

from assistant.settings import Settings

logger = logging.getLogger(__name__)
HARD_TIMEOUT_SECONDS = 10.0
QUOTE = re.compile(r"「[^」]{4,}」")
REPHRASE_PROMPT = (
    "你是政府热线的政策咨询助手。请把下面的回答改写得更通顺、更口语化，便于企业理解。"
    "必须遵守：1. 「」中的原文一字不改地保留；2. 不得新增、删改或换算任何金额、比例、日期和条款序号；"
    "3. 保留每一个条款名称和有效期提示；4. 只输出改写后的回答。\n\n回答：\n"
)
CHOOSE_PROMPT = (
    "用户问题：{question}\n下面是可能适用的计算规则，请只回答最符合问题的规则编号（只输出编号本身）：\n{options}"
)


class PolicyLlm:
    """A bounded, failure-tolerant wrapper around llama-index's OpenAILike."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.timeout = min(settings.llm_timeout_seconds, HARD_TIMEOUT_SECONDS)
        api_key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY", "") or "not-needed"
        self.client = OpenAILike(
            model=settings.llm_model or "default",
            api_base=settings.llm_base_url,
            api_key=api_key,
            is_chat_model=True,
            timeout=self.timeout,
            max_retries=0,
            temperature=0.1,
        )
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")

    def complete(self, prompt: str) -> str | None:
        """The completion text, or None on timeout or any error (logged without secrets)."""
        future = self._pool.submit(lambda: self.client.complete(prompt).text)
        try:
            return str(future.result(timeout=self.timeout)).strip()
        except concurrent.futures.TimeoutError:
            logger.warning("llm timed out after %.1fs; using the template answer", self.timeout)
        except Exception as error:
            logger.warning("llm call failed (%s); using the template answer", type(error).__name__)
        return None

    def rephrase(self, text: str, cited_names: Sequence[str]) -> str | None:
        """A rephrasing that keeps every quote and cited clause name, or None."""
        answer = self.complete(REPHRASE_PROMPT + text)
        if not answer:
            return None
        missing_quotes = [q for q in QUOTE.findall(text) if q not in answer]
        missing_names = [n for n in cited_names if n not in answer]
        if missing_quotes or missing_names:
            logger.warning("llm rephrasing dropped %d quotes and %d cited clauses; using the template",
                           len(missing_quotes), len(missing_names))
            return None
        return answer

    def choose(self, question: str, options: Sequence[tuple[str, str]]) -> str | None:
        """One of the offered rule ids, or None when the answer is not exactly one of them."""
        listing = "\n".join(f"{rule_id}：{name}" for rule_id, name in options)
        answer = self.complete(CHOOSE_PROMPT.format(question=question, options=listing))
        if not answer:
            return None
        found = [rule_id for rule_id, _ in options if rule_id in answer]
        return found[0] if len(found) == 1 else None


def build_llm(settings: Settings) -> Any:
    """The configured LLM, or None when settings.llm is "none"."""
    if settings.llm == "none":
        return None
    if not settings.llm_base_url:
        from assistant.errors import AssistantError

        raise AssistantError(
            "已选择 llm = openai_like，但没有配置 llm_base_url（或环境变量 POLICY_ASSISTANT_LLM_BASE_URL）"
        )
    return PolicyLlm(settings)
