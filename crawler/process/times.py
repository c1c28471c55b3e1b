"""A page's publication time from its candidates, with their offsets kept (pure).

JSON-LD `datePublished` of the page's article object comes first, then the meta tags, then
microdata: another date elsewhere on the page must not beat the page's own JSON-LD. A naive
time is never read as UTC when another candidate gives the same clock time with an offset:
it takes that offset (and the source learns it). A naive time with no such witness takes the
source's learned offset, else UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from lxml.html import HtmlElement

from crawler.process import jsonld
from crawler.process.profile import NO_PROFILE, OFFSET, Fact, SourceProfile

# Where a page states its publication time itself, in order.
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
)
_JSON_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
SAME_CLOCK = timedelta(minutes=1)
# The widest offset from UTC: a naive time this near an aware one may be that one, local.
_MAX_OFFSET = timedelta(hours=14)


@dataclass
class Published:
    """The time chosen and the facts it teaches about the source."""

    at: datetime | None
    facts: list[Fact] = field(default_factory=list)


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 or RFC 2822 time, naive when it gives no offset; None if unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None


def _meta_times(tree: HtmlElement) -> list[datetime]:
    wanted = {name: i for i, name in enumerate(PUBLISHED_META)}
    found: list[tuple[int, datetime]] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in wanted and (parsed := parse_time(meta.get("content"))):
            found.append((wanted[key], parsed))
    return [t for _, t in sorted(found, key=lambda pair: pair[0])]


def candidates(tree: HtmlElement) -> list[datetime]:
    """The page's publication times, best first: JSON-LD, meta tags, microdata."""
    out = []
    art = jsonld.article(tree)
    if art and isinstance(art.get("datePublished"), str):
        out.append(parse_time(art["datePublished"]))
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        for match in _JSON_PUBLISHED.finditer(str(script)):
            out.append(parse_time(match.group(1)))
    out.extend(_meta_times(tree))
    for el in tree.xpath("//*[@itemprop='datePublished'][@datetime]|//time[@pubdate][@datetime]"):
        out.append(parse_time(el.get("datetime")))
    return [t for t in out if t is not None]


def _naive_clock(t: datetime) -> datetime:
    return t.replace(tzinfo=None)


def _witness(naive: datetime, aware: list[datetime]) -> datetime | None:
    """An aware candidate with the naive one's clock time (its offset is the naive one's)."""
    for other in aware:
        if abs(_naive_clock(other) - naive) <= SAME_CLOCK:
            return naive.replace(tzinfo=other.tzinfo)
    return None


def _minutes(t: datetime) -> str:
    offset = t.utcoffset() or timedelta(0)
    return str(int(offset.total_seconds() // 60))


def choose(
    tree: HtmlElement, profile: SourceProfile = NO_PROFILE, witness: datetime | None = None
) -> Published:
    """The page's declared publication time (aware), or None if it declares none.

    :param witness: another aware time of the article (its feed entry's): it gives a naive
        page time its offset as a candidate on the page does, but is never chosen first.
    """
    found = candidates(tree)
    if not found:
        return Published(None)
    aware = [t for t in found if t.tzinfo is not None]
    if witness is not None and witness.tzinfo is not None:
        aware.append(witness)
    facts: list[Fact] = []
    for t in found:
        if t.tzinfo is None and (w := _witness(t, aware)) and not _is_midnight(t):
            facts.append((OFFSET, _minutes(w)))
            break
    first = found[0]
    if first.tzinfo is not None:
        return Published(first, facts)
    if witnessed := _witness(first, aware):
        return Published(witnessed, facts)
    same_day = [t for t in aware if t.date() == first.date()]
    if _is_midnight(first) and same_day:  # a date alone: that day's time is better
        return Published(same_day[0], facts)
    near = [t for t in aware if _same_moment(first, t)]
    if near:
        # the naive time is the same moment on the local clock: the aware one gives its zone
        gap = first.replace(tzinfo=UTC) - near[0]
        facts.append((OFFSET, str(int(gap.total_seconds() // 60))))
        return Published(first.replace(tzinfo=timezone(gap)), facts)  # the page's own clock
    if profile.utc_offset is not None and not _is_midnight(first):  # a date alone is UTC
        zone = timezone(timedelta(minutes=profile.utc_offset))
        return Published(first.replace(tzinfo=zone), facts)
    return Published(first.replace(tzinfo=UTC), facts)


def _same_moment(naive: datetime, aware: datetime) -> bool:
    """Whether an aware time may be a naive one read in some zone: at most 14 hours apart,
    by a whole number of quarter hours (zones' offsets are), and neither a date alone."""
    gap = naive.replace(tzinfo=UTC) - aware
    return (
        abs(gap) <= _MAX_OFFSET
        and gap % timedelta(minutes=15) == timedelta(0)
        and not _is_midnight(naive)
        and not _is_midnight(aware)
    )


def _is_midnight(t: datetime) -> bool:
    return (t.hour, t.minute, t.second) == (0, 0, 0)
