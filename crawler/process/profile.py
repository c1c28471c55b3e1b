"""What is learned of one source's pages (headline, byline, time zone, site affixes) (pure).

Each page reports facts, (kind, value) pairs: which headline candidates agreed with the page's
consensus headline, which byline sources agreed on its authors, the site segment its <title>
carried, the offset a naive time had where another candidate gave the same clock time with an
offset. The archive counts them per source; `learn` turns the counts into a `SourceProfile`,
which extraction applies to the later pages of the source where one page alone is ambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Fact kinds.
HEADLINE = "headline"  # value: a candidate, one of HEADLINE_CANDIDATES
AFFIX = "affix"  # value: a site segment of <title>/og:title, folded ("rp.pl")
BYLINE = "byline"  # value: a byline source, one of BYLINE_SOURCES
OFFSET = "offset"  # value: minutes east of UTC, e.g. "120"

HEADLINE_CANDIDATES = ("jsonld", "og", "h1", "title")
BYLINE_SOURCES = ("jsonld", "meta", "dom")

# A fact seen on this many pages of a source is learned (as boilerplate lines are).
MIN_DOCS = 3

Fact = tuple[str, str]


@dataclass(frozen=True)
class SourceProfile:
    """What extraction may assume of a source's pages."""

    headline: str | None = None  # the candidate that gives this site's headline
    affixes: frozenset[str] = frozenset()  # folded site segments of its <title>/og:title
    byline: str | None = None  # the byline source that names this site's authors
    utc_offset: int | None = None  # minutes; the zone of the naive times its pages give

    def __bool__(self) -> bool:
        return bool(self.headline or self.affixes or self.byline or self.utc_offset is not None)


NO_PROFILE = SourceProfile()


def _best(counts: Mapping[Fact, int], kind: str, order: tuple[str, ...]) -> str | None:
    """The value of `kind` seen on most pages (ties in `order`), if on MIN_DOCS of them and on
    at least half the pages that gave that kind of fact."""
    seen = {value: n for (k, value), n in counts.items() if k == kind and value in order}
    if not seen:
        return None
    top = max(seen.values())
    best = next(v for v in order if seen.get(v) == top)
    return best if top >= MIN_DOCS else None


def learn(counts: Mapping[Fact, int]) -> SourceProfile:
    """A source's profile from its fact counts (pages per fact)."""
    offsets = {v: n for (k, v), n in counts.items() if k == OFFSET}
    offset = None
    if offsets:
        value, n = max(offsets.items(), key=lambda item: item[1])
        # the zone must be the page's usual one: most pages that showed any offset showed it
        if n >= MIN_DOCS and n * 2 > sum(offsets.values()):
            offset = int(value)
    return SourceProfile(
        headline=_best(counts, HEADLINE, HEADLINE_CANDIDATES),
        affixes=frozenset(v for (k, v), n in counts.items() if k == AFFIX and n >= MIN_DOCS),
        byline=_best(counts, BYLINE, BYLINE_SOURCES),
        utc_offset=offset,
    )
