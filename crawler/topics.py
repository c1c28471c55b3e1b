"""Topic queries: parse the query language and match it against case- and accent-folded articles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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
    "fold",
    "matched_terms",
    "matches",
    "parse",
    "snippet",
    "unparse",
    "words",
]

# Deeper nesting than this is a typo or an attack, and would overflow the recursive parser.
MAX_DEPTH = 100
OPERATORS = frozenset({"AND", "OR", "NOT"})
FIELDS = ("title",)
_QUOTES_OPEN = '"\u201c'  # a straight quote or a typographic opening quote
_QUOTES_CLOSE = '"\u201d'
_BARE_STOP = set("()") | set(_QUOTES_OPEN)


# --- folding and words ------------------------------------------------------------------------


def _code_points() -> Iterator[int]:
    # Combining marks live in the BMP, plane 1 and the variation selectors of plane 14;
    # scanning only these keeps the import fast.
    yield from range(0x20000)
    yield from range(0xE0000, 0xE1000)


def _char_class(pred: Callable[[str], bool]) -> str:
    """A regex character class body of the code points for which `pred` holds, as ranges."""
    ranges: list[tuple[int, int]] = []
    for cp in _code_points():
        if not pred(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


# Accents are the marks with a non-zero combining class (what NFKD splits off "é", "ü", "ș"),
# except the Indic virama (class 9), which joins consonants rather than decorating them.
_ACCENTS = re.compile(f"[{_char_class(lambda c: unicodedata.combining(c) not in (0, 9))}]+")
# Marks that survive folding (Indic vowel signs) belong to their word; "_" does not.
_MARKS = _char_class(lambda c: unicodedata.category(c).startswith("M"))
_WORD = re.compile(f"(?:[^\\W_]|[{_MARKS}])+")


def fold(s: str) -> str:
    """Case-fold and strip accents, so "Zürich" and "ZURICH" both become "zurich"."""
    if s.isascii():
        return s.lower()
    s = _ACCENTS.sub("", unicodedata.normalize("NFKD", s.casefold()))
    # NFKD can expose capitals (e.g. "ℌ" -> "H"), hence a second casefold.
    return s.casefold()


def words(s: str) -> list[str]:
    """The folded words of `s`: runs of letters and digits ("pro-Moscow" -> ["pro", "moscow"])."""
    return _WORD.findall(fold(s))


# --- the AST ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One folded word; `prefix` for a trailing `*` (`russia*` matches "russian")."""

    word: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Consecutive words, each possibly a prefix; always at least two."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Site:
    """`site:host`: the article's host is `host` or one of its subdomains."""

    host: str


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Field:
    """`title:` restricts the terms and phrases below it to the headline."""

    name: str
    item: Node


Node = Term | Phrase | Site | And | Or | Not | Field


class QueryError(ValueError):
    """A query that does not parse; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        # Both in args, so the exception survives pickling out of a worker process.
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message


def _error(what: str, position: int) -> QueryError:
    return QueryError(f"{what} at position {position}", position)


# --- lexing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "OP", "FIELD", "SITE", "TEXT", "END"
    value: object
    pos: int
    raw: str = ""


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c, c, i, c))
            i += 1
        elif c in _QUOTES_OPEN:
            i = _lex_phrase(query, i, tokens)
        else:
            i = _lex_bare(query, i, tokens)
    tokens.append(_Token("END", None, n, "end of query"))
    return tokens


def _lex_phrase(query: str, start: int, tokens: list[_Token]) -> int:
    end = start + 1
    while end < len(query) and query[end] not in _QUOTES_CLOSE:
        end += 1
    if end >= len(query):
        raise _error("unclosed quote", start)
    terms: list[Term] = []
    for chunk, pos in _chunks(query, start + 1, end):
        terms.extend(_chunk_terms(chunk, pos))
    if not terms:
        raise _error("empty phrase", start)
    node: Node = terms[0] if len(terms) == 1 else Phrase(tuple(terms))
    tokens.append(_Token("TEXT", node, start, query[start : end + 1]))
    return end + 1


def _lex_bare(query: str, start: int, tokens: list[_Token]) -> int:
    end = start
    while end < len(query) and not query[end].isspace() and query[end] not in _BARE_STOP:
        end += 1
    run = query[start:end]
    lowered = run.lower()
    if run in OPERATORS:
        tokens.append(_Token("OP", run, start, run))
        return end
    for name in FIELDS:
        if lowered.startswith(name + ":"):
            # The field applies to whatever follows: a word, a "phrase", a (group), NOT ...
            tokens.append(_Token("FIELD", name, start, run[: len(name) + 1]))
            return start + len(name) + 1
    if lowered.startswith("site:"):
        tokens.append(_Token("SITE", Site(_host(run[5:], start + 5)), start, run))
        return end
    if run.startswith("-") and len(run) > 1:
        raise _error(f"'-' before a word does not exclude it, write NOT {run[1:]}", start)
    terms = _chunk_terms(run, start)
    node: Node = terms[0] if len(terms) == 1 else Phrase(tuple(terms))
    tokens.append(_Token("TEXT", node, start, run))
    return end


def _chunks(query: str, start: int, end: int) -> Iterator[tuple[str, int]]:
    """Whitespace-separated pieces of query[start:end] with their offsets."""
    for m in re.finditer(r"\S+", query[start:end]):
        yield m.group(), start + m.start()


def _chunk_terms(chunk: str, pos: int) -> list[Term]:
    """The terms of one space-free piece of query text; `*` may only end it."""
    star = chunk.find("*")
    if star != -1 and star != len(chunk) - 1:
        raise _error("'*' is only allowed at the end of a word", pos + star)
    prefix = star != -1
    body = chunk[:-1] if prefix else chunk
    if prefix and not (body and _WORD.fullmatch(body[-1])):
        raise _error("'*' must follow a letter or digit", pos + star)
    found = words(body)
    if not found:
        raise _error(f"{chunk!r} has no letters or digits (operators are AND, OR, NOT)", pos)
    terms = [Term(w) for w in found]
    if prefix:
        terms[-1] = Term(found[-1], prefix=True)
    return terms


_HOST_LABEL = re.compile(r"(?:[^\W_]|[-_])+")


def _host(value: str, pos: int) -> str:
    """Normalise a `site:` value: lower case, no scheme, path or port; must be a host name."""
    host = value.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] if value else ""
    host = _idna(host.strip(".").lower())
    if not host:
        raise _error("expected a host after 'site:'", pos)
    if not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        raise _error(f"invalid host {value!r} after 'site:'", pos)
    return host


def _idna(host: str) -> str:
    # Compare internationalised hosts in their ASCII form, whichever form each side used.
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


# --- parsing ----------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the grammar
    or := and (OR and)* ; and := unary ([AND] unary)* ; unary := NOT unary | FIELD unary | primary
    primary := TEXT | SITE | "(" or ")"."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, name: str) -> bool:
        return self.tok.kind == "OP" and self.tok.value == name

    def starts_unary(self) -> bool:
        return self.tok.kind in ("TEXT", "SITE", "FIELD", "(") or self.is_op("NOT")

    def parse(self) -> Node:
        node = self.parse_or()
        if self.tok.kind != "END":
            raise self.unexpected()
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.is_op("OR"):
            self.advance()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while self.is_op("AND") or self.starts_unary():
            if self.is_op("AND"):
                self.advance()
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        tok = self.tok
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(f"query nested deeper than {MAX_DEPTH} levels", tok.pos)
        try:
            if self.is_op("NOT"):
                self.advance()
                return Not(self.parse_unary())
            if tok.kind == "FIELD":
                self.advance()
                return Field(str(tok.value), self.parse_unary())
            return self.parse_primary()
        finally:
            self.depth -= 1

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind in ("TEXT", "SITE"):
            self.advance()
            assert isinstance(tok.value, Term | Phrase | Site)
            return tok.value
        if tok.kind == "(":
            self.advance()
            node = self.parse_or()
            if self.tok.kind != ")":
                if self.tok.kind == "END":
                    raise _error("unclosed '('", tok.pos)
                raise self.unexpected()
            self.advance()
            return node
        raise self.unexpected()

    def unexpected(self) -> QueryError:
        tok = self.tok
        if tok.kind == "END":
            return _error("unexpected end of query", tok.pos)
        return _error(f"unexpected {tok.raw!r}", tok.pos)


def parse(query: str) -> Node:
    """Parse a topic query; raises QueryError naming the 0-based position of the problem."""
    if not query.strip():
        raise QueryError("empty query", 0)
    return _Parser(_lex(query)).parse()


def unparse(node: Node) -> str:
    """Query text that parses back to `node`."""
    if isinstance(node, Term):
        return node.word + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(unparse(t) for t in node.terms) + '"'
    if isinstance(node, Site):
        return f"site:{node.host}"
    if isinstance(node, Not):
        return "NOT " + _unparse_operand(node.item)
    if isinstance(node, Field):
        return f"{node.name}:" + _unparse_operand(node.item)
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(_unparse_operand(item) for item in node.items)


def _unparse_operand(node: Node) -> str:
    # Every nested AND/OR is bracketed, so the parsed tree has exactly the same shape.
    text = unparse(node)
    return f"({text})" if isinstance(node, And | Or) else text


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

    def __post_init__(self) -> None:
        title_words = tuple(words(self.title))
        text_words = tuple(words(self.text))
        title_vocab = frozenset(title_words)
        # object.__setattr__: the derived fields of a frozen dataclass are set once, here.
        object.__setattr__(self, "title_words", title_words)
        object.__setattr__(self, "text_words", text_words)
        object.__setattr__(self, "title_vocab", title_vocab)
        object.__setattr__(self, "vocab", title_vocab.union(text_words))
        object.__setattr__(self, "host", _url_host(self.url))

    @classmethod
    def from_text(cls, title: str, text: str, url: str = "") -> Document:
        """Fold `title` and `text` into words once, ready for any number of topics."""
        return cls(title, text, url)


def _url_host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 literal
        return ""
    return _idna(host.strip(".").lower())


def _word_matches(word: str, term: Term) -> bool:
    return word.startswith(term.word) if term.prefix else word == term.word


def _in_vocab(term: Term, vocab: frozenset[str]) -> bool:
    if not term.prefix:
        return term.word in vocab
    return any(w.startswith(term.word) for w in vocab)


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
    if first.prefix:
        yield from (i for i in range(max(limit, 0)) if seq[i].startswith(first.word))
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


def _found_terms(node: Node, doc: Document) -> list[str]:
    found: dict[str, None] = {}
    for term, title_only in _positive_terms(node, False):
        if _occurs(term, doc, title_only):
            found[unparse(term).strip('"')] = None
    return list(found)


@dataclass(frozen=True)
class Topic:
    """A named query, parsed once; picklable, so worker processes can match with it."""

    name: str
    query: str
    node: Node = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node", parse(self.query))

    def match(self, doc: Document) -> list[str] | None:
        """None when the document does not match, else the matched terms (maybe [])."""
        return _found_terms(self.node, doc) if matches(self.node, doc) else None


# --- snippets ---------------------------------------------------------------------------------

_ELLIPSIS = "\u2026"


def _raw_words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) for each word of `text`, with offsets into `text` itself."""
    out: list[tuple[str, int, int]] = []
    for m in _WORD.finditer(text):
        for w in words(m.group()):
            out.append((w, m.start(), m.end()))
    return out


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
    toks = _raw_words(text)
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
