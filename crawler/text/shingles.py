"""Words and shingles of a text, folded as dedup compares them; the MinHash parameters."""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.text.normalise import bigrams, fold_marks, script_pieces

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
    pieces = script_pieces(text)
    if pieces is None:
        return _folded_words(text)
    # Chinese, Japanese, Thai, Korean: character bigrams, so copies of a story in these scripts
    # share shingles (a sentence would otherwise be one "word").
    found: list[str] = []
    for piece, bigram in pieces:
        found.extend(bigrams(piece) if bigram else _folded_words(piece))
    return found


def _folded_words(text: str) -> list[str]:
    # "Ukraine's" and "Ukraine’s" must give one word, not "ukraine" + "s" in one copy only.
    folded = _APOSTROPHES.sub("", fold_marks(text))
    return [_VARIANTS.get(word, word) for word in _WORD.findall(folded)]


def shingle_set(words: Sequence[str]) -> set[bytes]:
    if len(words) < SHINGLE_SIZE:
        return {" ".join(words).encode()} if words else set()
    # zip of the list and its shifts (shorter by design: strict=False): a fifth faster than
    # slicing the list at every word
    runs = zip(*(words[i:] for i in range(SHINGLE_SIZE)), strict=False)
    return {" ".join(run).encode() for run in runs}


def shingles(text: str) -> set[bytes]:
    """The set of word ``SHINGLE_SIZE``-shingles of ``text`` (one shingle when it is shorter).

    Shingles run across paragraph breaks, so re-paragraphing a copy changes nothing.
    """
    return shingle_set(shingle_words(text))
