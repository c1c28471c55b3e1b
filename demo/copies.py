"""Copies of wire stories on the content farm: the seed story and syndicated ones.

A copy drops a paragraph, repeats the standfirst (spelt "Kiev") at the end and drags in the
farm's boilerplate lines, as the founding seed article does.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from demo.content import (
    BOILERPLATE_TEXT,
    EMAIL_NOTE,
    LEAVE_REPLY,
    PARAGRAPH,
    READ_NEXT,
    SOURCE_LINK,
    Block,
    Draft,
    Writer,
)
from demo.prose import SYNTHETIC_WIRE, SYNTHETIC_WIRE_INTRO, SYNTHETIC_WIRE_TITLE, VARIANTS

SEED_TITLE_ORIGINAL = "Blinken lands in Kyiv for crisis talks as Russia invasion fears grow"
SEED_INTRO = (
    "At the White House, press secretary Jen Psaki said President Joe Biden had been briefed on "
    "the trip and that the United States would keep every diplomatic channel with Moscow open."
)
SYNTHETIC_COPY_TITLE = "European ministers in Kiev to back Ukraine as Moscow masses troops"


# --- syndication ----------------------------------------------------------------------------------


def _kiev(text: str) -> str:
    return re.sub(r"\bKyiv\b", "Kiev", text)


def _boilerplate(kind: str) -> Block:
    return Block(kind, BOILERPLATE_TEXT[kind])


def _tail() -> list[Block]:
    """What a content farm's scraper drags in after the article: the seed's last four lines."""
    return [_boilerplate(k) for k in (READ_NEXT, SOURCE_LINK, LEAVE_REPLY, EMAIL_NOTE)]


def syndicate(
    original: Draft,
    writer: Writer,
    rng: random.Random,
    *,
    published_at: datetime,
    drop: int | None = None,
    title: str | None = None,
) -> Draft:
    """A content farm's copy of `original`, varied the way the seed article is.

    One paragraph dropped (`drop`, else a random middle one), a "Read Next" line after the
    third paragraph, the standfirst repeated (spelt "Kiev") as the last paragraph, the scraped
    tail ("Read Next", "Source link", "Leave a Reply", "Your email address ..."), a new headline.
    """
    paragraphs = original.paragraphs
    if drop is None:
        drop = rng.randrange(2, len(paragraphs) - 1)
    kept = [p for i, p in enumerate(paragraphs) if i != drop]
    blocks = [Block(PARAGRAPH, p) for p in kept]
    blocks.insert(min(3, len(blocks)), _boilerplate(READ_NEXT))
    blocks.append(Block(PARAGRAPH, _kiev(paragraphs[0])))
    blocks.extend(_tail())
    headline = writer.claim_title(title) if title else writer.headline(VARIANTS[original.variant])
    return Draft(
        original.variant,
        original.section,
        headline,
        blocks,
        None,
        published_at,
        original.story,
    )


# --- the seed story -------------------------------------------------------------------------------


@dataclass
class SeedStory:
    """The founding example: the wire original and the content farm's copy (titles + blocks)."""

    original_title: str
    original: list[str]
    copy_title: str
    copy: list[Block]
    from_file: bool


def _classify(line: str) -> Block:
    for kind, text in BOILERPLATE_TEXT.items():
        if line == text or (kind == EMAIL_NOTE and line.startswith("Your email address")):
            return Block(kind, line)
    return Block(PARAGRAPH, line)


def _insert_intro(paragraphs: list[str], intro: str) -> list[str]:
    """Put `intro` before the first paragraph where "she said" has no one to refer to."""
    at = next((i for i, p in enumerate(paragraphs) if "she said" in p), len(paragraphs) - 1)
    return [*paragraphs[:at], intro, *paragraphs[at:]]


def seed_from_file(path: Path) -> SeedStory:
    """Read the seed copy as-is and rebuild the wire original it was taken from.

    The original: boilerplate lines gone, the last paragraph (a repeat of the standfirst)
    gone, "Kiev" spelt "Kyiv", and the paragraph introducing the woman who speaks restored.
    """
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    copy = [_classify(ln) for ln in lines[1:]]
    body = [b.text for b in copy if b.kind == PARAGRAPH][:-1]
    original = _insert_intro([re.sub(r"\bKiev\b", "Kyiv", p) for p in body], SEED_INTRO)
    return SeedStory(SEED_TITLE_ORIGINAL, original, lines[0], copy, True)


def synthetic_seed() -> SeedStory:
    """The bundled stand-in story: the original as written, its copy derived like the seed's."""
    original = list(SYNTHETIC_WIRE)
    drop = next(i for i, p in enumerate(original) if p.startswith(SYNTHETIC_WIRE_INTRO))
    kept = [p for i, p in enumerate(original) if i != drop]
    copy = [Block(PARAGRAPH, _kiev(kept[0])), *(Block(PARAGRAPH, p) for p in kept[1:])]
    copy.insert(4, _boilerplate(READ_NEXT))
    copy.append(Block(PARAGRAPH, original[0] + "."))
    copy.extend(_tail())
    return SeedStory(SYNTHETIC_WIRE_TITLE, original, SYNTHETIC_COPY_TITLE, copy, False)


def load_seed(path: Path | None) -> SeedStory:
    """The seed story from `path` when it exists, else the synthetic stand-in."""
    return seed_from_file(path) if path is not None and path.is_file() else synthetic_seed()
