"""The operator's email about a source's health: it turned unhealthy, or it recovered."""

from __future__ import annotations

import json
from html import escape

from crawler.alerts.render import SUBJECT_PREFIX, Rendered, one_line


def render_health(payload: str) -> Rendered:
    """Subject `[newsmon] source NAME: unhealthy` (or `recovered`), what is wrong, what to do."""
    data = json.loads(payload or "{}")
    name = one_line(str(data.get("source", "?")), 120)
    state = "recovered" if data.get("state") == "recovered" else "unhealthy"
    problems = [one_line(str(p), 300) for p in data.get("problems") or []]
    if state == "recovered":
        lines = [f"The source {name!r} is healthy again."]
    else:
        lines = [f"The source {name!r} turned unhealthy:", *(f"  - {p}" for p in problems)]
        lines += [
            "",
            f'See `newsmon stats` and `newsmon sources check "{name}"`: a feed that moved, a '
            "template change that leaves stubs, or a robots.txt that now forbids the crawler.",
        ]
    if data.get("last_success_at"):
        lines.append(f"Last successful poll: {data['last_success_at']}")
    text = "\n".join(lines) + "\n"
    html = "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{html}</body></html>'
    return Rendered(f"{SUBJECT_PREFIX} source {name}: {state}", text, page)
