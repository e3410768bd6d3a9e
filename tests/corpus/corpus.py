"""The bad-input corpus: hostile strings and JSON values read from the YAML files beside
this module, with the few values a YAML file cannot hold made here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Hostile:
    """One value of the corpus. `raw` values are JSON text spliced into a body as they
    stand (NaN, 1e309, integers too long to read), the rest are sent as JSON values."""

    category: str
    value: Any
    raw: bool = False

    @property
    def label(self) -> str:
        text = self.value if isinstance(self.value, str) else repr(self.value)
        shown = text if len(text) <= 40 else f"{text[:20]}…({len(text)} chars)"
        return f"{self.category}:{shown!r}"


def _generated_strings() -> list[str]:
    return [
        "x" * 255,
        "x" * 256,
        "x" * 10_000,
        "å" * 100_000,
        "\U0001f600" * 20_000,
        "9" * 5000,
        "\ud83c",  # a lone surrogate: JSON may carry it escaped, UTF-8 cannot encode it
    ]


@cache
def strings() -> tuple[Hostile, ...]:
    loaded: dict[str, list[str]] = yaml.safe_load((HERE / "strings.yaml").read_text("utf-8"))
    found = [Hostile(category, value) for category, values in loaded.items() for value in values]
    found += [Hostile("huge", value) for value in _generated_strings()]
    assert all(isinstance(h.value, str) for h in found)
    return tuple(found)


@cache
def values() -> tuple[Hostile, ...]:
    loaded: dict[str, list[Any]] = yaml.safe_load((HERE / "values.yaml").read_text("utf-8"))
    found = [
        Hostile(category, value, raw=category == "raw")
        for category, entries in loaded.items()
        for value in entries
    ]
    found.append(Hostile("raw", "9" * 5000, raw=True))  # past int()'s 4300 digits
    return tuple(found)


def everything() -> tuple[Hostile, ...]:
    return strings() + values()


def strings_of(*categories: str) -> list[str]:
    return [h.value for h in strings() if h.category in categories]
