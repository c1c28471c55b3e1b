"""A page's body text: trafilatura's recall mode checked against its default mode, the
page's structured data when the markup holds none, and navigation lines dropped (pure)."""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura
from lxml.html import HtmlElement, fromstring
from trafilatura.settings import Document

from crawler.process import jsonld
from crawler.text.normalise import clean_lines

LOGGER = logging.getLogger(__name__)

# Chosen on the 94 real pages of the readability corpus (figures in tests/test_extract.py):
# favor_recall with tables gave the best F1 (its precision was as high as any other mode's);
# comments are never article text for a news monitor; images, links and formatting put
# markdown into the stored plain text; deduplicate lowered both recall and precision.
RECALL_OPTIONS: dict[str, Any] = {
    "favor_precision": False,
    "favor_recall": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_formatting": False,
    "include_links": False,
    "deduplicate": False,
}
DEFAULT_OPTIONS = {**RECALL_OPTIONS, "favor_recall": False}
# favor_recall sometimes keeps only an article's first paragraphs. When its text has fewer
# words than this share of the page's <p> words, the default mode runs too, and its text wins
# when it continues the recall mode's and has twice its words (not when it adds other stories
# before the article), or when the recall text is a fragment of it.
CHECK_SHARE = 0.6
BAD_DISAGREEMENT = 0.5
# A recall text under this share of the default mode's is a fragment, whatever comes first.
FRAGMENT = 0.2
# Structured text shorter than this is a teaser, not an article.
MIN_STRUCTURED_WORDS = 40
# A page whose markup gives fewer words than this may be a JavaScript shell.
MIN_MARKUP_WORDS = 100
_TABLE_ROW = re.compile(r"^\|\s(.*)\s\|$")
_CRUMB_SEP = re.compile(r"\s+[>›»/|]\s+|\s*[>›»]\s*")
_ARROWS = re.compile(r"\s*[>›»→]\s*")
CRUMB_WORDS = 3  # words of one breadcrumb item at most
NAV_CHARS = 160  # a longer line is no breadcrumb trail nor label
_NAV_LINES = frozenset(
    {
        "trending", "trending now", "trending topics", "most read", "most popular",
        "most viewed", "popular now", "top stories", "read more", "related", "related articles",
        "related stories", "more stories", "advertisement", "share", "share this article",
        "skip to content", "skip to main content", "home", "lo más leído", "lo mas leido",
        "tendencias", "meistgelesen", "meistgelesene artikel", "les plus lus", "à lire aussi",
        "a lire aussi", "lesen sie auch", "leer más", "najczęściej czytane", "czytaj także",
    }
)  # fmt: skip
_NAV_PREFIX = re.compile(
    r"^(?:trending(?: now| topics)?|most read|popular|hot topics|tendencias|temas|themen|"
    r"czytaj (?:też|także)|lesen sie auch|leer más|read more|see also|related)\s*:",
    re.I,
)


# A copyright notice ("© 2024 Example Media. All rights reserved.") or a "Powered by"
# credit ("Minecraft News | Powered by Tumblr"): the page's footer.
_COPYRIGHT = re.compile(
    r"^(?:copyright\b|©|\(c\)\s*\d{4}).*(?:©|\d{4}|rights reserved)|all rights reserved\.?$|"
    r"^powered by\b|\|\s*powered by\b[^.|]*$",
    re.I,
)
# The labels a video.js player (on many news pages) writes into the page's markup.
_PLAYER = re.compile(
    r"^(?:- )?(?:this is a modal window\b.*|beginning of dialog window\b.*|end of dialog "
    r"window\.?|chapters|(?:descriptions|captions|subtitles) off, selected|default, selected|"
    r"captions settings, opens captions settings dialog)$",
    re.I,
)
# A slideshow's captions: "1/50 Caption", "2/50 Caption"... (as list items or lines).
_SLIDE = re.compile(r"^(?:- )?(\d{1,3})\s?/\s?(\d{1,3})\b")
MIN_SLIDES = 3


def _run(tree: HtmlElement, url: str, options: dict[str, Any]) -> str:
    try:
        document = trafilatura.bare_extraction(tree, url=url, **options)
    except Exception as err:  # see crawler.process.extract.extract
        LOGGER.warning("text extraction failed for %s: %r", url, err)
        return ""
    if not isinstance(document, Document) or not document.text:
        return ""
    return "\n".join(_text_lines(clean_lines(document.text)))


def _text_lines(text: str) -> list[str]:
    """The lines of trafilatura's text that hold words, table rows as "cell | cell".

    trafilatura writes a table as markdown: "| a | b |" rows and a "|---|---|" rule under the
    head row. The rule, and any line without a letter or digit ("}", "-", "* * *"), is no
    text: it reached snippets and alert emails, and learning or stripping it made false
    versions."""
    out = []
    for line in text.split("\n"):
        if not any(ch.isalnum() for ch in line):
            continue
        row = _TABLE_ROW.match(line)
        out.append(row.group(1).strip() if row else line)
    return out


def _paragraph_words(tree: HtmlElement) -> int:
    return sum(len((p.text_content() or "").split()) for p in tree.iter("p"))


def main_text(tree: HtmlElement, url: str) -> str:
    """The article's text, one paragraph a line."""
    text = _run(tree, url, RECALL_OPTIONS)
    try:
        return _checked(tree, url, text)
    except Exception as err:  # see crawler.process.extract.extract
        LOGGER.warning("body checks failed for %s: %r", url, err)
        return text


def _checked(tree: HtmlElement, url: str, text: str) -> str:
    """The recall mode's text checked against the default mode's and the structured data's,
    navigation lines dropped."""
    words = len(text.split())
    if words < CHECK_SHARE * _paragraph_words(tree):
        other = _run(tree, url, DEFAULT_OPTIONS)
        theirs = len(other.split())
        if words < FRAGMENT * theirs or (
            words < BAD_DISAGREEMENT * theirs and _continues(text, other)
        ):
            text = other
    structured = structured_text(tree, len(text.split()))
    if len(text.split()) < BAD_DISAGREEMENT * len(structured.split()):
        text = structured
    elif (
        structured
        and _fold(text) == _fold(structured)
        and text.count("\n") < structured.count("\n")
    ):
        text = structured  # trafilatura read the same JSON-LD, but ran its paragraphs together
    return without_navigation(text, crumbs(tree))


def _continues(short: str, long: str) -> bool:
    """Whether `long` is `short` continued: it starts with `short`'s first paragraph and holds
    most of `short`'s. A `long` that adds text before the article (other stories, a video
    player's labels) took more of the page than the article."""
    mine, theirs = short.split("\n"), long.split("\n")
    if not short or mine[0] not in theirs[:2]:
        return False
    return sum(line in theirs for line in mine) >= 0.8 * len(mine)


def crumbs(tree: HtmlElement) -> set[str]:
    """The folded texts of the page's breadcrumb trail, whole and item by item."""
    out: set[str] = set()
    for obj in jsonld.objects(tree):
        if "breadcrumblist" in jsonld.types(obj) and isinstance(obj.get("itemListElement"), list):
            for item in obj["itemListElement"]:
                if isinstance(item, dict):
                    name = jsonld.text_of(item.get("name")) or jsonld.text_of(item.get("item"))
                    if name:
                        out.add(_fold(name))
    for el in tree.xpath(  # "readcrumb": Breadcrumb and breadcrumb, without translate()
        "//*[contains(@class,'readcrumb') or contains(@id,'readcrumb')"
        " or contains(@aria-label,'readcrumb')]"
    ):
        out.add(_fold(" ".join(el.itertext())))
        out.update(_fold(" ".join(li.itertext())) for li in el.iter("li", "a"))
    return {c for c in out if c}


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def without_navigation(text: str, trail: set[str]) -> str:
    """The text without breadcrumb trails, "Trending"-type labels and lists of them, a video
    player's labels, a copyright notice and a slideshow's numbered captions."""
    out = []
    for line in _without_slides(_before_the_end(text.split("\n"))):
        if len(line) > NAV_CHARS:  # a paragraph, not a navigation line
            out.append(line)
            continue
        folded = _fold(line)
        if folded in _NAV_LINES or _NAV_PREFIX.match(line):
            continue
        if _PLAYER.match(line) or _COPYRIGHT.search(line):
            continue
        if folded in trail or _is_trail(line, trail):
            continue
        out.append(line)
    return "\n".join(out)


# The headings of what follows an article: other stories, slideshows, videos, comments.
_END = re.compile(
    r"^(?:you (?:might|may) also like|related (?:videos|stories|articles|content|coverage)|"
    r"recommended(?: for you| stories| articles)?|(?:more|other) [\w ]{0,30}(?:stories|"
    r"articles|columns|videos|news)|featured (?:slide ?shows|stories|videos)|read next|up next|"
    r"what to read next|comments|loading comments|\d+ comments|"
    r"mehr zum thema|das könnte sie auch interessieren|weitere artikel|te puede interesar|"
    r"noticias relacionadas|ti potrebbe interessare|leia também|sur le même sujet|"
    r"zobacz (?:też|także)|czytaj (?:też|także))\W*$",
    re.I,
)
# An end heading counts from this share of the text's words on: earlier, it is a box inside
# the article, and the article goes on after it.
END_SHARE = 0.5


def _before_the_end(lines: list[str]) -> list[str]:
    """The lines before the first heading, past half the text, of what follows an article
    ("You might also like", "Related videos", "Comments"): the recall mode keeps those
    blocks whole, teasers, slideshow controls and all."""
    total = sum(len(line.split()) for line in lines)
    seen = 0
    for i, line in enumerate(lines):
        if seen >= END_SHARE * total and len(line) <= NAV_CHARS and _END.match(line.strip()):
            return lines[:i]
        seen += len(line.split())
    return lines


def _without_slides(lines: list[str]) -> list[str]:
    """The lines without a slideshow's captions: MIN_SLIDES lines or more numbered "k/N" with
    the same N (another story's gallery, kept whole by the recall mode)."""
    counts: dict[str, int] = {}
    for line in lines:
        if (match := _SLIDE.match(line)) and int(match.group(1)) <= int(match.group(2)):
            counts[match.group(2)] = counts.get(match.group(2), 0) + 1
    shows = {total for total, n in counts.items() if n >= MIN_SLIDES}
    if not shows:
        return lines
    return [line for line in lines if not ((m := _SLIDE.match(line)) and m.group(2) in shows)]


def _is_trail(line: str, trail: set[str]) -> bool:
    """A line of the page's breadcrumb items, or of three or more short items between
    arrows ("Home › World › Europe"): a breadcrumb trail whatever its markup."""
    parts = [_fold(p) for p in _CRUMB_SEP.split(line)]
    if len(parts) >= 2 and all(not p or p in trail for p in parts):
        return True
    arrows = _ARROWS.split(line)
    return len(arrows) >= 3 and all(0 < len(_fold(p).split()) <= CRUMB_WORDS for p in arrows)


def structured_text(tree: HtmlElement, markup_words: int = 0) -> str:
    """The article text the page gives as data: JSON-LD articleBody, else (when the markup
    gave fewer than MIN_MARKUP_WORDS words) the longest text in Next.js hydration JSON; ""
    when neither holds MIN_STRUCTURED_WORDS words. Hydration JSON may hold other stories
    too (a list of teasers, related articles): it is read only for a page with no text."""
    art = jsonld.article(tree)
    body = art.get("articleBody") if art else None
    text = _as_paragraphs(body) if isinstance(body, str) else ""
    if len(text.split()) < MIN_STRUCTURED_WORDS and markup_words < MIN_MARKUP_WORDS:
        data = jsonld.next_data(tree)
        text = _hydrated(data) if data is not None else ""
    return text if len(text.split()) >= MIN_STRUCTURED_WORDS else ""


def _as_paragraphs(value: str) -> str:
    """A string of text or HTML as one paragraph a line."""
    if "<p" in value or "<br" in value:
        try:
            root = fromstring(f"<div>{value}</div>")
        except Exception:  # lxml's errors on broken markup are not all documented
            return ""
        blocks = root.xpath(".//p|.//li|.//h2|.//h3|.//blockquote") or [root]
        return clean_lines("\n".join(" ".join(b.itertext()) for b in blocks))
    return clean_lines(value.replace("\\n", "\n"))


def _hydrated(data: Any) -> str:
    """The longest text in hydration JSON: a string of HTML or text, or a list of blocks
    (strings, or objects with a "text"/"content"/"html" string) read as paragraphs."""
    best = ""
    stack = [data]
    while stack:
        node = stack.pop()
        found = ""
        if isinstance(node, str) and len(node) > 200 and not node.startswith(("http", "{")):
            found = _as_paragraphs(node)
        elif isinstance(node, list):
            blocks = [_block_text(item) for item in node]
            found = "\n".join(b for b in blocks if b)
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        if len(found.split()) > len(best.split()):
            best = found
    return best


def _block_text(item: Any) -> str:
    if isinstance(item, dict):
        item = next(
            (item[k] for k in ("text", "content", "html", "body") if isinstance(item.get(k), str)),
            None,
        )
    return _as_paragraphs(item) if isinstance(item, str) else ""
