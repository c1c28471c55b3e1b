"""crawler.text.normalise, the one folding module, against the four foldings it replaced.

The reference functions below are the old code, verbatim, as it stood in extraction
(crawler/text/normalise.py), dedup (crawler/text/shingles.py), topics and search
(storage/querylang.py) and diffing (crawler/text/diffing.py) before they were merged: the new
module must give the same results on any text, since content hashes and MinHash signatures are
persisted and topic matches must not move. One change is intended (issue 16): runs of scripts
written without spaces (Chinese, Japanese, Thai, Korean) are read as character bigrams, where the
old code made each run one word; everything between such runs folds exactly as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.text import normalise
from crawler.text.shingles import shingle_words

# --- the old foldings, verbatim ----------------------------------------------------------------
_OLD_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\u2212"
)
_OLD_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": "'",
               "\u203a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
               "\u00ab": '"', "\u00bb": '"'}  # fmt: skip
_OLD_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_OLD_FOLD_TABLE = str.maketrans(
    {**dict.fromkeys(_OLD_DASHES, "-"), **_OLD_QUOTES, **dict.fromkeys(_OLD_INVISIBLE, None)}
)


def old_clean_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def old_normalise_text(s: str) -> str:
    folded = unicodedata.normalize("NFKC", s).translate(_OLD_FOLD_TABLE)
    return old_clean_lines(folded)


_MARKS = [
    cp for cp in (*range(0x20000), *range(0xE0000, 0xE1000)) if unicodedata.combining(chr(cp))
]
_OLD_BMP = "".join(re.escape(chr(cp)) for cp in _MARKS if cp <= 0xFFFF)
_OLD_COMBINING = re.compile(f"[{_OLD_BMP}]+")
_OLD_ASTRAL_COMBINING = dict.fromkeys(cp for cp in _MARKS if cp > 0xFFFF)
_OLD_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_OLD_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4\u2032]")
_OLD_WORD = re.compile(r"[^\W_]+")
_OLD_PLACE_VARIANTS = {
    "kiev": "kyiv", "kharkov": "kharkiv", "odessa": "odesa", "lvov": "lviv",
    "zaporozhye": "zaporizhzhia",
}  # fmt: skip
_OLD_VARIANTS = {
    **_OLD_PLACE_VARIANTS,
    **{old + "s": new + "s" for old, new in _OLD_PLACE_VARIANTS.items()},
}


def old_shingle_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    if not folded.isascii():
        folded = _OLD_COMBINING.sub("", folded)
        if _OLD_ASTRAL.search(folded):
            folded = folded.translate(_OLD_ASTRAL_COMBINING)
    folded = _OLD_APOSTROPHES.sub("", folded)
    return [_OLD_VARIANTS.get(word, word) for word in _OLD_WORD.findall(folded)]


def _old_char_class(pred: object) -> str:
    ranges: list[tuple[int, int]] = []
    for cp in (*range(0x20000), *range(0xE0000, 0xE1000)):
        if not pred(chr(cp)):  # type: ignore[operator]
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_OLD_ACCENTS = re.compile(f"[{_old_char_class(lambda c: unicodedata.combining(c) not in (0, 9))}]+")
_OLD_WORD_RE = re.compile(
    f"(?:[^\\W_]|[{_old_char_class(lambda c: unicodedata.category(c).startswith('M'))}])+"
)


def old_fold(s: str) -> str:
    if s.isascii():
        return s.lower()
    s = _OLD_ACCENTS.sub("", unicodedata.normalize("NFKD", s.casefold()))
    return s.casefold()


def old_words(s: str) -> list[str]:
    return _OLD_WORD_RE.findall(old_fold(s))


_OLD_DIFF_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063"
        "\u2064\u206a\u206b\u206c\u206d\u206e\u206f\ufeff",
    ),
    None,
)
_OLD_DIFF_PUNCT = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    }
)


def old_diff_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_OLD_DIFF_INVISIBLE).translate(_OLD_DIFF_PUNCT)
    return " ".join(text.split())


# --- random text that reaches every branch ------------------------------------------------------
# Any code point, and a strategy weighted towards what the foldings treat specially: accents and
# other combining marks (BMP and astral), the virama, dashes, quotes, invisible and format
# characters, compatibility forms (ligatures, full-width, "ℌ"), apostrophes and the place names.
_SPECIAL = (
    "e\u0301u\u0308s\u0326 \u094d\u0915\u093f \U0001d165\U0001d16d\U000e0100 "
    + _OLD_DASHES
    + "".join(_OLD_QUOTES)
    + "\u2032\u2033\u02bc\u0060\u00b4"
    + "".join(chr(c) for c in _OLD_DIFF_INVISIBLE)
    + "\ufb01\uff21\u210c\u2460\u1e9e\u0130\u03a3\u00df "
    + "\n\t\r\u2028\u00a0\u3000"
)
_PIECES = st.sampled_from(
    ["Kiev's", "Odessa", "Zürich", "ZURICH", "Ukraine\u2019s", "don't", "pro-Moscow", "ﬁnal"]
)
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from(_SPECIAL + "abcXYZ09 .,!?"), max_size=80),
    st.lists(st.one_of(_PIECES, st.text(alphabet=_SPECIAL, max_size=4)), max_size=12).map(" ".join),
)


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_extraction_and_hashing_fold_as_before(text: str) -> None:
    assert normalise.normalise_text(text) == old_normalise_text(text)


def _outside_runs(text: str, old: Callable[[str], list[str]]) -> list[str]:
    """The old words between the runs of scripts without spaces, and the runs' bigrams: the one
    intended change (issue 16), since a CJK sentence was a single "word" before."""
    pieces = normalise.script_pieces(text)
    if pieces is None:
        return old(text)
    found: list[str] = []
    for piece, bigram in pieces:
        found.extend(normalise.bigrams(piece) if bigram else old(piece))
    return found


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_dedup_folds_as_before(text: str) -> None:
    expected = _outside_runs(text, old_shingle_words)
    assert shingle_words(text) == expected


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_topics_and_search_fold_as_before(text: str) -> None:
    assert normalise.fold(text) == old_fold(text)
    assert normalise.words(text) == _outside_runs(text, old_words)


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_diffing_folds_as_before(text: str) -> None:
    assert normalise.compare_form(text) == old_diff_fold(text)


def test_the_folds_know_a_few_things_by_heart() -> None:
    """Fixed points, so the properties above cannot pass by comparing two broken copies."""
    assert normalise.fold("Zürich ZURICH ℌ") == "zurich zurich h"
    assert normalise.words("pro-Moscow Kyiv’s") == ["pro", "moscow", "kyiv", "s"]
    assert normalise.fold("क्षेत्र") == "क्षेत्र"  # the virama stays for topics
    assert normalise.fold_marks("क्षेत्र") != "क्षेत्र"  # and goes for dedup
    assert shingle_words("Kiev’s “fine” – Zürich") == ["kyivs", "fine", "zurich"]
    assert normalise.normalise_text(" «Hi»\u00ad — ok \n\n x ") == '"Hi" - ok\nx'
    assert normalise.compare_form("it\u2032s \u200ehere\u2014now") == "it's here-now"
    assert normalise.words("G7峰会 Zürich") == ["g7", "峰会", "zurich"]
    assert shingle_words("乌克兰。Kiev’s") == ["乌克", "克兰", "kyivs"]


def test_every_character_that_becomes_cjk_under_nfkc_is_looked_at() -> None:
    """A text skips NFKC (and the bigram reading) only when no character of it can turn into a
    script read as bigrams: checked on every code point of planes 0-2."""
    missed = [
        hex(cp)
        for cp in range(0x30000)
        if normalise.has_bigram_script(unicodedata.normalize("NFKC", chr(cp)))
        and normalise._MAY_HAVE_BIGRAM_SCRIPT.search(chr(cp)) is None
    ]
    assert missed == []
