"""Deterministic article drafts for the demo site: headlines, prose and edits.

Copies (the seed story, syndication) are in copies.py, the topic truth in topics.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from demo.prose import COMMON, SYNONYMS, VARIANTS, VARY, Variant
from demo.topics import topics_of

# Kinds of body blocks a content farm leaves inside a copied article (see the seed article).
READ_NEXT, SOURCE_LINK, LEAVE_REPLY, EMAIL_NOTE = "read_next", "source_link", "leave_reply", "email"
BOILERPLATE_TEXT = {
    READ_NEXT: "Read Next",
    SOURCE_LINK: "Source link",
    LEAVE_REPLY: "Leave a Reply",
    EMAIL_NOTE: "Your email address will not be published.",
}
PARAGRAPH = "p"
WORDS_MIN, WORDS_MAX = 20, 60


@dataclass
class Block:
    """One block of an article body: a paragraph, or a boilerplate line left in by a copier."""

    kind: str
    text: str


@dataclass
class Draft:
    """An article's content, independent of where it is served."""

    variant: str
    section: str
    title: str
    blocks: list[Block]
    author: str | None
    published_at: datetime
    story: str | None = None
    used: set[str] = field(default_factory=set)  # sentence templates already in the text
    fixed: dict[str, str] = field(default_factory=dict)  # slot values kept for the whole article

    @property
    def paragraphs(self) -> list[str]:
        """The body as it should be extracted: paragraphs only, no boilerplate blocks."""
        return [b.text for b in self.blocks if b.kind == PARAGRAPH]

    @property
    def standfirst(self) -> str:
        """The first paragraph, which doubles as the summary in feeds and meta tags."""
        return self.paragraphs[0]


# --- writing ------------------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")


_VARY = [(re.compile(rf"\b{pattern}\b", re.IGNORECASE), options) for pattern, options in VARY]


def _vary(text: str, rng: random.Random) -> str:
    """Reword the interchangeable phrases of a filled sentence, keeping a leading capital."""

    def pick(options: tuple[str, ...]) -> Callable[[re.Match[str]], str]:
        def choose(m: re.Match[str]) -> str:
            chosen = rng.choice(options)
            return chosen[0].upper() + chosen[1:] if m.group(0)[0].isupper() else chosen

        return choose

    for pattern, options in _VARY:
        text = pattern.sub(pick(options), text)
    return text


def _fill(
    template: str,
    rng: random.Random,
    variant: Variant,
    fixed: Mapping[str, str],
    *,
    vary: bool = True,
) -> str:
    """Replace each {slot} with a value (per-article fixed ones first), then vary the wording."""

    def pick(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in fixed:
            return fixed[name]
        return rng.choice(variant.slots.get(name) or COMMON[name])

    text = _SLOT.sub(pick, template)
    if vary:
        text = _vary(text, rng)
    return text[0].upper() + text[1:]


def _word_count(s: str) -> int:
    return len(s.split())


class Writer:
    """Writes unique headlines and article drafts from the prose templates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.titles: set[str] = set()

    def claim_title(self, title: str) -> str:
        """Reserve a title written elsewhere (seed, corpus), refusing a duplicate."""
        if title in self.titles:
            raise ValueError(f"duplicate title: {title!r}")
        self.titles.add(title)
        return title

    def headline(self, variant: Variant, fixed: Mapping[str, str] | None = None) -> str:
        """A headline of `variant` no article has used yet."""
        for _ in range(200):
            title = _fill(
                self.rng.choice(variant.titles), self.rng, variant, fixed or {}, vary=False
            )
            if title not in self.titles:
                return self.claim_title(title)
        raise RuntimeError(f"ran out of headlines for {variant.name}")

    def _fixed(self, variant: Variant) -> dict[str, str]:
        """The article's subject (its company, team, country...) and its spelling of the capital."""
        fixed = {name: self.rng.choice(variant.slots[name]) for name in variant.fixed}
        if variant.name == "ukraine":  # one spelling per article, as a style guide would have it
            fixed["capital"] = self.rng.choice(("Kyiv", "Kyiv", "Kiev"))
        return fixed

    def paragraph(self, draft: Draft, sentences: list[str] | None = None) -> str:
        """One 20-60 word paragraph of `draft`'s variant from sentences it has not used yet."""
        variant = VARIANTS[draft.variant]
        pool = sentences if sentences is not None else self._pool(variant, draft.used)
        parts: list[str] = []
        while pool:
            candidate = _fill(pool[-1], self.rng, variant, draft.fixed)
            have = _word_count(" ".join(parts))
            if have + _word_count(candidate) > WORDS_MAX:
                if have >= WORDS_MIN:
                    break
                pool.pop()  # too long to fit here: leave this sentence out of the article
                continue
            if have >= WORDS_MIN and (len(parts) >= 3 or self.rng.random() >= 0.35):
                break
            draft.used.add(pool.pop())
            parts.append(candidate)
        text = " ".join(parts)
        if not WORDS_MIN <= _word_count(text) <= WORDS_MAX:
            raise RuntimeError(f"paragraph of {_word_count(text)} words in {variant.name}: {text}")
        return text

    def _pool(self, variant: Variant, used: set[str]) -> list[str]:
        pool = [s for s in variant.sentences if s not in used]
        if len(pool) < 4:  # a much-updated article: sentences come round again, new slot values
            pool = list(variant.sentences)
        self.rng.shuffle(pool)
        return pool

    def article(self, variant_name: str, *, author: str | None, published_at: datetime) -> Draft:
        """A new draft of `variant_name`; its topics are checked against the variant's."""
        variant = VARIANTS[variant_name]
        fixed = self._fixed(variant)
        try:
            title = self.headline(variant, fixed)
        except RuntimeError:  # every headline about this subject is taken: pick another subject
            fixed = self._fixed(variant)
            title = self.headline(variant, fixed)
        draft = Draft(variant.name, variant.section, title, [], author, published_at, fixed=fixed)
        lede = _fill(self.rng.choice(variant.ledes), self.rng, variant, fixed)
        pool = self._pool(variant, set())
        if _word_count(lede) < WORDS_MIN:
            lede = f"{lede} {_fill(pool.pop(), self.rng, variant, fixed)}"
        draft.blocks.append(Block(PARAGRAPH, lede))
        lo, hi = variant.paragraphs
        # Mostly short articles, now and then a long one: a pool of 20-30 sentences can then
        # write many articles that share few sentences.
        target = lo + int((hi - lo + 1) * self.rng.random() ** 2)
        while len(draft.blocks) < target and len(pool) >= 3:
            draft.blocks.append(Block(PARAGRAPH, self.paragraph(draft, pool)))
        if len(draft.blocks) < lo:
            raise RuntimeError(f"{variant.name} has too few sentences for {lo} paragraphs")
        check_topics(draft, variant.topics)
        return draft


def check_topics(draft: Draft, expected: frozenset[str]) -> None:
    """Fail loudly when a template leaks (or misses) a topic word."""
    got = topics_of(draft.title, draft.paragraphs)
    if got != expected or got != topics_of(draft.title, draft.paragraphs, per_field=True):
        raise RuntimeError(f"{draft.variant} article {draft.title!r} matches {got}, not {expected}")


# --- edits ----------------------------------------------------------------------------------------


def edit_headline(draft: Draft, writer: Writer) -> None:
    """A rewritten headline (unique, same variant)."""
    writer.titles.discard(draft.title)
    draft.title = writer.headline(VARIANTS[draft.variant], draft.fixed)


def add_paragraph(draft: Draft, writer: Writer) -> None:
    """A new paragraph before the last one, as a reporter's update would add."""
    last = max(i for i, b in enumerate(draft.blocks) if b.kind == PARAGRAPH)
    draft.blocks.insert(last, Block(PARAGRAPH, writer.paragraph(draft)))


def one_word(draft: Draft, rng: random.Random) -> None:
    """A copy-editor's fix: one word swapped for a synonym (either way) in one paragraph."""
    swaps = SYNONYMS | {v: k for k, v in SYNONYMS.items()}
    candidates = [
        (i, word)
        for i, b in enumerate(draft.blocks)
        if b.kind == PARAGRAPH
        for word in swaps
        if re.search(rf"\b{word}\b", b.text)
    ]
    if not candidates:
        raise RuntimeError(f"no word to edit in {draft.title!r}")
    i, word = rng.choice(candidates)
    block = draft.blocks[i]
    block.text = re.sub(rf"\b{word}\b", swaps[word], block.text, count=1)
