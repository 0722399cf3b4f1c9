"""Exact Chinese money, rate and number text for replies and worksheets (pure, no I/O).

Figures are never rounded: 5175000 is 「517.5万元」, 12345 is 「1.2345万元」.
"""

from __future__ import annotations

from decimal import Decimal, localcontext


def format_yuan(value: float | Decimal) -> str:
    """Exact Chinese money text: 8280000→「828万元」, 5175000→「517.5万元」, 12345→「1.2345万元」, 1000→「1000元」.

    Never rounds: every digit of the figure is kept (float noise below 0.001
    yuan, which no input can mean, is dropped).
    """
    exact = _as_decimal(value)
    with localcontext() as context:
        # Room for every digit down to 0.001元: the default 28 digits raise on 10^25元 and more,
        # which a user can type (「技改投资999…9元」) and which error messages then format.
        context.prec = max(context.prec, exact.adjusted() + 8)
        amount = exact.quantize(Decimal("0.001")).normalize()
        sign = "-" if amount < 0 else ""
        amount = abs(amount)
        if amount >= 10**8 and amount % 10**4 == 0:
            return f"{sign}{_plain(amount / 10**8)}亿元"
        if amount >= 10**4:
            return f"{sign}{_plain(amount / 10**4)}万元"
        return f"{sign}{_plain(amount)}元"


def format_rate(value: float | Decimal) -> str:
    """A fraction as an exact percentage: 0.0345→「3.45%」."""
    return f"{_plain(_as_decimal(value) * 100)}%"


def format_number(value: float | Decimal) -> str:
    """A plain number without float noise or a trailing 「.0」."""
    return _plain(_as_decimal(value))


def _as_decimal(value: float | Decimal) -> Decimal:
    # repr() of a float is its shortest round-trip form: 5175000.0, 0.0345.
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
