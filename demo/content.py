"""Deterministic article drafts for the demo site: headlines, prose, copies, edits, topic truth."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from demo.prose import (
    COMMON,
    SYNONYMS,
    SYNTHETIC_WIRE,
    SYNTHETIC_WIRE_INTRO,
    SYNTHETIC_WIRE_TITLE,
    VARIANTS,
    VARY,
    Variant,
)

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

SEED_TITLE_ORIGINAL = "Blinken lands in Kyiv for crisis talks as Russia invasion fears grow"
SEED_INTRO = (
    "At the White House, press secretary Jen Psaki said President Joe Biden had been briefed on "
    "the trip and that the United States would keep every diplomatic channel with Moscow open."
)
SYNTHETIC_COPY_TITLE = "European ministers in Kiev to back Ukraine as Moscow masses troops"


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


# --- topic truth --------------------------------------------------------------------------------
# The three demo queries, implemented directly (not parsed) so the truth cannot drift from the
# text: whole words after case and accent folding, `*` a prefix, title: the headline only.

TOPIC_QUERIES: dict[str, str] = {
    "ukraine-russia": "(Ukraine OR Kyiv OR Kiev) AND (Russia OR Putin OR Kremlin OR Moscow)",
    "climate": 'climate OR "carbon emissions" OR renewabl*',
    "chips": "title:semiconductor* OR (chip* AND NOT potato)",
}
_WORD = re.compile(r"[^\W_]+")


def fold(s: str) -> str:
    """Case-fold and strip accents ("Kyïv" -> "kyiv")."""
    decomposed = unicodedata.normalize("NFKD", s.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(s: str) -> list[str]:
    """Folded runs of letters and digits: "pro-Moscow" -> ["pro", "moscow"]."""
    return _WORD.findall(fold(s))


def _has_phrase(seqs: Sequence[Sequence[str]], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(
        list(seq[i : i + n]) == list(phrase) for seq in seqs for i in range(len(seq) - n + 1)
    )


def topics_of(title: str, paragraphs: Sequence[str], *, per_field: bool = False) -> set[str]:
    """Names of the demo topics that headline+body match.

    Phrases are matched over one word stream (title then paragraphs), as a matcher over
    extracted text would; `per_field=True` matches them inside single fields instead, which
    content generation uses to prove its texts do not depend on that choice.
    """
    title_words = words(title)
    fields = [title_words, *(words(p) for p in paragraphs)]
    stream = [w for f in fields for w in f]
    vocab = set(stream)
    phrase_seqs = fields if per_field else [stream]

    def any_prefix(prefix: str, ws: set[str]) -> bool:
        return any(w.startswith(prefix) for w in ws)

    found: set[str] = set()
    if vocab & {"ukraine", "kyiv", "kiev"} and vocab & {"russia", "putin", "kremlin", "moscow"}:
        found.add("ukraine-russia")
    if (
        "climate" in vocab
        or _has_phrase(phrase_seqs, ["carbon", "emissions"])
        or any_prefix("renewabl", vocab)
    ):
        found.add("climate")
    if any_prefix("semiconductor", set(title_words)) or (
        any_prefix("chip", vocab) and "potato" not in vocab
    ):
        found.add("chips")
    return found


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
