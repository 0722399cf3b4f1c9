"""龙江惠企政策助手: cited answers and deterministic subsidy calculations over policy texts.

    from assistant import Assistant
    bot = Assistant.load()
    reply = bot.ask("哈尔滨第十一条讲什么")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answering.reply import Citation, Reply
    from assistant.app import Assistant

__all__ = ["Assistant", "Citation", "Reply"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import assistant.calculator` stays light and pure.
    if name == "Assistant":
        from assistant.app import Assistant

        return Assistant
    if name in ("Citation", "Reply"):
        from assistant.answering import reply

        return getattr(reply, name)
    raise AttributeError(name)
