"""Decoding an HTML body as browsers do (WHATWG order), surviving mislabelled pages."""

from __future__ import annotations

import codecs

import charset_normalizer
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)


def _is_utf8(body: bytes) -> bool:
    """Whether `body` is UTF-8, allowing a character cut at the end by a size limit."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """The Content-Type charset, then the <meta> one (first 4096 bytes), known labels only."""
    header = http_content_type_encoding(content_type)
    # WHATWG: the bare "utf-16" label means little-endian (Python would assume native order)
    declared = ["utf-16-le" if header == "utf-16" else header]
    meta = _meta_encoding(body)
    # WHATWG: a <meta> cannot switch an ASCII-compatible document to UTF-16/32
    declared.append("utf-8" if meta and meta.startswith(("utf-16", "utf-32")) else meta)
    return [encoding for encoding in declared if encoding]


def _meta_encoding(body: bytes) -> str | None:
    """The <meta> charset of the first 4096 bytes, or None.

    The scan is given whole tags only: w3lib 2.6 scans in Rust (frostwork), which panics on a
    body cut inside a tag, and pyo3's PanicException is a BaseException. Should another input
    make it panic, the page is read as if it declared nothing.
    """
    head = body[:4096]
    head = head[: head.rfind(b">") + 1]
    try:
        return html_body_declared_encoding(head)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - the panic is not an Exception
        return None


def _mostly_latin(text: str) -> bool:
    """Whether `text` (a body read as windows-1252) reads as Western words ("café", "Größe").

    Cyrillic, Greek or CJK bytes read so give runs of accented letters with no ASCII letter
    beside them; Central European ones give symbols inside words ("Za¿ó³æ" for "Zażółć").
    """
    high = [i for i, ch in enumerate(text) if ord(ch) > 127 and ch.isalpha()]
    beside_ascii = sum(_ascii_letter(text, i - 1) or _ascii_letter(text, i + 1) for i in high)
    inside_word = sum(
        1
        for i, ch in enumerate(text)
        if "\u00a1" <= ch <= "\u00bf"
        and ch != "\u00b7"
        and _letter(text, i - 1)
        and _letter(text, i + 1)
    )
    undefined = "\ufffd" in text  # bytes windows-1252 leaves undefined
    return not undefined and beside_ascii >= len(high) / 2 and inside_word * 20 <= len(high)


def _letter(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalpha()


def _ascii_letter(text: str, i: int) -> bool:
    return _letter(text, i) and text[i].isascii()


def _detected_encoding(body: bytes) -> str:
    sample = body[:65536]
    # charset_normalizer is unreliable on short Western text (it reads latin-1 French as
    # cp1250, German as mac_iceland), so windows-1252 is kept when it reads as Latin words.
    if _mostly_latin(sample.decode("cp1252", errors="replace")):
        return "cp1252"
    matches = list(charset_normalizer.from_bytes(sample))
    # among equally clean decodings, one that reads as a known language is the better guess
    for match in matches:
        if match.language != "Unknown":
            return match.encoding
    return matches[0].encoding if matches else "cp1252"


def _choose_encoding(body: bytes, content_type: str | None) -> str:
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return bom_encoding
    if not body.isascii() and _is_utf8(body):
        # Non-ASCII text that is valid UTF-8 is UTF-8 whatever the label says: no real legacy
        # text forms valid multi-byte sequences, while stale legacy labels on UTF-8 pages
        # (templates, converted archives) are common.
        return "utf-8"
    declared = _declared_encodings(body, content_type)
    for encoding in declared:
        # a label the body breaks (typically a server-wide "charset=utf-8" on a legacy page)
        # gives way to the next declaration
        if _decodes(body, encoding):
            return encoding
    return _detected_encoding(body)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML body as browsers do, and survive mislabelled pages.

    WHATWG order: byte-order mark, Content-Type charset, <meta charset> or <meta http-equiv>,
    detection (charset_normalizer), windows-1252. Two guards handle mislabelled pages: a
    non-ASCII body that is valid UTF-8 is read as UTF-8, and a declared encoding the body
    does not decode under is skipped. w3lib's html_to_unicode has the order but not the
    guards, so its parts are used; its <meta> scan reads 4096 bytes, not the prescan's 1024,
    which matches browsers re-decoding when their parser meets a late <meta> in <head>.
    Undecodable bytes become U+FFFD; this never raises.

    :param body: the raw (decompressed) response body.
    :param content_type: the Content-Type header value, if any.
    """
    encoding = _choose_encoding(body, content_type)
    text = to_unicode(body, encoding)
    return text[1:] if text.startswith("\ufeff") else text
