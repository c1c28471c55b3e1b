"""Changes between article versions: word counts, material test, word and sentence diffs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from crawler.text.normalise import compare_form

# A change is material (alert on update, restart the revisit schedule) when the headline changed
# or at least 10 words were added plus removed: a typo or a one-word fix counts 2, a corrected
# figure 2, while a new or rewritten sentence is about 15-25 words. A fixed count rather than a
# ratio, because one new sentence is news in a long article as much as in a short one.
MATERIAL_WORDS = 10
# A new extraction keeping under 40% of the previous words more likely failed (a consent page, a
# paywall stub, a changed template) than the publisher cut 60% of the article.
SUSPECT_LOSS = 0.6

# A sentence ends at . ! ? or an ellipsis, maybe then a closing quote or bracket, before a space
# and a capital or a digit ("U.S. officials" stays whole; "Mr. Smith" is split, a rare miss).
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u00de])"
)


# "|---|---|", "}", "-", "*": a token without a letter or digit is markup, never an edit.
_MARKUP_TOKEN = re.compile(r"(?:^|\s)[\W_]+(?=\s|$)")
_ALNUM = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"\d")


def _tokens(line: str) -> list[str]:
    """The words of a folded line: its tokens holding a letter or a digit."""
    tokens = line.split()
    if not _MARKUP_TOKEN.search(line):  # the common case: one regex pass, no per-token test
        return tokens
    return [token for token in tokens if _ALNUM.search(token)]


def _words(text: str) -> list[str]:
    return _tokens(compare_form(text))


def _lines(text: str) -> list[str]:
    """The folded paragraphs (lines) of a text that hold at least one word."""
    folded = (compare_form(line) for line in text.split("\n"))
    return [line for line in folded if _ALNUM.search(line)]


# --- Article text or page furniture -----------------------------------------------------------
# A revisit's extraction may gain or lose lines that are no part of the article: a "Last
# updated: 10:32" stamp, a menu, share buttons, a script's text, a related-links list. Such a
# line reads as a label, not as prose: it has no sentence end, or it is mostly a date and time,
# or it is code. Only prose lines (and table rows with figures) are compared, so furniture
# entering, leaving or changing makes no version, while an edit of a paragraph, a new paragraph
# or a one-word fix in one always does. (Prose without sentence punctuation reads as furniture
# unless most of its words start in lower case, or its script has no case, as Thai.)
_SENTENCE_MARK = re.compile(
    r"[.!?\u2026\u3002\uff01\uff1f\u0964\u061f\u06d4][\"'\u00bb)\]]*(?:\s|$)"
)
_CODE_PAIRS = ("()", "[]", "||", "&&", "=>", "){")
_DATE_WORDS = frozenset((
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "am", "pm", "a.m.",
    "p.m.", "gmt", "utc", "bst", "cet", "cest", "est", "edt", "pst", "pdt", "kst", "jst", "ist",
    "ago", "min", "mins", "minute", "minutes", "hour", "hours", "h",
))  # fmt: skip
# A date-and-time stamp is a short line ("Published 12 March 2026 10:32, updated 13 March").
_STAMP_WORDS = 16
# A line without a sentence end is still prose from this many words when most start lower-case.
_PROSE_WORDS = 8
# A line in a script without case (and often without spaces) is prose from this many letters.
_CASELESS_LETTERS = 20


def _code_like(line: str) -> bool:
    score = sum(line.count(ch) for ch in "{};=") + 2 * sum(line.count(p) for p in _CODE_PAIRS)
    return score >= 3


def _stamp_token(token: str) -> bool:
    bare = token.strip(".,;:()[]").casefold()
    has_digit = any(ch.isdigit() for ch in bare)
    return (has_digit and not any(ch.isalpha() for ch in bare)) or bare in _DATE_WORDS


def _is_text_line(line: str) -> bool:
    """Whether a folded line is article text (prose, or a table row with figures)."""
    words = _tokens(line)
    if _code_like(line):
        return False
    digits = _DIGIT.search(line) is not None
    if " | " in line:  # a table row (extract.py): data when it holds figures, else a menu
        return digits
    stamp_size = digits and len(words) <= _STAMP_WORDS
    if stamp_size and 2 * sum(map(_stamp_token, words)) >= len(words):
        return False  # "Last updated: 12 March 2026, 10:32", "입력 2026.03.12 10:32"
    if _SENTENCE_MARK.search(line):
        return True
    if _caseless(line):
        # Thai, Lao, Khmer, Myanmar: no capitals to tell a label by, and spaces only between
        # phrases; a line of some length is prose
        return sum(ch.isalpha() for ch in line) >= _CASELESS_LETTERS
    lower = sum(1 for word in words if word[0].islower())
    return len(words) >= _PROSE_WORDS and 10 * lower >= 6 * len(words)


def _caseless(line: str) -> bool:
    """Whether a line's letters are all of scripts without case."""
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and not any(ch.lower() != ch.upper() for ch in letters)


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
    old, new = compare_form(old_title or ""), compare_form(new_title or "")
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
    old_lines = [line for line in _lines(old_text) if _is_text_line(line)]
    new_lines = [line for line in _lines(new_text) if _is_text_line(line)]
    for tag, words in _ops(old_lines, new_lines):
        if tag == "insert":
            added += len(words)
        elif tag == "delete":
            removed += len(words)
    headline = _headline_changed(old_title, new_title)
    material = headline or added + removed >= material_words
    return Change(added, removed, headline, material)


# A block of changed paragraphs is diffed word by word up to this many words on each side, and
# beyond it by counting words (a multiset difference). SequenceMatcher is quadratic at worst,
# and a long live blog diffed whole took 0.7 s per revisit in the crawl's write lock
# (docs/benchmarks.md).
WORD_DIFF_LIMIT = 3000


def _split_op(
    tag: str, old_part: Sequence[str], new_part: Sequence[str]
) -> list[tuple[str, Sequence[str]]]:
    if tag == "replace":
        return [("delete", old_part), ("insert", new_part)]
    return [("insert", new_part)] if tag == "insert" else [(tag, old_part)]


def _line_words(lines: Sequence[str]) -> list[str]:
    return [token for line in lines for token in _tokens(line)]


def _word_ops(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, Sequence[str]]]:
    """Word-level ops of one changed block: a diff when small, else a word count."""
    if len(old) > WORD_DIFF_LIMIT or len(new) > WORD_DIFF_LIMIT:
        gone, came = Counter(old) - Counter(new), Counter(new) - Counter(old)
        return [("delete", _take(old, gone)), ("insert", _take(new, came))]
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return [
        op
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        for op in _split_op(tag, old[i1:i2], new[j1:j2])
    ]


def _take(words: Sequence[str], counts: Counter[str]) -> list[str]:
    """The words of ``counts`` in text order."""
    left, out = Counter(counts), []
    for word in words:
        if left[word] > 0:
            left[word] -= 1
            out.append(word)
    return out


def _ops(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Word ops of two texts given as folded lines: paragraphs first, then the words of the
    changed paragraphs only (an edit in a long live blog costs its paragraph, not the blog)."""
    ops: list[tuple[str, list[str]]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_words, new_words = _line_words(old[i1:i2]), _line_words(new[j1:j2])
        parts = _word_ops(old_words, new_words) if tag == "replace" else []
        if tag != "replace":
            parts = _split_op(tag, old_words, new_words)
        for kind, words in parts:
            if not words:
                continue
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
    return [(tag, " ".join(words)) for tag, words in _ops(_lines(old), _lines(new))]


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
        folded = compare_form(paragraph)
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
