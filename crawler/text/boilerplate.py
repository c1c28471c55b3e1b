"""Boilerplate lines: their keys, learning them from a source's pages, and stripping them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

from crawler.text.shingles import shingle_words


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
