"""The query language of topics and of `newsmon search`: the syntax tree and the parser.

Words are folded by crawler.text.normalise, so topic matching (crawler.text.topics) and full-text
search (crawler.archive.search) read a query as the articles are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from crawler.text.normalise import fold, has_bigram_script, word_re, words

__all__ = [
    "word_re",
    "And",
    "Field",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "QueryError",
    "Site",
    "Term",
    "fold",
    "idna",
    "parse",
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
    if prefix and not (body and word_re().fullmatch(body[-1])):
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
    host = idna(host.strip(".").lower())
    if not host:
        raise _error("expected a host after 'site:'", pos)
    if not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        raise _error(f"invalid host {value!r} after 'site:'", pos)
    return host


def idna(host: str) -> str:
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
        return '"' + _unparse_terms(node.terms) + '"'
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


def _unparse_terms(terms: tuple[Term, ...]) -> str:
    """A phrase's words, the overlapping bigrams of a run written back as the run ("乌克 克兰"
    as "乌克兰", which parses to the same bigrams)."""
    out = unparse(terms[0])
    for prev, term in zip(terms, terms[1:], strict=False):
        joined = not prev.prefix and len(prev.word) == len(term.word) == 2
        if joined and prev.word[1] == term.word[0] and has_bigram_script(term.word):
            out += unparse(term)[1:]
        else:
            out += " " + unparse(term)
    return out
