"""Text normalisation: typography folded (quotes, dashes, invisible characters), lines cleaned,
and the hashes of a normalised text."""

from __future__ import annotations

import hashlib
import unicodedata

# Unicode dash punctuation (category Pd) and the minus sign, all compared as "-".
_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\u2212"
)


_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": "'",
           "\u203a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
           "\u00ab": '"', "\u00bb": '"'}  # fmt: skip


# Invisible characters that differ between copies of one text: zero-width space, non-joiner,
# joiner, word joiner, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"


_FOLD_TABLE = str.maketrans(
    {**dict.fromkeys(_DASHES, "-"), **_QUOTES, **dict.fromkeys(_INVISIBLE, None)}
)


def clean_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def normalise_text(s: str) -> str:
    """Normalise text for comparing versions and hashing.

    NFKC, curly quotes folded to straight ones, every dash to "-", zero-width characters and
    soft hyphens dropped, whitespace collapsed within each line, lines stripped; line breaks
    are kept but empty lines dropped, so re-wrapping paragraphs is a change and blank lines
    are not.
    """
    folded = unicodedata.normalize("NFKC", s).translate(_FOLD_TABLE)
    return clean_lines(folded)


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


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of `text`, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]
