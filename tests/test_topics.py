"""Tests for the topic query language: parsing, errors, matching, snippets, and properties."""

from __future__ import annotations

import pickle
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.text.topics import (
    And,
    Document,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    QueryError,
    Site,
    Term,
    Topic,
    fold,
    matched_terms,
    matches,
    parse,
    snippet,
    unparse,
    words,
)

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "examples" / "seed_article.txt"
UKRAINE_RUSSIA = "(Ukraine OR Kyiv OR Kiev) AND (Russia OR Putin OR Kremlin OR Moscow)"


def m(query: str, title: str, text: str = "", url: str = "") -> bool:
    return matches(parse(query), Document.from_text(title, text, url))


def t(word: str, prefix: bool = False) -> Term:
    return Term(word, prefix)


# --- folding and words ------------------------------------------------------------------------


def test_fold_strips_case_and_accents() -> None:
    assert fold("Zürich") == "zurich"
    assert fold("Zu\u0308rich") == "zurich"  # decomposed umlaut
    assert fold("KIEV") == "kiev"
    assert fold("Straße") == "strasse"
    assert fold("Ⅻ ﬁ") == "xii fi"  # compatibility forms


def test_words_split_on_punctuation() -> None:
    assert words("pro-Moscow") == ["pro", "moscow"]
    assert words("Ukraine’s leaders") == ["ukraine", "s", "leaders"]
    assert words("since 2014, when") == ["since", "2014", "when"]
    assert words("snake_case") == ["snake", "case"]
    assert words("हिन्दी") == ["हिन्दी"]  # vowel signs and virama stay inside the word


# --- parsing ----------------------------------------------------------------------------------


def test_terms_are_folded() -> None:
    assert parse("Zürich") == t("zurich")
    assert parse("KIEV") == t("kiev")
    assert parse("Russia*") == t("russia", prefix=True)


def test_bare_terms_join_with_and() -> None:
    assert parse("Kyiv Putin") == And((t("kyiv"), t("putin")))
    assert parse("Kyiv AND Putin") == And((t("kyiv"), t("putin")))


def test_lower_case_operators_are_terms() -> None:
    assert parse("war and peace") == And((t("war"), t("and"), t("peace")))
    assert parse("a or b") == And((t("a"), t("or"), t("b")))
    assert parse("Not a") == And((t("not"), t("a")))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a OR b AND c", Or((t("a"), And((t("b"), t("c")))))),
        ("a AND b OR c", Or((And((t("a"), t("b"))), t("c")))),
        ("a b OR c", Or((And((t("a"), t("b"))), t("c")))),
        ("NOT a AND b", And((Not(t("a")), t("b")))),
        ("NOT a OR b", Or((Not(t("a")), t("b")))),
        ("a NOT b", And((t("a"), Not(t("b"))))),
        ("NOT (a OR b)", Not(Or((t("a"), t("b"))))),
        ("(a OR b) c", And((Or((t("a"), t("b"))), t("c")))),
        ("NOT NOT a", Not(Not(t("a")))),
    ],
)
def test_precedence(query: str, expected: Node) -> None:
    assert parse(query) == expected


def test_precedence_changes_matching() -> None:
    # a OR (b AND c): "a" alone is enough; (a OR b) AND c would need "c".
    assert m("a OR b AND c", "a")
    assert not m("(a OR b) AND c", "a")
    assert m("NOT a AND b", "b")
    assert not m("NOT (a AND b)", "a b")


def test_phrases_and_split_words() -> None:
    assert parse('"Vladimir Putin"') == Phrase((t("vladimir"), t("putin")))
    assert parse('"Vladimir Put*"') == Phrase((t("vladimir"), t("put", prefix=True)))
    assert parse('"Putin"') == t("putin")
    assert parse("pro-Moscow") == Phrase((t("pro"), t("moscow")))
    assert parse("Ukraine’s") == Phrase((t("ukraine"), t("s")))
    assert parse("\u201cVladimir Putin\u201d") == Phrase((t("vladimir"), t("putin")))


def test_fields() -> None:
    assert parse("title:Putin") == Field("title", t("putin"))
    assert parse("TITLE:(a OR b)") == Field("title", Or((t("a"), t("b"))))
    assert parse('title:"a b"') == Field("title", Phrase((t("a"), t("b"))))
    assert parse("title:NOT a") == Field("title", Not(t("a")))
    assert parse("site:Example.ORG") == Site("example.org")
    assert parse("site:https://www.example.org:8443/world/") == Site("www.example.org")
    assert parse("note:this") == Phrase((t("note"), t("this")))  # not a field


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("(Ukraine) Kyiv)", "unexpected ')' at position 14", 14),
        ('Ukraine AND "Vladimir Putin', "unclosed quote at position 12", 12),
        ("", "empty query", 0),
        ("   ", "empty query", 0),
        ("(Ukraine OR Kyiv", "unclosed '(' at position 0", 0),
        ("a AND (b OR (c)", "unclosed '(' at position 6", 6),
        ("Ukraine AND", "unexpected end of query at position 11", 11),
        ("NOT", "unexpected end of query at position 3", 3),
        ("title:", "unexpected end of query at position 6", 6),
        ("OR Kyiv", "unexpected 'OR' at position 0", 0),
        ("Kyiv AND OR Kiev", "unexpected 'OR' at position 9", 9),
        ("a ()", "unexpected ')' at position 3", 3),
        ('a ""', "empty phrase at position 2", 2),
        ("Rus*ia", "'*' is only allowed at the end of a word at position 3", 3),
        ("Kyiv *", "'*' must follow a letter or digit at position 5", 5),
        (
            "Kyiv | Kiev",
            "'|' has no letters or digits (operators are AND, OR, NOT) at position 5",
            5,
        ),
        ("site: Kyiv", "expected a host after 'site:' at position 5", 5),
        ("x site:a..b", "invalid host 'a..b' after 'site:' at position 7", 7),
        (
            "Kyiv -Russia",
            "'-' before a word does not exclude it, write NOT Russia at position 5",
            5,
        ),
    ],
)
def test_errors_name_the_position(query: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as info:
        parse(query)
    assert info.value.message == message
    assert str(info.value) == message
    assert info.value.position == position
    assert isinstance(info.value, ValueError)


def test_deep_nesting_is_a_query_error() -> None:
    with pytest.raises(QueryError) as info:
        parse("(" * 500 + "a" + ")" * 500)
    assert info.value.position == 100
    assert parse("(" * 50 + "a" + ")" * 50) == t("a")


def test_query_error_pickles() -> None:
    with pytest.raises(QueryError) as info:
        parse("a )")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.message, copy.position) == ("unexpected ')' at position 2", 2)


# --- matching ---------------------------------------------------------------------------------


def test_whole_words_no_stemming() -> None:
    assert m("Russia", "Russia warns the West")
    assert not m("Russia", "Russian troops")
    assert m("Russia*", "Russian troops")
    assert m("Russ*", "RUSSIA")
    assert not m("ussia*", "Russia")


def test_case_and_accent_insensitive() -> None:
    assert m("zurich", "Talks in Zürich")
    assert m("Zürich", "talks in zurich")
    assert m("KIEV", "in kiev today")
    assert m("kiev", "in KIEV today")
    assert not m("strasse", "Hauptstraße")  # whole words only
    assert m("strasse", "die Straße")


def test_and_is_a_term_when_lower_case() -> None:
    assert not m("Ukraine and Russia", "Ukraine, Russia")
    assert m("Ukraine and Russia", "Ukraine and Russia")
    assert m("Ukraine AND Russia", "Ukraine, Russia")


def test_phrase_needs_consecutive_words() -> None:
    assert m('"Vladimir Putin"', "Vladimir Putin said")
    assert m('"Vladimir Putin"', "said VLADIMIR, putin.")  # punctuation is not a word
    assert not m('"Vladimir Putin"', "Putin, Vladimir")
    assert not m('"Vladimir Putin"', "Vladimir V. Putin")
    assert m('"Vladimir Put*"', "Vladimir Putins")
    assert not m('"Vladimir Putin"', "Vladimir", "Putin spoke")  # not across title and text


def test_split_words_in_query_and_text() -> None:
    assert m("pro-Moscow", "a pro-Moscow insurgency")
    assert m("pro-Moscow", "a pro Moscow insurgency")
    assert m("Ukraine", "Ukraine’s Crimean peninsula")
    assert m("Ukraine's", "Ukraine’s Crimean peninsula")


def test_not_alone_matches_everything_else() -> None:
    assert m("NOT Putin", "Blinken in Kyiv")
    assert not m("NOT Putin", "Putin in Moscow")
    assert m("Kyiv NOT Putin", "Blinken in Kyiv")
    assert not m("Kyiv NOT Putin", "Blinken in Kyiv", "Putin")


def test_title_restricts_to_headline() -> None:
    assert m("title:Putin", "Putin stares down West", "nothing")
    assert not m("title:Putin", "Blinken in Kyiv", "Putin stares")
    assert m("title:(Putin OR Kyiv) Russia", "Blinken in Kyiv", "Russia waits")
    assert not m("title:(Kyiv Russia)", "Blinken in Kyiv", "Russia waits")
    assert m("Putin", "Blinken in Kyiv", "Putin stares")  # unrestricted: title or text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/world/1", True),
        ("https://www.example.org/world/1", True),
        ("http://news.EXAMPLE.org:8080/x", True),
        ("https://notexample.org/", False),
        ("https://example.org.evil.net/", False),
        ("https://example.com/", False),
        ("", False),
        ("http://[::1/broken", False),
    ],
)
def test_site_matches_host_and_subdomains(url: str, expected: bool) -> None:
    assert m("site:example.org", "anything", url=url) is expected
    assert m("Kyiv site:EXAMPLE.org", "Kyiv", url=url) is expected


def test_site_www_is_not_special() -> None:
    assert not m("site:www.example.org", "x", url="https://example.org/")
    assert m("site:www.example.org", "x", url="https://www.example.org/")


def test_matched_terms() -> None:
    node = parse('(title:Kyiv OR Kiev) AND (Russia* OR "Vladimir Putin" OR Kyiv) NOT Biden')
    doc = Document.from_text("Blinken in Kyiv", "Russian forces; Vladimir Putin; Russia.")
    assert matched_terms(node, doc) == ["kyiv", "russia*", "vladimir putin"]
    assert matched_terms(node, Document.from_text("Kiev", "Biden, Russia")) == []
    # title:Kyiv does not count a Kyiv in the text, but the unrestricted Kyiv does.
    doc = Document.from_text("Kiev talks", "Russia near Kyiv")
    assert matched_terms(node, doc) == ["kiev", "russia*", "kyiv"]


def test_topic_match_and_pickling() -> None:
    topic = Topic("ukraine-russia", UKRAINE_RUSSIA)
    assert topic.node == parse(UKRAINE_RUSSIA)
    doc = Document.from_text("Blinken in Kyiv", "as Putin stares down the West")
    assert topic.match(doc) == ["kyiv", "putin"]
    assert topic.match(Document.from_text("Kyiv", "nothing else")) is None
    assert Topic("all-but", "NOT Putin").match(Document.from_text("Kyiv", "")) == []
    topic2, doc2 = pickle.loads(pickle.dumps((topic, doc)))
    assert topic2 == topic and doc2 == doc
    assert topic2.match(doc2) == ["kyiv", "putin"]
    with pytest.raises(QueryError):
        Topic("bad", "(Kyiv")


def test_document_construction_folds_once() -> None:
    doc = Document.from_text("Zürich Talks", "pro-Moscow", "https://WWW.Example.org/a")
    assert doc == Document("Zürich Talks", "pro-Moscow", "https://WWW.Example.org/a")
    assert doc.title_words == ("zurich", "talks")
    assert doc.text_words == ("pro", "moscow")
    assert doc.vocab == {"zurich", "talks", "pro", "moscow"}
    assert doc.host == "www.example.org"


def seed_article() -> tuple[str, str]:
    if not SEED_ARTICLE.exists():
        pytest.skip(f"{SEED_ARTICLE} is absent")
    title, _, text = SEED_ARTICLE.read_text(encoding="utf-8").partition("\n")
    return title.strip(), text


def test_seed_article_matches_the_topic() -> None:
    title, text = seed_article()
    doc = Document.from_text(title, text, "https://www.example.org/world/blinken")
    node = parse(UKRAINE_RUSSIA)
    assert matches(node, doc)
    assert matched_terms(node, doc) == [
        "ukraine",
        "kyiv",
        "kiev",
        "russia",
        "putin",
        "kremlin",
        "moscow",
    ]
    assert matches(parse('"pro-Moscow insurgency" title:Blinken site:example.org'), doc)
    assert not matches(parse("Russia NOT Ukraine"), doc)


# --- snippets ---------------------------------------------------------------------------------


def test_snippet_short_text_is_whole() -> None:
    text = "Blinken landed in  Kyiv\non Wednesday."
    out, spans = snippet(text, ["kyiv"])
    assert out == "Blinken landed in Kyiv on Wednesday."
    assert [out[a:b] for a, b in spans] == ["Kyiv"]


def test_snippet_window_cut_at_words() -> None:
    text = (
        " ".join(f"w{i}" for i in range(100))
        + " the Russian army "
        + " ".join(f"v{i}" for i in range(100))
    )
    out, spans = snippet(text, ["russia*", "army"], width=60)
    assert out.startswith("…w") and out.endswith("…")
    assert 50 <= len(out) <= 62
    assert [out[a:b] for a, b in spans] == ["Russian", "army"]
    body = out.strip("…")
    assert body.split()[0] in text.split() and body.split()[-1] in text.split()


def test_snippet_phrase_and_folding() -> None:
    out, spans = snippet("Talks with VLADIMIR  Putin in Zürich.", ["vladimir putin", "zurich"])
    assert [out[a:b] for a, b in spans] == ["VLADIMIR Putin", "Zürich"]


def test_snippet_without_terms_is_the_start() -> None:
    text = "word " * 100
    out, spans = snippet(text, ["absent"], width=50)
    assert spans == [] and out.startswith("word") and out.endswith("…")
    assert len(out) <= 51


def test_snippet_of_seed_article_highlights_terms() -> None:
    title, text = seed_article()
    doc = Document.from_text(title, text)
    terms = matched_terms(parse(UKRAINE_RUSSIA), doc)
    out, spans = snippet(text, terms)
    assert spans and len(out) <= 202
    assert {fold(out[a:b]) for a, b in spans} <= set(terms)


# --- properties -------------------------------------------------------------------------------

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VOCAB = ["russia", "russian", "kyiv", "kiev", "zurich", "putin", "and", "pro", "moscow", "s"]
PREFIXES = ["rus", "ki", "mo", "z"]
HOSTS = ["example.org", "www.example.org", "org", "example.com"]
URLS = [
    "https://example.org/a",
    "https://www.example.org/",
    "http://news.Example.ORG:8080/x",
    "https://notexample.org/",
    "https://example.org.evil.net/",
    "",
]
RAW_WORDS = [
    "Russia",
    "RUSSIAN",
    "russia",
    "Kyiv",
    "KIEV",
    "Zürich",
    "zurich",
    "Putin",
    "and",
    "AND",
    "pro-Moscow",
    "Ukraine’s",
    "moscow",
    "s",
    "other",
]
SEPARATORS = [" ", ", ", "\n", "-", "’"]

unicode_words = (
    st.text(st.characters(categories=["Lu", "Ll", "Lo", "Nd"]), min_size=1, max_size=6)
    .map(words)
    .filter(lambda ws: len(ws) == 1)
    .map(lambda ws: ws[0])
)


def node_strategy(word_source: st.SearchStrategy[str]) -> st.SearchStrategy[Node]:
    terms = st.one_of(
        word_source.map(Term),
        st.sampled_from(PREFIXES).map(lambda p: Term(p, prefix=True)),
    )
    phrases = st.lists(terms, min_size=2, max_size=3).map(lambda ts: Phrase(tuple(ts)))
    leaves = st.one_of(terms, terms, phrases, st.sampled_from(HOSTS).map(Site))

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        items = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            items.map(And),
            items.map(Or),
            children.map(Not),
            children.map(lambda c: Field("title", c)),
        )

    return st.recursive(leaves, extend, max_leaves=8)


nodes = node_strategy(st.sampled_from(VOCAB))
wide_nodes = node_strategy(st.one_of(st.sampled_from(VOCAB), unicode_words))
raw_texts = st.lists(
    st.tuples(st.sampled_from(RAW_WORDS), st.sampled_from(SEPARATORS)), max_size=12
).map(lambda pairs: "".join(w + s for w, s in pairs))
documents = st.builds(Document.from_text, raw_texts, raw_texts, st.sampled_from(URLS))


def reference(node: Node, doc: Document, title_only: bool = False) -> bool:
    """A naive evaluator: re-split the raw strings and slide over them."""
    sequences = [words(doc.title)] if title_only else [words(doc.title), words(doc.text)]
    if isinstance(node, Term | Phrase):
        pattern = [node] if isinstance(node, Term) else list(node.terms)
        return any(
            all(
                seq[i + k].startswith(p.word) if p.prefix else seq[i + k] == p.word
                for k, p in enumerate(pattern)
            )
            for seq in sequences
            for i in range(len(seq) - len(pattern) + 1)
        )
    if isinstance(node, Site):
        host = (urlsplit(doc.url).hostname or "").lower()
        return host == node.host or host.endswith("." + node.host)
    if isinstance(node, And):
        return all(reference(item, doc, title_only) for item in node.items)
    if isinstance(node, Or):
        return any(reference(item, doc, title_only) for item in node.items)
    if isinstance(node, Not):
        return not reference(node.item, doc, title_only)
    return reference(node.item, doc, True)


@FAST
@given(wide_nodes)
def test_unparse_round_trips(node: Node) -> None:
    assert parse(unparse(node)) == node


@FAST
@given(nodes, documents)
def test_matches_agrees_with_reference(node: Node, doc: Document) -> None:
    assert matches(node, doc) is reference(node, doc)
    if not matches(node, doc):
        assert matched_terms(node, doc) == []


@FAST
@given(nodes, nodes, documents)
def test_de_morgan(a: Node, b: Node, doc: Document) -> None:
    assert matches(Not(Or((a, b))), doc) is matches(And((Not(a), Not(b))), doc)
    assert matches(Not(And((a, b))), doc) is matches(Or((Not(a), Not(b))), doc)


query_pieces = st.sampled_from(
    [
        "Kyiv",
        "russ*",
        "AND",
        "OR",
        "NOT",
        "and",
        "(",
        ")",
        '"',
        "\u201c",
        "*",
        "title:",
        "site:",
        "site:example.org",
        " ",
        "-",
        "ü",
        "|",
        "pro-Moscow",
        "’",
    ]
)
random_queries = st.one_of(st.text(max_size=30), st.lists(query_pieces, max_size=12).map("".join))


@FAST
@given(random_queries)
def test_random_strings_raise_only_query_error(query: str) -> None:
    try:
        node = parse(query)
    except QueryError as exc:
        assert 0 <= exc.position <= len(query)
        assert exc.message == "empty query" or exc.message.endswith(f"at position {exc.position}")
    else:
        assert parse(unparse(node)) == node


@FAST
@given(st.text(max_size=20))
def test_fold_is_idempotent_and_words_are_folded(s: str) -> None:
    assert fold(fold(s)) == fold(s)
    assert all(words(w) == [w] for w in words(s))
