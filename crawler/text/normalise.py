"""Text normalisation, the one module: typography, case and accents, words, and text hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache

# --- the characters -----------------------------------------------------------------------------
# Unicode dash punctuation (category Pd) and the minus sign, all compared as "-".
_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\u2212"
)
# The dashes of the Latin and common blocks: the ones a revisit's text meets in practice.
_COMMON_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f"
_GUILLEMETS = "\u00ab\u00bb"
_SINGLE_GUILLEMETS = "\u2039\u203a"
# Characters typed for an apostrophe: modifier letter apostrophe, grave, acute, prime.
_APOSTROPHE_LIKE = "\u02bc\u0060\u00b4\u2032"
# Invisible characters that differ between copies of one text: zero-width space, non-joiner,
# joiner, word joiner, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
# Format characters a CMS leaves behind (direction marks, invisible operators, the combining
# grapheme joiner, deprecated format controls): dropped when versions are compared.
_FORMAT = "\u034f\u061c\u200e\u200f\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d\u206e\u206f"

# Text as stored and hashed (extraction, content hashes). Frozen: a change would alter the
# content hash of stored articles and make every revisit look like an edit.
_TEXT_TABLE = str.maketrans(
    {
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SINGLE_QUOTES + _SINGLE_GUILLEMETS, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES + _GUILLEMETS, '"'),
        **dict.fromkeys(_INVISIBLE, None),
    }
)
# Text as two versions are compared (diffing): looser about apostrophes, primes and format
# characters, which editors change without changing a word.
_COMPARE_TABLE = str.maketrans(
    {
        **dict.fromkeys(_INVISIBLE + _FORMAT, None),
        **dict.fromkeys(_SINGLE_QUOTES + _APOSTROPHE_LIKE, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES + "\u2033" + _GUILLEMETS, '"'),
        **dict.fromkeys(_COMMON_DASHES, "-"),
    }
)


# --- typography ---------------------------------------------------------------------------------
def typography(s: str) -> str:
    """NFKC, curly quotes made straight, every dash "-", invisible characters dropped."""
    return unicodedata.normalize("NFKC", s).translate(_TEXT_TABLE)


def clean_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def normalise_text(s: str) -> str:
    """Normalise text for comparing versions and hashing.

    :func:`typography`, whitespace collapsed within each line, lines stripped; line breaks are
    kept but empty lines dropped, so re-wrapping paragraphs is a change and blank lines are not.
    """
    return clean_lines(typography(s))


def compare_form(line: str) -> str:
    """A line as two versions of an article are compared: NFKC, invisible and format characters
    dropped, quotes, primes and dashes made ASCII, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", line).translate(_COMPARE_TABLE).split())


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of `text`, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- case and accents ---------------------------------------------------------------------------
# Marks beyond the Basic Multilingual Plane live in plane 1 and the variation selectors of
# plane 14. They are kept out of the regular expressions: `re` tests a class of BMP characters
# in one step, but each astral range one after another (ten times slower over a text).
_ASTRAL_POINTS = (range(0x10000, 0x20000), range(0xE0000, 0xE1000))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _char_class(pred: Callable[[str], bool], points: Iterable[int] = range(0x10000)) -> str:
    """A regex character class body of the code points for which `pred` holds, as ranges."""
    ranges: list[tuple[int, int]] = []
    for cp in points:
        if not pred(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


def _astral(pred: Callable[[str], bool]) -> dict[int, None]:
    return {cp: None for points in _ASTRAL_POINTS for cp in points if pred(chr(cp))}


class _Stripper:
    """Deletes the characters for which `pred` holds: a regex for the BMP, a table beyond."""

    def __init__(self, pred: Callable[[str], bool]) -> None:
        self.bmp = re.compile(f"[{_char_class(pred)}]+")
        self.astral = _astral(pred)

    def __call__(self, s: str) -> str:
        s = self.bmp.sub("", s)
        return s.translate(self.astral) if _ASTRAL.search(s) else s


# Built at first use, never at import: a scan of 135,000 code points takes a tenth of a second,
# which every command and every extraction worker would otherwise pay at start.
@cache
def _accents() -> _Stripper:
    """Accents: marks with a non-zero combining class (what NFKD splits off "é", "ü", "ș"),
    except the Indic virama (class 9), which joins consonants rather than decorating them."""
    return _Stripper(lambda c: unicodedata.combining(c) not in (0, 9))


@cache
def _combining() -> _Stripper:
    """Every mark with a non-zero combining class, the virama included."""
    return _Stripper(lambda c: unicodedata.combining(c) != 0)


@cache
def word_re() -> re.Pattern[str]:
    """A word: a run of letters, digits and marks (marks that survive folding, such as Indic
    vowel signs, belong to their word; "_" does not)."""
    def mark(c: str) -> bool:
        return unicodedata.category(c).startswith("M")

    astral = _char_class(mark, (cp for points in _ASTRAL_POINTS for cp in points))
    # The lookahead tests one range before the astral marks' many.
    bmp = _char_class(mark)
    return re.compile(f"(?:[^\\W_]|[{bmp}]|(?=[\U00010000-\U0010ffff])[{astral}])+")


def fold(s: str) -> str:
    """Case-fold and strip accents, so "Zürich" and "ZURICH" both become "zurich" (topics and
    search)."""
    if s.isascii():
        return s.lower()
    s = _accents()(unicodedata.normalize("NFKD", s.casefold()))
    # NFKD can expose capitals (e.g. "ℌ" -> "H"), hence a second casefold.
    return s.casefold()


def fold_marks(s: str) -> str:
    """Case-fold and strip every combining mark, the virama too (dedup's shingles).

    Differs from :func:`fold` (virama, no second casefold) for history: MinHash signatures are
    persisted, so dedup's folding can never change without re-signing the archive.
    """
    folded = unicodedata.normalize("NFKD", s.casefold())
    return folded if folded.isascii() else _combining()(folded)


# --- words, and scripts written without spaces --------------------------------------------------
# Chinese, Japanese and Thai (and Lao, Khmer, Myanmar) put no space between words, and Korean
# glues particles to its words ("우크라이나를"), so a run of such letters is no word. These runs
# are read as overlapping character bigrams, as Lucene's CJK analyzers do: "乌克兰" is the phrase
# "乌克 克兰", found inside "表示乌克兰问题" whatever surrounds it. Runs are NFKC-normalised only:
# stripping their marks would merge distinct syllables (Japanese "ガ" into "カ").
_BIGRAM_BLOCKS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u31ff"  # Bopomofo, Hangul compatibility jamo, Katakana extensions
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs
    "\ua960-\ua97f\uac00-\ud7ff"  # Hangul
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK ideographs, supplementary planes
)
_HAS_BIGRAM_SCRIPT = re.compile(f"[{_BIGRAM_BLOCKS}]")
# ... and the characters whose NFKC is in those scripts (enclosed and square CJK, half-width
# Hangul, compatibility ideographs), so that a text without any skips NFKC.
_MAY_HAVE_BIGRAM_SCRIPT = re.compile(
    f"[{_BIGRAM_BLOCKS}\u3038-\u303a\u3200-\u33ff\uff65\uffa0-\uffdc"
    "\U0001f200-\U0001f2ff\U0002f800-\U0002fa1f]"
)


@cache
def _bigram_run() -> re.Pattern[str]:
    """A run of letters and marks of those scripts (their punctuation, "。" or "・", ends it)."""
    blocks = re.compile(f"[{_BIGRAM_BLOCKS}]")

    def letter(c: str) -> bool:
        return blocks.match(c) is not None and unicodedata.category(c)[0] in "LMN"

    return re.compile(f"[{_char_class(letter)}\U00020000-\U0003134f]+")


def has_bigram_script(s: str) -> bool:
    """Whether `s` holds a letter of a script read as bigrams (CJK, Thai, Korean ...)."""
    return not s.isascii() and _HAS_BIGRAM_SCRIPT.search(s) is not None


def bigrams(run: str) -> list[str]:
    """The overlapping character bigrams of a run ("乌克兰" -> ["乌克", "克兰"]); one
    character is its own token."""
    run = unicodedata.normalize("NFKC", run)
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


def segments(s: str) -> Iterator[tuple[str, int, int, bool]]:
    """`s` cut into (piece, start, end, bigram_script): runs of the scripts read as bigrams and
    the text between them, in order, covering `s`."""
    pos = 0
    for m in _bigram_run().finditer(s):
        if m.start() > pos:
            yield s[pos : m.start()], pos, m.start(), False
        yield m.group(), m.start(), m.end(), True
        pos = m.end()
    if pos < len(s):
        yield s[pos:], pos, len(s), False


def script_pieces(s: str) -> list[tuple[str, bool]] | None:
    """`s` (NFKC) cut into (piece, bigram_script) as :func:`segments` does, or None when it
    holds no script read as bigrams. NFKC first, so that "㌀" or half-width "ｱ" count as the
    Katakana they stand for."""
    if s.isascii() or _MAY_HAVE_BIGRAM_SCRIPT.search(s) is None:
        return None
    s = unicodedata.normalize("NFKC", s)
    if _HAS_BIGRAM_SCRIPT.search(s) is None:
        return None
    return [(piece, bigram) for piece, _, _, bigram in segments(s)]


def words(s: str) -> list[str]:
    """The folded words of `s`: runs of letters and digits ("pro-Moscow" -> ["pro", "moscow"]),
    and the bigrams of runs in scripts without spaces."""
    pieces = script_pieces(s)
    if pieces is None:
        return word_re().findall(fold(s))
    found: list[str] = []
    for piece, bigram in pieces:
        found.extend(bigrams(piece) if bigram else word_re().findall(fold(piece)))
    return found


def word_spans(s: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each of :func:`words`, with offsets into `s` itself: a bigram
    spans its two characters (its whole run when NFKC changed the run's length)."""
    spans: list[tuple[str, int, int]] = []
    pieces = segments(s) if has_bigram_script(s) else iter([(s, 0, len(s), False)])
    for piece, start, end, bigram in pieces:
        if bigram:
            grams = bigrams(piece)
            exact = len(grams) == max(len(piece) - 1, 1)
            spans.extend(
                (g, start + i, start + i + len(g)) if exact else (g, start, end)
                for i, g in enumerate(grams)
            )
            continue
        for m in word_re().finditer(piece):
            spans.extend((w, start + m.start(), start + m.end()) for w in words(m.group()))
    return spans


# --- hashes -------------------------------------------------------------------------------------
def content_hash(title: str | None, text: str) -> str:
    """SHA-256 (hex) of the normalised title and text, separated by a blank line."""
    return _content_digest(title, normalise_text(text))


def text_hashes(title: str | None, text: str) -> tuple[str, str]:
    """(`content_hash(title, text)`, SHA-256 of the normalised text), normalising `text` once."""
    normal = normalise_text(text)
    return _content_digest(title, normal), hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _content_digest(title: str | None, normal_text: str) -> str:
    payload = f"{normalise_text(title or '')}\n\n{normal_text}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- stems --------------------------------------------------------------------------------------
# ISO 639-1 codes for the Snowball stemmers' names, so a topic may say "ru" or "russian".
_LANGUAGE_CODES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "nb": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def stemming_language(name: str) -> str:
    """The Snowball stemmer's name for `name` (a name or an ISO 639-1 code); ValueError lists
    the choices when there is no stemmer for it."""
    import snowballstemmer  # only topics that ask for stemming pay for the import

    wanted = name.strip().lower()
    wanted = _LANGUAGE_CODES.get(wanted, wanted)
    known = snowballstemmer.algorithms()
    if wanted not in known:
        raise ValueError(f"no stemmer for language {name!r}; choose one of: {', '.join(known)}")
    return str(wanted)


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    import snowballstemmer

    stem: Callable[[str], str] = snowballstemmer.stemmer(stemming_language(language)).stemWord
    # Bounded: a daemon meets new words for months.
    return lru_cache(maxsize=200_000)(stem)


def stem_words(language: str, folded: Sequence[str]) -> tuple[str, ...]:
    """Each folded word reduced to its Snowball stem ("украине" and "украина" to "украин");
    bigrams of scripts without spaces are left as they are."""
    stem = _stemmer(language)
    return tuple(w if has_bigram_script(w) else stem(w) for w in folded)
