"""Chinese numerals as they are read and written in the policies (cn2an does the conversion)."""

from __future__ import annotations

import cn2an


def count_word(count: int) -> str:
    """How a count reads before a measure word: 2 → 「两」(两份政策), 3 → 「三」, 12 → 「十二」."""
    return "两" if count == 2 else str(cn2an.an2cn(count))
