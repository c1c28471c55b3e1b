"""Changes between article versions: word counts, material test, word and sentence diffs."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# A change is material (alert on update, restart the revisit schedule) when the headline changed
# or at least 10 words were added plus removed: a typo or a one-word fix counts 2, a corrected
# figure 2, while a new or rewritten sentence is about 15-25 words. A fixed count rather than a
# ratio, because one new sentence is news in a long article as much as in a short one.
MATERIAL_WORDS = 10
# A new extraction keeping under 40% of the previous words more likely failed (a consent page, a
# paywall stub, a changed template) than the publisher cut 60% of the article.
SUSPECT_LOSS = 0.6

# Local folding, kept here so this module depends on nothing else in newsmon.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063"
        "\u2064\u206a\u206b\u206c\u206d\u206e\u206f\ufeff",
    ),
    None,
)
_PUNCT = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    }
)
# A sentence ends at . ! ? or an ellipsis, maybe then a closing quote or bracket, before a space
# and a capital or a digit ("U.S. officials" stays whole; "Mr. Smith" is split, a rare miss).
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u00de])"
)


def _fold(text: str) -> str:
    """NFKC, invisible characters dropped, quotes and dashes made ASCII, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_PUNCT)
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return _fold(text).split()


@dataclass(frozen=True)
class Change:
    """What changed from one version to the next."""

    words_added: int
    words_removed: int
    headline_changed: bool
    material: bool

    @property
    def changed(self) -> bool:
        """Whether the versions differ at all once normalised (whitespace aside)."""
        return bool(self.words_added or self.words_removed or self.headline_changed)


def _headline_changed(old_title: str | None, new_title: str | None) -> bool:
    old, new = _fold(old_title or ""), _fold(new_title or "")
    # A missing headline on either side is an extraction gap, not an edit.
    return bool(old and new) and old != new


def compare(
    old_title: str | None,
    old_text: str,
    new_title: str | None,
    new_text: str,
    *,
    material_words: int = MATERIAL_WORDS,
) -> Change:
    """Compare two versions on folded text.

    :param material_words: words added plus removed from which a text change is material
        (the `revisit.material_words` setting).
    :return: words added and removed (word-level diff), whether the headline changed (both
        present and different once folded), and whether the change is material.
    """
    added = removed = 0
    for tag, words in _ops(_words(old_text), _words(new_text)):
        if tag == "insert":
            added += len(words)
        elif tag == "delete":
            removed += len(words)
    headline = _headline_changed(old_title, new_title)
    material = headline or added + removed >= material_words
    return Change(added, removed, headline, material)


def _split_op(
    tag: str, old_part: Sequence[str], new_part: Sequence[str]
) -> list[tuple[str, Sequence[str]]]:
    if tag == "replace":
        return [("delete", old_part), ("insert", new_part)]
    return [("insert", new_part)] if tag == "insert" else [(tag, old_part)]


def _ops(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, list[str]]]:
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    ops: list[tuple[str, list[str]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for kind, words in _split_op(tag, old[i1:i2], new[j1:j2]):
            if ops and ops[-1][0] == kind:
                ops[-1][1].extend(words)
            else:
                ops.append((kind, list(words)))
    return ops


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff of two folded texts.

    :return: ``(op, words)`` pairs, op one of "equal", "insert", "delete", words space-joined; a
        replacement is a "delete" followed by an "insert".
    """
    return [(tag, " ".join(words)) for tag, words in _ops(_words(old), _words(new))]


_ANSI = {"delete": ("\x1b[31m", "\x1b[0m"), "insert": ("\x1b[32m", "\x1b[0m")}
_PLAIN = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}


def render_diff(ops: Sequence[tuple[str, str]], *, color: bool) -> str:
    """Render :func:`word_diff` ops as ``[-removed-]{+added+}`` or, with ``color``, red/green."""
    marks = _ANSI if color else _PLAIN
    pieces = []
    for tag, words in ops:
        if tag == "equal":
            pieces.append(words)
        else:
            start, end = marks[tag]
            pieces.append(f"{start}{words}{end}")
    return " ".join(piece for piece in pieces if piece)


def _sentences(text: str) -> list[str]:
    found: list[str] = []
    for paragraph in text.split("\n"):
        folded = _fold(paragraph)
        if folded:
            found.extend(s for s in _SENTENCE_END.split(folded) if s)
    return found


def sentence_changes(old_text: str, new_text: str) -> tuple[list[str], list[str]]:
    """Sentences of ``new_text`` not in ``old_text`` (added) and the reverse (removed), folded.

    Counted as multisets, in text order: an edited sentence shows as removed and added.
    """
    old, new = _sentences(old_text), _sentences(new_text)
    return _minus(new, Counter(old)), _minus(old, Counter(new))


def _minus(sentences: list[str], other: Counter[str]) -> list[str]:
    left = Counter(other)
    out = []
    for sentence in sentences:
        if left[sentence] > 0:
            left[sentence] -= 1
        else:
            out.append(sentence)
    return out


def is_suspect_loss(old_text: str, new_text: str) -> bool:
    """Whether the new text lost more than ``SUSPECT_LOSS`` (60%) of the old text's words."""
    old = len(_words(old_text))
    return old > 0 and len(_words(new_text)) < (1 - SUSPECT_LOSS) * old
