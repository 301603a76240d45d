"""Money is integer fen. Rates are Decimal. One rounding rule, one display format."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100


def fen_from_yuan(yuan: int | str | Decimal) -> int:
    """Whole or decimal yuan to fen, rounding half up to the fen (the one rounding rule)."""
    return int((Decimal(yuan) * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def apply_rate(amount_fen: int, rate: Decimal) -> int:
    """``amount_fen * rate`` rounded half up to the fen (the one rounding rule)."""
    return int((Decimal(amount_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_yuan(amount_fen: int) -> str:
    """Display form: 20000 -> '200.00元'."""
    sign = "-" if amount_fen < 0 else ""
    whole, fen = divmod(abs(amount_fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{fen:02d}元"
