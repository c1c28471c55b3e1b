"""Sentence templates and vocabularies the demo site writes its news prose from.

The words live in data/ (TOML, shipped as package data): data/variants/NAME.toml is one kind
of article, data/common.toml the slot values every variant may use, data/wording.toml the
bylines, rewordings and synonyms, data/synthetic_wire.toml the stand-in seed story. This module
only loads them, once, at import.
"""

from __future__ import annotations

import textwrap
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Variant:
    """One kind of article: its headlines, ledes, body sentences and the slots they use.

    `topics` is what the variant is written to match; content.py checks every article it
    writes against it, so a template that leaks a topic word fails at generation time.
    """

    name: str
    section: str
    topics: frozenset[str]
    titles: tuple[str, ...]
    ledes: tuple[str, ...]
    sentences: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    paragraphs: tuple[int, int] = (4, 12)
    fixed: tuple[str, ...] = ()  # slots that keep one value through an article (its subject)


def _lines(text: str) -> tuple[str, ...]:
    """The entries of a multi-line block: one a line, more-indented lines continue one."""
    entries: list[str] = []
    rows = [row for row in textwrap.dedent(text).splitlines() if row.strip()]
    for row in rows:
        if row[0].isspace() and entries:
            entries[-1] += " " + row.strip()
        else:
            entries.append(row.strip())
    return tuple(entries)


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("demo").joinpath("data", name).read_text("utf-8"))


def _vocabulary(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in table.items()}


def _variant(name: str) -> Variant:
    data = _load(f"variants/{name}.toml")
    low, high = data["paragraphs"]
    return Variant(
        name=data["name"],
        section=data["section"],
        topics=frozenset(data["topics"]),
        titles=_lines(data["titles"]),
        ledes=_lines(data["ledes"]),
        sentences=_lines(data["sentences"]),
        slots=_vocabulary(data["slots"]),
        paragraphs=(low, high),
        fixed=tuple(data["fixed"]),
    )


COMMON: dict[str, tuple[str, ...]] = _vocabulary(_load("common.toml"))

VARIANTS: dict[str, Variant] = {
    name: _variant(name)
    for name in (
        "ukraine",
        "ukraine_only",
        "adjectives",
        "climate",
        "energy",
        "elections",
        "chips",
        "tech",
        "semi_body",
        "potato",
        "potato_title",
        "sport",
        "health",
    )
}

# Base articles cycle through this list; near-miss variants are placed by site.NEAR_MISSES.
MAIN_MIX: tuple[Variant, ...] = tuple(
    VARIANTS[name]
    for name in (
        "ukraine",
        "climate",
        "elections",
        "chips",
        "sport",
        "ukraine",
        "health",
        "tech",
        "climate",
        "elections",
        "ukraine",
        "sport",
        "chips",
        "health",
        "tech",
    )
)

_WORDING = _load("wording.toml")
AUTHORS: dict[str, tuple[str, ...]] = _vocabulary(_WORDING["authors"])
# Interchangeable wordings (pattern, options): see data/wording.toml.
VARY: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (row["pattern"], tuple(row["options"])) for row in _WORDING["vary"]
)
# Words a "one_word" edit may swap (a copy-editor's fix), none of them a topic term.
SYNONYMS: dict[str, str] = dict(_WORDING["synonyms"])

# The synthetic wire story used when the seed article is not available: the ORIGINAL, in order.
_WIRE = _load("synthetic_wire.toml")
SYNTHETIC_WIRE_TITLE: str = _WIRE["title"]
SYNTHETIC_WIRE: tuple[str, ...] = _lines(_WIRE["paragraphs"])
SYNTHETIC_WIRE_INTRO: str = _WIRE["intro"]
