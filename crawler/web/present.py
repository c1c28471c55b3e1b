"""Pure helpers that turn view data into what the templates draw: SVG geometry, diffs,
snippets, pages. No database, no Starlette."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from crawler.text.diffing import word_diff

CHART_WIDTH, CHART_HEIGHT = 600, 90
TIMELINE_WIDTH = 600
# crawler.archive.search marks the matched words of a snippet with these brackets.
_HIT = re.compile(r"\[([^\[\]]*)\]")


def bar_chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars of a per-day count chart: one rect per day scaled to the busiest day."""
    top = max((d["matches"] for d in days), default=0)
    slot = CHART_WIDTH / max(1, len(days))
    bars = []
    for i, d in enumerate(days):
        h = round((CHART_HEIGHT - 4) * d["matches"] / top, 1) if top else 0
        bars.append(
            {
                "x": round(i * slot + 1, 1),
                "y": round(CHART_HEIGHT - h, 1),
                "w": round(slot - 2, 1),
                "h": h,
                "label": f"{d['day']}: {d['matches']} matches",
            }
        )
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "top": top}


def timeline(copies: list[dict[str, Any]]) -> dict[str, Any]:
    """Dots of a story's copies along one axis from the first copy's time to the last's."""
    times = [_when(c) for c in copies]
    known = [t for t in times if t is not None]
    first, last = (min(known), max(known)) if known else (None, None)
    span = (last - first).total_seconds() if first and last else 0.0
    dots = []
    for copy, when in zip(copies, times, strict=True):
        share = (when - first).total_seconds() / span if when and first and span else 0.0
        dots.append(
            {
                "x": round(10 + share * (TIMELINE_WIDTH - 20), 1),
                "canonical": copy["canonical"],
                "label": f"{copy['source']}: {when.isoformat() if when else 'time unknown'}",
            }
        )
    return {"width": TIMELINE_WIDTH, "dots": dots, "first": first, "last": last}


def _when(copy: dict[str, Any]) -> datetime | None:
    value = copy.get("published_at") or copy.get("first_seen_at")
    return datetime.fromisoformat(value) if value else None


def version_diffs(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each version with the word diff of its title and text against the one before."""
    out = []
    previous: dict[str, Any] | None = None
    for v in history:
        entry = dict(v)
        if previous is not None:
            entry["title_diff"] = word_diff(previous["title"] or "", v["title"] or "")
            entry["text_diff"] = word_diff(previous["text"], v["text"])
        else:
            entry["title_diff"] = entry["text_diff"] = None
        out.append(entry)
        previous = v
    return out


def snippet_parts(snippet: str) -> list[tuple[bool, str]]:
    """A search snippet as (is_hit, text) pieces, so the template escapes every piece."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _HIT.finditer(snippet):
        if m.start() > pos:
            parts.append((False, snippet[pos : m.start()]))
        parts.append((True, m.group(1)))
        pos = m.end()
    if pos < len(snippet):
        parts.append((False, snippet[pos:]))
    return parts


def page_number(raw: str | None) -> int:
    """The ?page= parameter: a positive integer, anything else is page 1."""
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


def http_url(value: str | None) -> str:
    """An archived URL fit for an href: http(s) only, so no `javascript:` link is ever made."""
    if value and value.lower().startswith(("http://", "https://")):
        return value
    return ""
