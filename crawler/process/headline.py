"""A page's headline from its candidates: h1, og:title, JSON-LD headline and <title> (pure).

Each candidate loses a site segment ("... - The Washington Post", "rp.pl | ...") when the
segment names the site (og:site_name, JSON-LD publisher, the host, a learned affix) or when
another candidate is the same headline without it. The headline is the text at least two
candidates agree on; without agreement, the candidate learned for the source; else JSON-LD,
og:title, the h1 (not a kicker nor the site's name), <title>.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.process import jsonld
from crawler.process.profile import AFFIX, HEADLINE, NO_PROFILE, Fact, SourceProfile
from crawler.text.normalise import normalise_text

# What stands between a headline and a site's name in <title>; ":" is not one (it is part of
# many headlines), and "_" only between CJK titles' parts, with no spaces.
_SEPARATOR = re.compile(r"\s+(?:[-|–—·•»«›‹/~]|::)\s+|\s*[|｜]\s*|_")
_WORD = re.compile(r"\w+")
_BRACKETED = re.compile(r"\s+[\[(]([^\])]+)[\])]$")
# An h1 of this few words beside a longer candidate it is not part of is a kicker or a label.
KICKER_WORDS = 3
# A "headline" longer than this is a photo caption or a teaser.
MAX_WORDS = 30
# A trailing <title> segment this short beside a twice longer headline is the site's name.
SITE_WORDS = 4


def fold(text: str) -> str:
    return " ".join(_WORD.findall(normalise_text(text).casefold()))


def _squash(text: str) -> str:
    return "".join(_WORD.findall(normalise_text(text).casefold()))


@dataclass
class Headline:
    """The chosen headline and the facts it teaches about the source."""

    title: str | None
    facts: list[Fact] = field(default_factory=list)


_LOGO = re.compile(r"logo|site-?(?:title|name)|brand|masthead", re.IGNORECASE)


def _is_logo(h1: HtmlElement) -> bool:
    """An h1 that is the site's logo: it links to the home page, or says so in its class or
    id (older themes put the site's name in the page's only h1)."""
    if _LOGO.search(f"{h1.get('class') or ''} {h1.get('id') or ''}"):
        return True
    for a in h1.iter("a"):
        href = (a.get("href") or "").strip()
        if a.get("rel") == "home" or href in ("/", "./", "index.html"):
            return True
        if href.startswith(("http://", "https://")) and urlsplit(href).path in ("", "/"):
            return True
    return False


def _h1(tree: HtmlElement) -> str | None:
    h1s = [_heading(h) for h in tree.iter("h1") if not _is_logo(h)]
    h1s = [h for h in h1s if h]
    if len(h1s) == 1:
        return h1s[0]
    for h in tree.xpath("//article//h1|//main//h1|//h1[@itemprop='headline']"):
        if not _is_logo(h) and (text := _heading(h)):
            return text
    return None


def _heading(h: HtmlElement) -> str:
    # a heading's permalink sign ("¶", "#") is no part of it
    return " ".join(h.text_content().split()).rstrip(" ¶#§")


def _meta(tree: HtmlElement, *names: str) -> str | None:
    """The first non-empty content of a <meta> named by `names`, in the order of `names`."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = " ".join((meta.get("content") or "").split())
        if key in names and key not in found and content:
            found[key] = content
    return next((found[n] for n in names if n in found), None)


def candidates(tree: HtmlElement) -> dict[str, str]:
    """The page's headline candidates, by kind."""
    art = jsonld.article(tree)
    found = {
        "jsonld": jsonld.text_of(art.get("headline")) if art else None,
        "og": _meta(tree, "og:title", "twitter:title", "parsely-title"),
        "h1": _h1(tree),
        "title": " ".join(str(tree.xpath("string((//title)[1])")).split()) or None,
    }
    return {kind: text for kind, text in found.items() if text}


def site_names(tree: HtmlElement, url: str | None) -> set[str]:
    """The site's names, squashed (letters and digits only): og:site_name, application-name,
    JSON-LD publishers, and the host with and without "www." and its public suffix."""
    names = {_meta(tree, "og:site_name"), _meta(tree, "application-name")}
    names.update(" ".join(h.text_content().split()) for h in tree.iter("h1") if _is_logo(h))
    names.update(jsonld.publisher_names(tree))
    out = {_squash(n) for n in names if n}
    host = (urlsplit(url).hostname or "") if url else ""
    host = host.removeprefix("www.")
    if host:
        out.add(_squash(host))
        out.add(_squash(host.split(".")[0]))
    return {n for n in out if len(n) >= 2}


def _is_site(
    segment: str, sites: set[str], affixes: frozenset[str], *, strict: bool = False
) -> bool:
    squashed = _squash(segment)
    if not squashed:
        return True
    if fold(segment) in affixes:
        return True
    if strict:
        return squashed in sites
    return any(squashed == s or (len(s) >= 4 and s in squashed) for s in sites) and (
        len(squashed) <= 40
    )


def _bracketed_site(segment: str, sites: set[str], affixes: frozenset[str]) -> bool:
    """A bracketed segment names the site, or begins a name of it ("[Archive of Our Own]"
    beside a logo "Archive of Our Own beta")."""
    squashed = _squash(segment)
    return bool(squashed) and (
        _is_site(segment, sites, affixes)
        or any(len(squashed) >= 8 and s.startswith(squashed) for s in sites)
    )


def strip_site(text: str, sites: set[str], affixes: frozenset[str]) -> tuple[str, str | None]:
    """`text` without a leading or trailing segment that names the site, and that segment."""
    if (box := _BRACKETED.search(text)) and _bracketed_site(box.group(1), sites, affixes):
        return text[: box.start()].strip(), box.group(1)  # "Headline [Site]"
    parts = _SEPARATOR.split(text)
    if len(parts) < 2:
        return text, None
    seps = _SEPARATOR.findall(text)
    if _is_site(parts[-1], sites, affixes) and not _is_site(parts[0], sites, affixes):
        # keep stripping trailing site segments, and the sections before the site's name:
        # "Title - Section - Site" ("... › Welt › rp.pl"; not after "_", which CJK titles
        # also use inside a name)
        end = len(parts) - 1
        while end > 1 and (
            _is_site(parts[end - 1], sites, affixes)
            or (seps[end - 2] != "_" and _section(parts[end - 1], parts[: end - 1]))
        ):
            end -= 1
        return _join(parts[:end], seps), parts[-1]
    if _is_site(parts[0], sites, affixes):
        return _join(parts[1:], seps[1:]), parts[0]
    return text, None


def _section(segment: str, before: list[str]) -> bool:
    """A short segment (SITE_WORDS words at most) after a headline twice as long."""
    words = len(fold(segment).split())
    return 0 < words <= SITE_WORDS and len(fold(" ".join(before)).split()) >= 2 * words


def _join(parts: list[str], seps: list[str]) -> str:
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=False):
        out += sep + part
    return out.strip()


def _by_agreement(text: str, others: list[str]) -> tuple[str, str | None]:
    """`text` reduced to another candidate it starts or ends with, beside a separator."""
    parts = _SEPARATOR.split(text)
    for i in range(1, len(parts)):
        head, tail = " ".join(parts[:i]), " ".join(parts[i:])
        for other in others:
            if fold(other) == fold(head) and fold(other):
                return other, tail
            if fold(other) == fold(tail) and fold(other):
                return other, head
    return text, None


def _short_tail(text: str) -> tuple[str, str | None]:
    """<title> without a short last segment ("... – My website") after a spaced separator."""
    match = list(re.finditer(r"\s+[-|–—·]\s+", text))
    if not match:
        return text, None
    head, tail = text[: match[-1].start()], text[match[-1].end() :]
    if len(fold(tail).split()) <= SITE_WORDS and len(fold(head).split()) >= 2 * len(
        fold(tail).split()
    ):
        return head.strip(), tail
    return text, None


def _without_segments(
    kind: str, text: str, found: dict[str, str], sites: set[str], affixes: frozenset[str]
) -> tuple[str, list[str]]:
    """A candidate without its site segments, and the segments that left og:title or <title>
    (the facts the source learns its affixes from): those naming the site, then those beside
    which another candidate is the whole headline ("X | World news" beside an h1 "X"), then a
    short last one of <title>."""
    stripped, segment = strip_site(text, sites, affixes)
    if kind not in ("title", "og"):
        return stripped, []
    segments = [segment] if segment else []
    others = [t for k, t in found.items() if k != kind]
    stripped, segment = _by_agreement(stripped, others)
    segments += [segment] if segment else []
    if not segments and kind == "title":
        stripped, segment = _short_tail(stripped)
        segments += [segment] if segment else []
    return stripped, segments


def choose(tree: HtmlElement, url: str | None, profile: SourceProfile = NO_PROFILE) -> Headline:
    """The page's headline and the facts it shows about the source."""
    found = candidates(tree)
    if not found:
        return Headline(None)
    sites = site_names(tree, url)
    clean: dict[str, str] = {}
    facts: list[Fact] = []
    for kind, text in found.items():
        clean[kind], segments = _without_segments(kind, text, found, sites, profile.affixes)
        facts.extend((AFFIX, fold(seg)) for seg in segments if fold(seg))
    clean = {k: t for k, t in clean.items() if not _is_site(t, sites, frozenset(), strict=True)}
    title = _consensus(clean, facts) or _fallback(clean, profile)
    return Headline(title, sorted(set(facts)))


def _consensus(clean: dict[str, str], facts: list[Fact]) -> str | None:
    """The text that most candidates (two at least) agree on, as the best of them writes it."""
    groups: dict[str, list[str]] = {"": []}
    for kind, text in clean.items():
        key = _untruncated(text, clean.values())
        if kind == "h1":
            key = _without_kicker(key, clean.values())
        groups.setdefault(key, []).append(kind)
    key, kinds = max(groups.items(), key=lambda item: len(item[1]))
    if len(kinds) < 2 or not key:
        return None
    facts.extend((HEADLINE, kind) for kind in kinds)
    # candidates() lists them best written first; a cut one is not the headline
    return next((clean[k] for k in kinds if fold(clean[k]) == key), clean[kinds[0]])


# JSON-LD headlines are cut for search engines (110 characters), og:title and <title> too,
# with or without an ellipsis: a cut one this long agrees with the whole one.
CUT_CHARS = 95


def _untruncated(text: str, others: Iterable[str]) -> str:
    """`text` folded; or, when it is cut (it ends with an ellipsis, or is CUT_CHARS long)
    and another candidate continues it, the other one folded."""
    mine = fold(text)
    ellipsis = text.rstrip().endswith(("...", "…"))
    if not (ellipsis or len(text) >= CUT_CHARS) or len(mine.split()) < KICKER_WORDS:
        return mine
    start = mine if ellipsis else mine + " "  # an ellipsis may cut a word
    longer = [fold(o) for o in others if fold(o).startswith(start) and fold(o) != mine]
    return max(longer, key=len) if longer else mine


def _without_kicker(h1: str, others: Iterable[str]) -> str:
    """A folded h1 that is another candidate after a kicker of KICKER_WORDS words at most
    ("<h1><span>Analysis</span> Talks resume...</h1>"): that candidate folded."""
    for other in map(fold, others):
        extra = h1.removesuffix(" " + other)
        if extra != h1 and len(other.split()) > KICKER_WORDS >= len(extra.split()):
            return other
    return h1


def _fallback(clean: dict[str, str], profile: SourceProfile) -> str | None:
    """Without agreement: the learned candidate, else JSON-LD, og:title, the h1 (not a
    kicker, a label or a caption), <title>."""
    if profile.headline and profile.headline in clean:
        return clean[profile.headline]
    h1 = clean.get("h1")
    if h1 is not None and not _plausible_h1(h1, clean):
        del clean["h1"]
    for kind in ("jsonld", "og", "h1", "title"):
        if kind in clean:
            return clean[kind]
    return None


def _plausible_h1(h1: str, clean: dict[str, str]) -> bool:
    """Not a kicker ("Analysis") beside a longer candidate, nor a photo caption, nor a label
    ("Allergies Health Center") beside a longer <title> that shares at most half its words."""
    words = fold(h1).split()
    longest = max((len(fold(t).split()) for k, t in clean.items() if k != "h1"), default=0)
    if len(words) <= KICKER_WORDS < longest or len(words) > MAX_WORDS:
        return False
    title = fold(clean.get("title", "")).split()
    shared = len(set(words) & set(title))
    return not (len(title) > len(words) and shared * 2 <= len(set(words)))
