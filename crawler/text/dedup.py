"""Near-duplicate detection: shingles, MinHash signatures, LSH bands, story and canonical choice."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

# --- Parameters --------------------------------------------------------------------------------
# 128 permutations: the Jaccard estimate has a standard error of sqrt(J(1-J)/128), about 0.044 at
# J = 0.5, small next to the gap between copies (J >= 0.55 on the syndication fixture, excerpts
# aside) and different stories on the same topic and day (J <= 0.33, for two reports of one event
# that share two paragraphs). A signature is 128 x uint32 = 512 bytes.
NUM_PERM = 128
# 42 bands of 3 rows (126 of the 128 values): a pair becomes an LSH candidate with probability
# 1 - (1 - J**3)**42, i.e. 0.84 at J = 0.35, 0.94 at J = 0.4, 0.996 at J = 0.5, 0.99999 at
# J = 0.7, but 0.04 at J = 0.1. The S-curve's threshold is (1/42)**(1/3) = 0.29: the containment
# rule below accepts pairs from J = 0.25, and an excerpt of 40% of an article has J = 0.4. With
# 32 bands of 4 rows (threshold 0.42) the index lost about half of such excerpts before
# best_match saw them (0.56 at J = 0.4). Cost: 42 index rows per article, and more unrelated
# candidates for best_match to reject (about 3 per lookup on the syndication fixture).
BANDS = 42
ROWS = 3
# 5-word shingles: long enough that stories on one topic share few of them (named entities such as
# "secretary of state antony blinken" are one shingle, not a whole article), short enough that an
# edit (a boilerplate line, a dropped paragraph, a changed word) disturbs only a handful of them.
SHINGLE_SIZE = 5
# Below 50 words (a brief, a caption, a paywall stub) a few shared phrases make two different texts
# look alike and the estimate is coarse, so only exact text-hash equality joins a story.
MIN_WORDS = 50
# Fixed: signatures persisted in the database must be comparable across processes and releases.
MINHASH_SEED = 1
# Estimated Jaccard from which two signatures are copies of one story.
JACCARD_MIN = 0.5
# Containment rule: a copy that keeps at least 80% of the shorter text inside the longer one (an
# excerpt, an original with a paragraph more, a page with added boilerplate) is a copy even when
# their Jaccard is below JACCARD_MIN, provided the Jaccard is at least 0.25 (the shorter text is
# not less than a quarter of the longer), where the estimate is still steady. A shared standfirst,
# byline or boilerplate block covers 10-20% of an article, far below 80%.
CONTAINMENT_MIN = 0.8
CONTAINMENT_JACCARD_FLOOR = 0.25
# choose_canonical: copies with at least 90% of the words of the longest copy are "complete".
COMPLETE_SHARE = 0.9

_SIG_BYTES = NUM_PERM * 4
_BAND_BYTES = ROWS * 4


def _combining_marks() -> tuple[re.Pattern[str], dict[int, None]]:
    """The combining marks (non-zero canonical combining class: the accents NFKD splits off)
    as a character class of the Basic Multilingual Plane, which `re` tests in constant time,
    and a deletion table for the few beyond it (planes 1 and 14 hold them all)."""
    marks = [
        cp for cp in (*range(0x20000), *range(0xE0000, 0xE1000)) if unicodedata.combining(chr(cp))
    ]
    bmp = "".join(re.escape(chr(cp)) for cp in marks if cp <= 0xFFFF)
    return re.compile(f"[{bmp}]+"), dict.fromkeys(cp for cp in marks if cp > 0xFFFF)


_COMBINING, _ASTRAL_COMBINING = _combining_marks()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4\u2032]")
_WORD = re.compile(r"[^\W_]+")
# Transliteration variants of place names that copies of one story spell either way.
_PLACE_VARIANTS = {
    "kiev": "kyiv",
    "kharkov": "kharkiv",
    "odessa": "odesa",
    "lvov": "lviv",
    "zaporozhye": "zaporizhzhia",
}
# Apostrophes are dropped before words are split, so "Kiev's" is the word "kievs".
_VARIANTS = {
    **_PLACE_VARIANTS,
    **{old + "s": new + "s" for old, new in _PLACE_VARIANTS.items()},
}


# --- Shingles and signatures -------------------------------------------------------------------
def shingle_words(text: str) -> list[str]:
    """Words of ``text``, case- and accent-folded, apostrophes dropped, punctuation as separator.

    :param text: plain text.
    :return: the words in order; ``words`` in :class:`Candidate` is the length of this list.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    if not folded.isascii():
        folded = _COMBINING.sub("", folded)
        if _ASTRAL.search(folded):
            folded = folded.translate(_ASTRAL_COMBINING)
    # "Ukraine's" and "Ukraine’s" must give one word, not "ukraine" + "s" in one copy only.
    folded = _APOSTROPHES.sub("", folded)
    return [_VARIANTS.get(word, word) for word in _WORD.findall(folded)]


def _shingles_of(words: Sequence[str]) -> set[bytes]:
    if len(words) < SHINGLE_SIZE:
        return {" ".join(words).encode()} if words else set()
    return {
        " ".join(words[i : i + SHINGLE_SIZE]).encode() for i in range(len(words) - SHINGLE_SIZE + 1)
    }


def shingles(text: str) -> set[bytes]:
    """The set of word ``SHINGLE_SIZE``-shingles of ``text`` (one shingle when it is shorter).

    Shingles run across paragraph breaks, so re-paragraphing a copy changes nothing.
    """
    return _shingles_of(shingle_words(text))


def signature(text: str) -> bytes | None:
    """MinHash signature of ``text``: ``NUM_PERM`` little-endian uint32 values (512 bytes).

    :return: None when the text has fewer than ``MIN_WORDS`` words (exact matching only).
    """
    return signature_of_words(shingle_words(text))


def signature_of_words(words: Sequence[str]) -> bytes | None:
    """:func:`signature` of a text already split by :func:`shingle_words`."""
    if len(words) < MIN_WORDS:
        return None
    # Imported here: numpy (20 MB) is needed where signatures are made (the extraction
    # workers), not where they are compared (the crawl process).
    from crawler.text.minhash import minhash

    return minhash(_shingles_of(words)).astype("<u4").tobytes()


def _check(sig: bytes) -> None:
    if len(sig) != _SIG_BYTES:
        raise ValueError(f"signature has {len(sig)} bytes, expected {_SIG_BYTES}")


def band_hashes(sig: bytes) -> list[int]:
    """One hash per LSH band (``BANDS`` values), each a signed 64-bit integer for a BIGINT column.

    Two signatures share a band hash exactly when they agree on all ``ROWS`` values of that band
    (up to a 2**-64 collision). Stable across processes: no use of Python's salted ``hash()``.
    """
    _check(sig)
    return [
        int.from_bytes(
            hashlib.blake2b(sig[i : i + _BAND_BYTES], digest_size=8).digest(), "big", signed=True
        )
        for i in range(0, BANDS * _BAND_BYTES, _BAND_BYTES)
    ]


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    _check(sig_a)
    _check(sig_b)
    # Equal values are equal words whatever the byte order they are read in.
    same = sum(x == y for x, y in zip(_words32(sig_a), _words32(sig_b), strict=True))
    return same / NUM_PERM


def _words32(sig: bytes) -> memoryview:
    return memoryview(sig).cast("I")


# --- Story assignment --------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A stored article found through the LSH index or by its text hash."""

    article_id: int
    story_id: int
    signature: bytes | None
    text_hash: str
    words: int  # len(shingle_words(text))


def _shingle_count(words: int) -> int:
    return max(words - SHINGLE_SIZE + 1, 1)


def containment(jaccard: float, words_a: int, words_b: int) -> float:
    """Share of the shorter text's shingles found in the longer one, from an estimated Jaccard.

    |A n B| = J (|A| + |B|) / (1 + J); set sizes are taken from the word counts.
    """
    size_a, size_b = _shingle_count(words_a), _shingle_count(words_b)
    common = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, common / min(size_a, size_b))


def is_near_duplicate(jaccard: float, words_a: int, words_b: int) -> bool:
    """Whether two long texts with this estimated Jaccard and these word counts are one story."""
    if jaccard >= JACCARD_MIN:
        return True
    return (
        jaccard >= CONTAINMENT_JACCARD_FLOOR
        and containment(jaccard, words_a, words_b) >= CONTAINMENT_MIN
    )


def best_match(
    sig: bytes | None, text_hash: str, words: int, candidates: Sequence[Candidate]
) -> Candidate | None:
    """The candidate whose story a new article joins, or None for a new story.

    An identical text (equal ``text_hash``) always matches; otherwise both texts need
    ``MIN_WORDS`` words and :func:`is_near_duplicate` must hold. Among matches the most similar
    wins, then the lowest ``article_id``.
    """
    exact = [c for c in candidates if text_hash and c.text_hash == text_hash]
    if exact:
        return min(exact, key=lambda c: c.article_id)
    if sig is None or words < MIN_WORDS:
        return None
    scored = [
        (similarity(sig, c.signature), c)
        for c in candidates
        if c.signature is not None and c.words >= MIN_WORDS
    ]
    matches = [(j, c) for j, c in scored if is_near_duplicate(j, words, c.words)]
    if not matches:
        return None
    return max(matches, key=lambda jc: (jc[0], -jc[1].article_id))[1]


# --- Canonical copy ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Copy:
    """One article of a story, as choose_canonical needs it."""

    article_id: int
    url: str
    published_at: datetime | None
    first_seen_at: datetime
    words: int
    canonical_link: str | None  # its rel=canonical when it points elsewhere
    is_republication: bool  # rel=canonical/og:url to another site, learned "Source link", ...


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _effective_time(copy: Copy) -> datetime:
    seen = _aware(copy.first_seen_at)
    if copy.published_at is None:
        return seen
    published = _aware(copy.published_at)
    if published.utcoffset() == timedelta(0) and published.timetz().replace(tzinfo=None) == time():
        # Midnight UTC is how a date-only page is stored: it was published at some time that day,
        # not before a timed copy of the same day, and not after we first saw it.
        return min(published + timedelta(days=1) - timedelta(microseconds=1), seen)
    return published


def _url_owners(copies: Sequence[Copy], urls_by_id: Mapping[int, set[str]]) -> dict[str, int]:
    ids = {c.article_id for c in copies}
    owners = {url: aid for aid, urls in urls_by_id.items() if aid in ids for url in urls}
    owners.update((c.url, c.article_id) for c in copies)
    return owners


def _defers(copy: Copy, by_id: Mapping[int, Copy], owners: Mapping[str, int]) -> bool:
    """Whether ``copy``'s rel=canonical chain ends at another copy (a cycle defers to no one)."""
    seen = {copy.article_id}
    current = copy
    while current.canonical_link is not None:
        target = owners.get(current.canonical_link)
        if target is None or target == current.article_id:
            break
        if target in seen:
            return False
        seen.add(target)
        current = by_id[target]
    return current.article_id != copy.article_id


def choose_canonical(
    copies: Sequence[Copy], urls_by_id: Mapping[int, set[str]] | None = None
) -> int:
    """The article id of a story's canonical copy.

    The rule, in order:

    1. a copy whose rel=canonical (followed through chains) points to another of the copies
       (its URL or, from ``urls_by_id``, one of its aliases) defers to it and is out;
    2. republications are out, unless every remaining copy is one;
    3. copies with fewer than ``COMPLETE_SHARE`` (90%) of the words of the longest remaining copy
       are out: an early excerpt does not beat the full text;
    4. the earliest wins: published_at, else first_seen_at; a date-only published_at (midnight
       UTC) counts as the end of that day or first_seen_at, whichever is earlier;
    5. ties go to the lowest article_id.

    :param urls_by_id: every URL known for each article id (aliases), optional.
    :raises ValueError: when ``copies`` is empty.
    """
    if not copies:
        raise ValueError("choose_canonical needs at least one copy")
    by_id = {c.article_id: c for c in copies}
    owners = _url_owners(copies, urls_by_id or {})
    pool = [c for c in copies if not _defers(c, by_id, owners)] or list(copies)
    pool = [c for c in pool if not c.is_republication] or pool
    longest = max(c.words for c in pool)
    pool = [c for c in pool if c.words >= COMPLETE_SHARE * longest]
    return min(pool, key=lambda c: (_effective_time(c), c.article_id)).article_id


# --- Boilerplate learned per source ------------------------------------------------------------
def paragraph_key(p: str) -> str:
    """Hash of a paragraph's normalised words (16 hex digits); "" when it has no words."""
    words = shingle_words(p)
    if not words:
        return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=8).hexdigest()


def paragraph_keys(text: str) -> set[str]:
    """Distinct keys of the paragraphs (lines) of one document: what a source's counts add up.

    A paragraph repeated inside one document (a standfirst repeated at the end) counts once.
    """
    return {key for key in map(paragraph_key, text.split("\n")) if key}


def learn_boilerplate(
    paragraph_doc_counts: Mapping[str, int],
    n_docs: int,
    *,
    min_docs: int = 3,
    min_share: float = 0.3,
) -> set[str]:
    """Keys of paragraphs found in at least ``min_docs`` documents and ``min_share`` of a source's.

    :param paragraph_doc_counts: paragraph key -> number of the source's documents containing it.
    :param n_docs: number of the source's documents counted.

    Recomputed from current counts, the set also forgets: a news paragraph that three early
    articles shared drops below ``min_share`` as the source's articles accumulate.
    """
    if n_docs < min_docs:
        return set()
    return {
        key
        for key, count in paragraph_doc_counts.items()
        if key and count >= min_docs and count >= min_share * n_docs
    }


def _learned_line(line: str, boilerplate: AbstractSet[str], max_words: int | None) -> bool:
    if not line.strip() or (max_words is not None and len(line.split()) > max_words):
        return False
    return paragraph_key(line) in boilerplate


def _squeeze_blank(lines: Iterable[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def strip_boilerplate(
    text: str, boilerplate: AbstractSet[str], max_words: int | None = None
) -> str:
    """``text`` without the lines whose :func:`paragraph_key` is in ``boilerplate``.

    When a line goes, runs of blank lines left behind shrink to one and the ends are trimmed.

    :param max_words: lines of more words than this are kept unhashed: the crawler learns
        keys of short lines only, and hashing every line of every article is its main cost
        of re-stripping.
    """
    return strip_lines(text, boilerplate, max_words)[0]


def strip_lines(
    text: str, boilerplate: AbstractSet[str], max_words: int | None = None
) -> tuple[str, list[str]]:
    """:func:`strip_boilerplate`, and the lines it removed.

    A text's :func:`shingle_words` are those of its lines end to end (a line break always
    separates words), so a caller that knows the text's word count gets the stripped one from
    the removed lines alone.
    """
    lines = text.split("\n")
    kept: list[str] = []
    removed: list[str] = []
    for line in lines:
        (removed if _learned_line(line, boilerplate, max_words) else kept).append(line)
    if not removed:
        return text, []
    return "\n".join(_squeeze_blank(kept)), removed


def words_in(lines: Iterable[str]) -> int:
    """How many :func:`shingle_words` the lines hold."""
    return sum(len(shingle_words(line)) for line in lines)
