"""Alert email content: view models, jinja2 templates, safe headers and the MIME message."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT_PREFIX = "[newsmon]"
# Headlines longer than this are cut in the subject (mail clients show about 70 characters).
SUBJECT_HEADLINE_CHARS = 150
# An update email lists at most this many added and removed sentences each.
MAX_SENTENCES = 10
# Bidirectional overrides and isolates can make a headline display as something else.
_BIDI = dict.fromkeys(
    map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None
)


@dataclass(frozen=True)
class StoryView:
    """One story as an email lists it; every string here may come from a web page."""

    headline: str
    source: str
    when: datetime | None
    url: str
    snippet: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    other_copies: int = 0


@dataclass(frozen=True)
class UpdateView:
    """A material change of an alerted story's article."""

    old_headline: str
    new_headline: str
    source: str
    when: datetime | None
    url: str
    version: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# -- cleaning ------------------------------------------------------------------------------------
def clean_text(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and bidi overrides from page text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def one_line(text: str, limit: int | None = None) -> str:
    """Fold to one line for a header: no CR, LF or control characters, whitespace collapsed."""
    text = " ".join(clean_text(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return text


def safe_href(url: str) -> str | None:
    """The URL when it may be a link target (http or https); None otherwise."""
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def subject_for(topic: str, headlines: Sequence[str], *, update: bool = False) -> str:
    """`[newsmon] <topic>: <headline>`, `... N new stories` or `... updated: <headline>`."""
    name = one_line(topic, 80)
    if update:
        return f"{SUBJECT_PREFIX} {name}: updated: {one_line(headlines[0], SUBJECT_HEADLINE_CHARS)}"
    if len(headlines) == 1:
        return f"{SUBJECT_PREFIX} {name}: {one_line(headlines[0], SUBJECT_HEADLINE_CHARS)}"
    return f"{SUBJECT_PREFIX} {name}: {len(headlines)} new stories"


# -- template helpers ----------------------------------------------------------------------------
def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Split `text` into (piece, is_term) runs so templates can mark the terms."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos or end > len(text) or start >= end:
            continue  # overlapping or out of range: show the text unmarked rather than twice
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def format_time(value: datetime | None, tz: ZoneInfo) -> str:
    """`2024-05-14 09:30 CEST`: readable, in the configured zone, with the zone named."""
    if value is None:
        return "time unknown"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _inline(text: str) -> str:
    """Clean a piece of running text without moving its words (no trimming, no collapsing)."""
    return clean_text(text).replace("\n", " ").replace("\t", " ")


def _wrap(text: str) -> str:
    """Plain-text paragraph, indented two spaces; URLs and long words are never broken."""
    return textwrap.fill(
        text,
        width=76,
        initial_indent="  ",
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _story_context(story: StoryView, tz: ZoneInfo) -> dict[str, Any]:
    # Cleaned piece by piece: the spans index the snippet as snippet() returned it.
    pieces = [(_inline(piece), hit) for piece, hit in segments(story.snippet, story.spans)]
    return {
        "headline": one_line(story.headline) or "(no headline)",
        "source": one_line(story.source),
        "time": format_time(story.when, tz),
        "iso": story.when.astimezone(tz).isoformat() if story.when else "",
        "url": one_line(story.url),
        "href": safe_href(one_line(story.url)),
        "segments": pieces,
        "snippet_text": _wrap("".join(f"*{p}*" if hit else p for p, hit in pieces)),
        "other_copies": story.other_copies,
    }


def _update_context(update: UpdateView, tz: ZoneInfo) -> dict[str, Any]:
    def capped(items: list[str]) -> tuple[list[str], int]:
        kept = [one_line(s) for s in items[:MAX_SENTENCES]]
        return kept, max(len(items) - MAX_SENTENCES, 0)

    added, more_added = capped(update.added)
    removed, more_removed = capped(update.removed)
    return {
        "old_headline": one_line(update.old_headline) or "(no headline)",
        "new_headline": one_line(update.new_headline) or "(no headline)",
        "source": one_line(update.source),
        "time": format_time(update.when, tz),
        "url": one_line(update.url),
        "href": safe_href(one_line(update.url)),
        "version": update.version,
        "added": added,
        "more_added": more_added,
        "removed": removed,
        "more_removed": more_removed,
    }


# -- rendering -----------------------------------------------------------------------------------
def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)  # everything from pages is escaped


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    text = _TEXT.get_template(f"{name}.txt.j2").render(context)
    html = _HTML.get_template(f"{name}.html.j2").render(context)
    return text, html


def render_stories(
    topic: str, stories: Sequence[StoryView], tz: ZoneInfo, *, digest_day: date | None = None
) -> Rendered:
    """The new-stories email, or the daily digest when `digest_day` is given."""
    context = {
        "topic": one_line(topic),
        "stories": [_story_context(s, tz) for s in stories],
        "day": digest_day.isoformat() if digest_day else "",
        "zone": str(tz),
    }
    text, html = _render("digest" if digest_day else "new", context)
    return Rendered(subject_for(topic, [s.headline for s in stories]), text, html)


def render_update(topic: str, update: UpdateView, tz: ZoneInfo) -> Rendered:
    context = {"topic": one_line(topic), "update": _update_context(update, tz)}
    text, html = _render("update", context)
    return Rendered(subject_for(topic, [update.new_headline], update=True), text, html)


def render_test(sample: StoryView, tz: ZoneInfo, settings: dict[str, str]) -> Rendered:
    """The test email: the SMTP settings in use (never the password) and a sample story."""
    context = {"story": _story_context(sample, tz), "settings": settings}
    text, html = _render("test", context)
    return Rendered(f"{SUBJECT_PREFIX} test email", text, html)


_ADDR = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) with single-line, encoded headers.

    :param sender: the From header (`addr` or `Name <addr>`), from the configuration
    :param to: one recipient address
    :param message_id: `<...@domain>`, from `email.utils.make_msgid`
    """
    if not _ADDR.match(to):
        raise ValueError(f"not an email address: {to!r}")
    # policy.SMTP: CRLF line ends, RFC 2047 for non-ASCII, and an error (not a new header)
    # if a CR or LF ever reached a header value.
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = one_line(sender)
    msg["To"] = to
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
