"""Near-duplicate detection: shingles, MinHash signatures, LSH bands, story and canonical choice."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from crawler.text.shingles import (
    BANDS,
    MIN_WORDS,
    NUM_PERM,
    ROWS,
    SHINGLE_SIZE,
    shingle_set,
    shingle_words,
)

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

    return minhash(shingle_set(words)).astype("<u4").tobytes()


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
