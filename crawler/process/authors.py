"""A page's authors: people named by its JSON-LD, meta tags and byline, cleaned (pure).

Each source's names are cleaned alike: "By", dates, times and job titles cut off; "A, B and
C" split into three; "Brazil, Rachel" (one word, a comma, a name) read as one person, not flipped
and split; organisations and the site's own names dropped. The names that two sources agree
on win; without agreement, the source learned for the site; else JSON-LD, meta, byline.
"""

from __future__ import annotations

import re
from html import unescape
from itertools import islice
from typing import Any

from lxml.html import HtmlElement

from crawler.process import jsonld
from crawler.process.byline import byline_groups
from crawler.process.profile import BYLINE, NO_PROFILE, Fact, SourceProfile

_META_AUTHOR = frozenset(
    {
        "author",
        "article:author",
        "dc.creator",
        "dc:creator",
        "dcterms.creator",
        "citation_author",
        "parsely-author",
        "sailthru.author",
        "byl",
        "cxenseparse:author",
    }
)
_WRITTEN_BY = frozenset(
    {"written by", "author", "authors", "by", "autor", "auteur", "geschrieben von", "escrito por",
     "écrit par", "scritto da", "door", "napisane przez"}
)  # fmt: skip
_PREFIX = re.compile(
    r"^\s*(?:(?:written|reported|text|words|story|posted|published)\s+by|by|von|par|por|door|"
    r"(?-i:av|af|di|da|od)|автор|text:|texto:|autor:|author:|作者[:：]?|记者|文[/／:：]?)\s*",
    re.IGNORECASE,
)
# "and" in the languages of the bylines seen (Czech "a", Russian "и", Turkish "ve"...), and
# the ideographic comma between Chinese names.
_SPLIT = re.compile(
    r"\s*(?:[,;|&/·•、，；]|\s(?:and|und|y|et|e|i|og|en|avec|with|mit|con|och|a|и|і|та|ve|ja|"
    r"és|și|dan|và|και)\s|"
    r"(?:edited|photos?|photographs|illustrations?|additional reporting|reporting)\s+by)\s*",
    re.IGNORECASE,
)
_MONTHS = (
    r"jan(?:uary|vier|uar)?|feb(?:ruary|ruar)?|f[eé]v(?:rier)?|mar(?:ch|s|z)?|m[äa]rz|apr(?:il)?|"
    r"avr(?:il)?|may|mai|june?|juin|juni|july|juil(?:let)?|juli|aug(?:ust)?|ao[uû]t|"
    r"sep(?:t|tember|tembre)?|oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre)?|"
    r"dec(?:ember)?|d[eé]c(?:embre)?|dez(?:ember)?|enero|febrero|marzo|abril|mayo|junio|"
    r"julio|agosto|septiembre|octubre|noviembre|diciembre"
)
# Where a byline's name ends: a date, a weekday, a time, "updated", "hours ago", a job title.
_TAIL = re.compile(
    rf"\s+(?:(?:{_MONTHS})\.?\s+\d|\d|updated\b|published\b|posted\b|hours?\b|minutes?\b|"
    r"před\b|vor\b|il\s+y\s+a\b|hace\b|senior\b|chief\b|staff\b|games?\s+editor|editor\b|"
    r"correspondent\b|reporter\b|columnist\b|contributor\b|writer\b|journalist\b|"
    r"redakteur|redaktorka?\b|updated:|기자|특파원|记者|記者|特派员|编辑|корреспондент|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?:mon|diens|donners|frei|sams|sonn)tag\b|"
    r"mittwoch\b|lundi\b|mardi\b|mercredi\b|jeudi\b|vendredi\b|samedi\b|dimanche\b)",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S+@\S+|https?://\S+|@\w+")
_ORG_WORDS = re.compile(
    r"\b(?:news|newsroom|agency|agencies|press|staff|team|desk|redaktion|redacci[oó]n|"
    r"r[ée]daction|redazione|media|online|contributors|wikipedia|wikimedia|editorial|"
    r"editors|associated|reuters|afp|dpa|ap|efe|ansa|pti|ians|xinhua|tass|bloomberg|"
    r"group|inc|ltd|gmbh|corporation|company|magazine|daily|times|post|herald|journal|"
    r"tribune|gazette|guardian|telegraph|username|authority|control|admin|administrator|"
    r"about|author|authors|more|follow|view|profile|subscribe|business|sports?|politics|"
    r"entertainment|network|radio|television|tv|wire|bureau|service|channel|broadcasting|"
    r"publishing|presse|prensa|stampa|agence|agencia|agenzia|ag[êe]ncia|redakcja|redakce|"
    r"redactie|toimitus|редакция|редакція)\b",
    re.IGNORECASE,
)
# "Jane Doe in Kyiv", "Anna Roth aus Berlin": the name ends before the place it was filed from.
_PLACE_WORDS = frozenset({"in", "from", "aus", "à", "desde", "em", "w", "we"})
# Words left at the end of a name cut before an organisation ("Jane Doe of the Associated
# Press", "Jane Doe for CNN").
_FILLER = frozenset(
    {"the", "of", "at", "for", "für", "pour", "la", "el", "le", "der", "die", "das"}
)
# Lower-case words of names ("Michiel de Jong").
_PARTICLES = frozenset(
    {"de", "da", "di", "del", "van", "von", "der", "den", "la", "le", "bin", "al"}
)
_ROMAN = frozenset({"II", "III", "IV"})
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
MAX_WORDS = 5


def _clean_one(part: str) -> str | None:
    part = _PREFIX.sub("", part)
    cut = _TAIL.split(" " + part, maxsplit=1)[0].strip(" -–—:,.")
    if not cut:
        return None  # a role, a date or a time with no name before it ("Senior Reporter")
    # "Jane Reporter" is a name: a cut that leaves one word took the surname
    part = cut if len(cut.split()) >= 2 or _CJK.search(cut) else part.strip(" -–—:,.")
    part = " ".join(part.split())
    if not _LETTER.search(part) or len(part.split()) > MAX_WORDS + 3:
        return None
    part = _before_place(part)
    if org := _ORG_WORDS.search(part):
        # "Jane Doe Associated Press", "Jane Doe View profile": the person before the rest
        head = _unfilled(part[: org.start()].split())
        if len(head) < 2 or not all(w[:1].isupper() or w in _PARTICLES for w in head):
            return None  # what comes before is no name ("Sign up for more")
        part = " ".join(head)
    part = _without_acronym(part)
    if len(part.split()) > MAX_WORDS:
        return None
    if len(part.split()) == 1 and not _CJK.search(part):
        return None  # a handle, a role or an agency's initials, not a person's name
    if part.isupper() or part.islower():
        part = part.title()
    return part


def _before_place(part: str) -> str:
    words = part.split()
    for i in range(2, len(words) - 1):
        if words[i] in _PLACE_WORDS and words[i + 1][:1].isupper():
            return " ".join(words[:i])
    return part


def _without_acronym(part: str) -> str:
    """ "Jane Doe CNN" without its trailing acronym (not a whole name in capitals, not "III")."""
    words = part.split()
    last = words[-1] if words else ""
    acronym = last.isupper() and last.isalpha() and len(last) >= 2 and last not in _ROMAN
    if len(words) >= 3 and acronym and not part.isupper():
        return " ".join(_unfilled(words[:-1]))
    return part


def _unfilled(words: list[str]) -> list[str]:
    while words and words[-1].casefold() in _FILLER:
        words = words[:-1]
    return words


def clean_names(raw: str | None) -> list[str]:
    """The people a byline names, cleaned, in order."""
    if not raw:
        return []
    text = " ".join(_PARENS.sub(" ", unescape(raw)).split())
    out: list[str] = []
    for piece in re.split(r"\s*;\s*", _PREFIX.sub("", text)):
        comma = [p.strip() for p in piece.split(",")]
        if len(comma) == 2 and len(comma[0].split()) == 1 and not _SPLIT.search(comma[1]):
            piece = f"{comma[1]} {comma[0]}"  # "Brazil, Rachel": one person, last name first
        for part in _SPLIT.split(piece):
            name = _clean_one(part)
            if name and name.casefold() not in {n.casefold() for n in out}:
                out.append(name)
    return out


def _json_names(value: Any, tree: HtmlElement) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = _person(item, tree)
        if isinstance(item, str):
            out.extend(clean_names(item))
    return out


def _person(item: dict[str, Any], tree: HtmlElement) -> str | None:
    """A JSON-LD author object's name: its own, else that of the object its "@id" refers to
    (Yoast's WordPress graphs name the Person once and refer to it), else given and family
    names; None for an organisation."""
    ref = item.get("@id")
    if not item.get("name") and isinstance(ref, str):
        found = (o for o in jsonld.objects(tree) if o.get("@id") == ref and o is not item)
        item = next(found, item)
    if jsonld.types(item) & {"organization", "newsmediaorganization", "corporation"}:
        return None
    name = jsonld.text_of(item.get("name"))
    if name is None and isinstance(item.get("familyName"), str):
        name = f"{jsonld.text_of(item.get('givenName')) or ''} {item['familyName']}"
    return name


def _meta_names(tree: HtmlElement) -> list[str]:
    out: list[str] = []
    labels: dict[str, str] = {}  # twitter:labelN and twitter:dataN, by N
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        content = (meta.get("content") or "").strip()
        if key.startswith("twitter:"):
            labels[key[8:]] = content
        # RDFa lets one <meta> name several properties: property="dc:creator og:author"
        if not _META_AUTHOR.isdisjoint(key.split()) and content and not content.startswith("http"):
            out.extend(n for n in clean_names(content) if n not in out)
    for key, label in labels.items():
        # Yoast's WordPress pages: twitter:label1 "Written by", twitter:data1 "Jane Doe"
        if key.startswith("label") and label.casefold().rstrip(":") in _WRITTEN_BY:
            data = labels.get("data" + key[5:], "")
            out.extend(n for n in clean_names(data) if n not in out)
    return out


def candidates(tree: HtmlElement, sites: set[str]) -> dict[str, list[str]]:
    """The names each byline source gives, the site's own names left out."""
    art = jsonld.article(tree)
    found = {
        # schema.org's "creator" where a CMS gives no "author"
        "jsonld": _json_names(art.get("author") or art.get("creator"), tree) if art else [],
        "meta": _meta_names(tree),
    }
    if not {n.casefold() for n in found["jsonld"]} & {n.casefold() for n in found["meta"]}:
        # the byline search walks the whole tree: only when the page's data do not agree
        found["dom"] = _dom_names(tree, sites)
    kept = {s: [n for n in names if _squash(n) not in sites] for s, names in found.items()}
    if not any(kept.values()):
        kept = found  # a personal site, named after its only author
    return {source: names for source, names in kept.items() if names}


# The byline search's matches tried in turn, past those that are a label naming no one
# ("Username" in a user menu, "Follow author", "AFP"); a few only: a byline far down the page
# is another story's. A longer match that names no one is the byline's block itself ("X
# posted in Y, 42 comments"): the search stops there.
MAX_BYLINES = 3
LABEL_WORDS = 3


def _dom_names(tree: HtmlElement, sites: set[str]) -> list[str]:
    """The names of the first byline element (with its siblings) that names a person other
    than the site; else those of the first that names anyone."""
    first: list[str] = []
    for texts in islice(byline_groups(tree, _article_scope(tree)), MAX_BYLINES):
        names = [n for text in texts for n in clean_names(text)]
        if any(_squash(n) not in sites for n in names):
            return names
        first = first or names
        if any(len(text.split()) > LABEL_WORDS for text in texts):
            break
    return first


_CONTAINER = re.compile(r"article|story|post|entry|content", re.IGNORECASE)


def _article_scope(tree: HtmlElement) -> HtmlElement | None:
    """The element holding the headline and its byline: the nearest <article> or <main>, or
    element with an article-like class or itemtype, above the page's only h1; else the h1's
    grandparent."""
    h1s = tree.xpath("//h1")
    if len(h1s) != 1:
        return None
    for el in h1s[0].iterancestors():
        if el.tag in ("article", "main") or _CONTAINER.search(
            (el.get("class") or "") + " " + (el.get("itemtype") or "")
        ):
            return el
    parent = h1s[0].getparent()
    return parent.getparent() if parent is not None else None


def _squash(text: str) -> str:
    return "".join(re.findall(r"\w+", text.casefold()))


def choose(
    tree: HtmlElement, sites: set[str], profile: SourceProfile = NO_PROFILE
) -> tuple[str | None, list[Fact]]:
    """The page's authors ("A; B") and the facts it shows about the source."""
    found = candidates(tree, sites)
    folded = {s: {n.casefold() for n in names} for s, names in found.items()}
    agreeing = [s for s in found if any(folded[s] & folded[o] for o in found if o != s)]
    if agreeing:
        best = max(agreeing, key=lambda s: len(found[s]))  # the fullest of those that agree
        return "; ".join(found[best]), [(BYLINE, s) for s in agreeing]
    if profile.byline in found:
        return "; ".join(found[profile.byline]), []
    for source in ("jsonld", "meta", "dom"):
        if source in found:
            return "; ".join(found[source]), []
    return None, []
