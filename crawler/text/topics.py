"""Topic queries: match the query language against case- and accent-folded articles.

The language itself (folding, syntax tree, parser) lives in crawler.text.query, shared with
`newsmon search`; it is re-exported here, so `crawler.text.topics` stays the one import for topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from crawler.text.normalise import has_bigram_script, stem_words, word_spans
from crawler.text.query import (
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    QueryError,
    Site,
    Term,
    fold,
    idna,
    parse,
    unparse,
    words,
)

__all__ = [
    "And",
    "Document",
    "Field",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "QueryError",
    "Site",
    "Term",
    "Topic",
    "TopicSpec",
    "fold",
    "matched_terms",
    "matches",
    "parse",
    "snippet",
    "unparse",
    "words",
]


# --- matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """An article folded once for matching: word lists and vocabularies of title and text."""

    title: str
    text: str
    url: str = ""
    title_words: tuple[str, ...] = field(init=False, repr=False, compare=False)
    text_words: tuple[str, ...] = field(init=False, repr=False, compare=False)
    title_vocab: frozenset[str] = field(init=False, repr=False, compare=False)
    vocab: frozenset[str] = field(init=False, repr=False, compare=False)
    host: str = field(init=False, repr=False, compare=False)
    _stemmed: dict[str, Document] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._set_words(tuple(words(self.title)), tuple(words(self.text)))
        object.__setattr__(self, "host", _url_host(self.url))

    def _set_words(self, title_words: tuple[str, ...], text_words: tuple[str, ...]) -> None:
        # object.__setattr__: the derived fields of a frozen dataclass are set once, here.
        title_vocab = frozenset(title_words)
        object.__setattr__(self, "title_words", title_words)
        object.__setattr__(self, "text_words", text_words)
        object.__setattr__(self, "title_vocab", title_vocab)
        object.__setattr__(self, "vocab", title_vocab.union(text_words))
        object.__setattr__(self, "_stemmed", {})

    def stemmed(self, language: str) -> Document:
        """This document with its words reduced to their stems in `language`, made once."""
        found = self._stemmed.get(language)
        if found is None:
            found = object.__new__(Document)
            for name in ("title", "text", "url", "host"):
                object.__setattr__(found, name, getattr(self, name))
            found._set_words(
                stem_words(language, self.title_words), stem_words(language, self.text_words)
            )
            self._stemmed[language] = found
        return found

    @classmethod
    def from_text(cls, title: str, text: str, url: str = "") -> Document:
        """Fold `title` and `text` into words once, ready for any number of topics."""
        return cls(title, text, url)


def _url_host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 literal
        return ""
    return idna(host.strip(".").lower())


def _lone_character(term: Term) -> bool:
    """A term of one character of a script read as bigrams: found inside any bigram."""
    return len(term.word) == 1 and has_bigram_script(term.word)


def _word_matches(word: str, term: Term) -> bool:
    if term.prefix:
        return word.startswith(term.word)
    return word == term.word or (_lone_character(term) and term.word in word)


def _in_vocab(term: Term, vocab: frozenset[str]) -> bool:
    if term.prefix:
        return any(w.startswith(term.word) for w in vocab)
    if _lone_character(term):
        return any(term.word in w for w in vocab)
    return term.word in vocab


def _phrase_in(terms: tuple[Term, ...], seq: tuple[str, ...], vocab: frozenset[str]) -> bool:
    if not all(_in_vocab(t, vocab) for t in terms):
        return False
    first, rest, n = terms[0], terms[1:], len(terms)
    for i in _starts(first, seq, len(seq) - n + 1):
        if all(_word_matches(seq[i + k], t) for k, t in enumerate(rest, 1)):
            return True
    return False


def _starts(first: Term, seq: tuple[str, ...], limit: int) -> Iterator[int]:
    """Positions below `limit` where `first` matches, found with C-speed index() when exact."""
    if first.prefix or _lone_character(first):
        yield from (i for i in range(max(limit, 0)) if _word_matches(seq[i], first))
        return
    i = -1
    while True:
        try:
            i = seq.index(first.word, i + 1, max(limit, 0))
        except ValueError:
            return
        yield i


def _occurs(node: Term | Phrase, doc: Document, title_only: bool) -> bool:
    """Whether a term or phrase occurs in the title (and, unless `title_only`, the text)."""
    if isinstance(node, Term):
        return _in_vocab(node, doc.title_vocab if title_only else doc.vocab)
    if _phrase_in(node.terms, doc.title_words, doc.title_vocab):
        return True
    return not title_only and _phrase_in(node.terms, doc.text_words, doc.vocab)


def _site_matches(host: str, site: str) -> bool:
    return host == site or host.endswith("." + site)


def _eval(node: Node, doc: Document, title_only: bool) -> bool:
    if isinstance(node, Term | Phrase):
        return _occurs(node, doc, title_only)
    if isinstance(node, Site):
        return _site_matches(doc.host, node.host)
    if isinstance(node, And):
        return all(_eval(item, doc, title_only) for item in node.items)
    if isinstance(node, Or):
        return any(_eval(item, doc, title_only) for item in node.items)
    if isinstance(node, Not):
        return not _eval(node.item, doc, title_only)
    return _eval(node.item, doc, title_only or node.name == "title")


def matches(node: Node, doc: Document) -> bool:
    """Whether the document satisfies the query."""
    return _eval(node, doc, False)


def _positive_terms(node: Node, title_only: bool) -> Iterator[tuple[Term | Phrase, bool]]:
    """Terms and phrases outside any NOT, in query order, with their title-only scope."""
    if isinstance(node, Term | Phrase):
        yield node, title_only
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from _positive_terms(item, title_only)
    elif isinstance(node, Field):
        yield from _positive_terms(node.item, title_only or node.name == "title")


def matched_terms(node: Node, doc: Document) -> list[str]:
    """The query's positive terms found in the document, as query text ("russia*",
    "vladimir putin"), deduplicated in query order; [] when the document does not match."""
    return _found_terms(node, doc) if matches(node, doc) else []


def _found_terms(node: Node, doc: Document, shown: Node | None = None) -> list[str]:
    """The positive terms of `node` found in `doc`, written as in `shown` (the same tree before
    stemming, when `node` is stemmed)."""
    found: dict[str, None] = {}
    written = _positive_terms(node if shown is None else shown, False)
    for (term, title_only), (as_written, _) in zip(
        _positive_terms(node, False), written, strict=True
    ):
        if _occurs(term, doc, title_only):
            found[unparse(as_written).strip('"')] = None
    return list(found)


def _stem_tree(node: Node, language: str) -> Node:
    """`node` with each whole word reduced to its stem (a prefix stays as typed)."""
    if isinstance(node, Term):
        return _stem_term(node, language)
    if isinstance(node, Phrase):
        return Phrase(tuple(_stem_term(t, language) for t in node.terms))
    if isinstance(node, And | Or):
        return type(node)(tuple(_stem_tree(item, language) for item in node.items))
    if isinstance(node, Not | Field):
        return replace(node, item=_stem_tree(node.item, language))
    return node


# What a worker process is given to build a Topic: (name, query) or (name, query, language).
TopicSpec = tuple[str, str] | tuple[str, str, str | None]


def _stem_term(term: Term, language: str) -> Term:
    return term if term.prefix else Term(stem_words(language, [term.word])[0])


@dataclass(frozen=True)
class Topic:
    """A named query, parsed once; picklable, so worker processes can match with it.

    With a `language` (a Snowball stemmer's name or ISO code), words are compared by their
    stems, so `Украина` matches "Украине"; without one, as exact folded words."""

    name: str
    query: str
    language: str | None = None
    node: Node = field(init=False, repr=False, compare=False)
    shown: Node = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shown = parse(self.query)
        object.__setattr__(self, "shown", shown)
        stemmed = shown if self.language is None else _stem_tree(shown, self.language)
        object.__setattr__(self, "node", stemmed)

    def match(self, doc: Document) -> list[str] | None:
        """None when the document does not match, else the matched terms (maybe [])."""
        if self.language is not None:
            doc = doc.stemmed(self.language)
        if not matches(self.node, doc):
            return None
        return _found_terms(self.node, doc, self.shown)


# --- snippets ---------------------------------------------------------------------------------

_ELLIPSIS = "\u2026"


def _term_patterns(terms: Iterable[str]) -> list[tuple[Term, ...]]:
    """Each term as matched_terms() writes it ("russia*", "vladimir putin") back to Terms."""
    patterns = []
    for term in terms:
        pattern: list[Term] = []
        for chunk in term.split():
            found = [Term(w) for w in words(chunk)]
            if found and chunk.endswith("*"):
                found[-1] = Term(found[-1].word, prefix=True)
            pattern.extend(found)
        if pattern:
            patterns.append(tuple(pattern))
    return patterns


def _occurrences(toks: list[tuple[str, int, int]], terms: list[str]) -> list[tuple[int, int]]:
    """Character spans of every occurrence of any term, in text order, not overlapping."""
    spans = []
    for pattern in _term_patterns(terms):
        n = len(pattern)
        for i in range(len(toks) - n + 1):
            if all(_word_matches(toks[i + k][0], t) for k, t in enumerate(pattern)):
                spans.append((toks[i][1], toks[i + n - 1][2]))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, terms: list[str], width: int = 200) -> tuple[str, list[tuple[int, int]]]:
    """About `width` characters of `text` (whitespace collapsed) around the first occurrence
    of any term, cut at word boundaries with "…" where cut, and the (start, end) spans of the
    term occurrences inside the returned string."""
    text = " ".join(text.split())
    toks = word_spans(text)  # (folded word, start, end), offsets into `text`
    spans = _occurrences(toks, terms)
    anchor = spans[0][0] if spans else 0
    start, end = _window(text, toks, anchor, width)
    head = _ELLIPSIS if start > 0 else ""
    tail = _ELLIPSIS if end < len(text) else ""
    shift = len(head) - start
    inside = [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]
    return head + text[start:end] + tail, inside


def _window(
    text: str, toks: list[tuple[str, int, int]], anchor: int, width: int
) -> tuple[int, int]:
    """[start, end) of about `width` characters with `anchor` a third of the way in, moved
    inwards to word boundaries."""
    if len(text) <= width:
        return 0, len(text)
    start = max(0, min(anchor - width // 3, len(text) - width))
    end = start + width
    if start > 0:
        # Begin at the first word starting at or after `start` (never past the anchor).
        start = next((s for _, s, _ in toks if s >= start), anchor)
        start = min(start, anchor)
    if end < len(text):
        cut = [e for _, _, e in toks if start < e <= end]
        end = cut[-1] if cut else end
    return start, end
