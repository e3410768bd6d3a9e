"""CSV that opens correctly in Danish Excel: UTF-8 with a byte order mark (else Excel
reads it as Windows-1252), semicolons between fields (a comma is the decimal mark) and
decimal commas. Text that Excel would run as a formula is defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | datetime | None


def number(value: float, decimals: int = 3) -> str:
    """`1234.5` → `1234,500`: no thousands separator, so Excel reads it as a number."""
    return f"{value:.{decimals}f}".replace(".", ",")


def cell(value: Cell, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    # A slide title such as "=HYPERLINK(…)" must stay text (OWASP: CSV injection).
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], zone: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value, zone) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
