"""The date a question asks about, read the same way by the look-up and the calculator.

Convention for a year named alone (「2022年时」「按2025年的标准」): the last day of that year, i.e. the
version or amendment in force at the end of that year (a rule amended from July counts as amended for
that year); the current year named alone means today.  A month without a day means its first day.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.text.amounts import find_dates

__all__ = ["YEAR_ALONE", "asked_date", "asked_phrase"]

# 「2022年时」「2022年的」: a year alone, not the start of 「2022年3月」 (find_dates reads those)
YEAR_ALONE = re.compile(r"(?<![\d〔\[(（])((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")


def asked_date(question: str, today: dt.date) -> dt.date:
    """The date a question asks about: its first date (「2025年3月」), the last day of a year named alone
    (「2022年时」; today for the current year), else today."""
    dates = find_dates(question)
    if dates:
        return dt.date(dates[0].year, dates[0].month, dates[0].day or 1)
    year = YEAR_ALONE.search(question)
    if year and int(year.group(1)) != today.year:
        return dt.date(int(year.group(1)), 12, 31)
    return today


def asked_phrase(question: str, today: dt.date) -> str | None:
    """The date the question asks about as it names it (「2022年」「2025年3月」), None when it names none
    (asked_date is then today)."""
    dates = find_dates(question)
    if dates:
        return f"{dates[0].year}年{dates[0].month}月" + (f"{dates[0].day}日" if dates[0].day else "")
    year = YEAR_ALONE.search(question)
    return f"{year.group(1)}年" if year and int(year.group(1)) != today.year else None
