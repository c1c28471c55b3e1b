"""The page rules of headline, authors, publication time and body (crawler/process), one page
at a time, and the floors on the readability corpus (benchmarks/metadata.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from benchmarks import metadata as bench
from crawler.process.authors import clean_names
from crawler.process.body import _continues, without_navigation
from crawler.process.extract import extract
from crawler.process.profile import SourceProfile

BODY = "".join(
    f"<p>Paragraph {i}: the minister said the talks would continue next week in the capital, "
    f"and that both delegations had agreed on a timetable for the remaining issues.</p>"
    for i in range(6)
)


def _page(head: str, top: str = "", body: str = BODY) -> str:
    return f"<html><head>{head}</head><body><article>{top}{body}</article></body></html>"


@pytest.mark.parametrize(
    ("head", "url"),
    [
        (
            "<title>Talks resume in Geneva - The Washington Post</title>"
            '<meta property="og:site_name" content="The Washington Post">',
            "https://www.washingtonpost.com/world/talks/",
        ),
        ("<title>Talks resume in Geneva | rp.pl</title>", "https://www.rp.pl/swiat/art1"),
        ("<title>rp.pl | Talks resume in Geneva</title>", "https://www.rp.pl/swiat/art1"),
        ("<title>Talks resume in Geneva [LWN.net]</title>", "https://lwn.net/Articles/1/"),
        ("<title>Talks resume in Geneva › Welt › rp.pl</title>", "https://www.rp.pl/swiat/art1"),
    ],
)
def test_site_segment_is_stripped_from_title(head: str, url: str) -> None:
    assert extract(_page(head), url).title == "Talks resume in Geneva"


def test_kicker_h1_loses_to_the_headline() -> None:
    head = "<title>Talks resume in Geneva after months of deadlock | Daily</title>"
    head += '<meta property="og:title" content="Talks resume in Geneva after months of deadlock">'
    got = extract(_page(head, "<h1>Analysis</h1>"), "https://daily.example/a")
    assert got.title == "Talks resume in Geneva after months of deadlock"


def test_a_kicker_inside_the_h1_is_no_part_of_the_headline() -> None:
    head = "<title>Talks resume in Geneva after months of deadlock | Daily</title>"
    top = "<h1><span class=kicker>Analysis</span> Talks resume in Geneva after months of"
    top += " deadlock</h1>"
    got = extract(_page(head, top), "https://daily.example/a")
    assert got.title == "Talks resume in Geneva after months of deadlock"


def test_site_name_h1_is_no_headline() -> None:
    head = "<title>Talks resume in Geneva after months of deadlock</title>"
    head += '<meta property="og:site_name" content="Kyiv Independent">'
    got = extract(_page(head, "<h1>Kyiv Independent</h1>"), "https://kyivindependent.com/x")
    assert got.title == "Talks resume in Geneva after months of deadlock"


@pytest.mark.parametrize(
    "logo",
    [
        '<h1><a href="/">Harbour Courier</a></h1>',
        '<h1 class="site-title"><a href="https://courier.example/">Harbour Courier</a></h1>',
    ],
)
def test_a_logo_h1_is_no_headline_and_names_the_site(logo: str) -> None:
    head = "<title>Talks resume in Geneva after months of deadlock - Harbour Courier</title>"
    html = f"<html><head>{head}</head><body><header>{logo}</header><article>{BODY}</article>"
    got = extract(html + "</body></html>", "https://courier.example/a")
    assert got.title == "Talks resume in Geneva after months of deadlock"


def test_a_cut_headline_agrees_with_the_whole_one() -> None:
    whole = "Talks resume in Geneva after months of deadlock as both delegations agree on a"
    whole += " timetable for the remaining issues, officials say"
    head = _ld(headline=whole[:105]) + f'<meta property="og:title" content="{whole[:40]}…">'
    got = extract(_page(head, f"<h1>{whole}</h1>"), "https://daily.example/a")
    assert got.title == whole


def test_a_headings_permalink_sign_is_no_part_of_it() -> None:
    head = "<title>Shared history - docs</title>"
    got = extract(_page(head, '<h1>Shared history<a href="#x">¶</a></h1>'), "https://d.example/")
    assert got.title == "Shared history"


def _ld(**fields: object) -> str:
    obj = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_json_ld_offset_beats_a_naive_meta_time() -> None:
    head = '<meta property="article:published_time" content="2024-05-02T14:30:00">'
    head += _ld(datePublished="2024-05-02T14:30:00+08:00")
    got = extract(_page(head), "https://news.example/a").published_at
    assert got == datetime(2024, 5, 2, 14, 30, tzinfo=timezone(timedelta(hours=8)))
    assert got is not None and got.utcoffset() == timedelta(hours=8)  # the offset is kept


def test_naive_json_ld_takes_the_offset_of_the_same_clock_time() -> None:
    head = '<meta property="article:published_time" content="2024-05-02T14:30:00+02:00">'
    head += _ld(datePublished="2024-05-02T14:30:00")
    got = extract(_page(head), "https://news.example/a").published_at
    assert got == datetime(2024, 5, 2, 12, 30, tzinfo=UTC)


def test_a_date_elsewhere_does_not_beat_the_json_ld() -> None:
    head = '<meta property="article:published_time" content="2024-12-07T12:43:39Z">'
    head += _ld(datePublished="2024-12-06T22:00:40Z")
    sidebar = '<aside><time itemprop="datePublished" datetime="2023-01-01">x</time></aside>'
    got = extract(_page(head, body=BODY + sidebar), "https://news.example/a").published_at
    assert got == datetime(2024, 12, 6, 22, 0, 40, tzinfo=UTC)


def test_naive_time_takes_the_learned_zone_else_utc() -> None:
    page = _page('<meta property="article:published_time" content="2024-03-04T09:15:00">')
    plain = extract(page, "https://bote.example/a").published_at
    learned = extract(page, "https://bote.example/a", profile=SourceProfile(utc_offset=60))
    assert plain == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)
    assert learned.published_at == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)


def test_a_feed_date_alone_does_not_replace_a_naive_page_time() -> None:
    page = _page('<meta property="article:published_time" content="2024-03-04T09:15:00">')
    midnight = datetime(2024, 3, 4, tzinfo=UTC)
    got = extract(page, "https://bote.example/a", fallback_published=midnight).published_at
    assert got == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)
    feed = datetime(2024, 3, 4, 8, 15, tzinfo=UTC)  # the same moment, from the feed
    got = extract(page, "https://bote.example/a", fallback_published=feed).published_at
    assert got == feed


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Rachel Brazil", ["Rachel Brazil"]),
        ("Brazil, Rachel", ["Rachel Brazil"]),
        ("By Anna Kowal and Tom Hale", ["Anna Kowal", "Tom Hale"]),
        ("By A. Smith, B. Jones and C. Doe", ["A. Smith", "B. Jones", "C. Doe"]),
        ("Lucía Fernández y Pedro Gil", ["Lucía Fernández", "Pedro Gil"]),
        ("Jan Novák a Petr Svoboda", ["Jan Novák", "Petr Svoboda"]),
        ("Иван Петров и Анна Смирнова", ["Иван Петров", "Анна Смирнова"]),
        ("记者 张三、李四", ["张三", "李四"]),
        ("By Nathan Willis March 25, 2015", ["Nathan Willis"]),
        ("Ben Silverman Games Editor", ["Ben Silverman"]),
        ("Jane Reporter", ["Jane Reporter"]),
        ("홍길동 기자", ["홍길동"]),
        ("AFP", []),
        ("Reuters Staff", []),
        ("Jane Doe, Senior Reporter", ["Jane Doe"]),
        ("Senior Reporter", []),
        ("By Jane Doe in Kyiv", ["Jane Doe"]),
        ("By JANE DOE Associated Press", ["Jane Doe"]),
        ("Jane Doe of The Associated Press", ["Jane Doe"]),
        ("Jane Doe View profile", ["Jane Doe"]),
        ("By Jane Doe for The Guardian", ["Jane Doe"]),
        ("Jane Doe for CNN", ["Jane Doe"]),
        ("Jane Doe, CNN Business", ["Jane Doe"]),
        ("John Smith III", ["John Smith III"]),
        ("Sign up to get more stories", []),
        ("Joe Wee Monday, February 29, 2016", ["Joe Wee"]),
        ("Associated Press", []),
        ("Agence France-Presse", []),
        ("Redakcja Portalu", []),
    ],
)
def test_byline_names_people(byline: str, names: list[str]) -> None:
    assert clean_names(byline) == names


def test_organisation_and_site_name_are_no_authors() -> None:
    head = '<meta property="og:site_name" content="Harbour Courier">'
    head += _ld(
        author=[
            {"@type": "Organization", "name": "Harbour Courier"},
            {"@type": "Person", "name": "Rachel Brazil"},
        ]
    )
    head += '<meta name="author" content="Harbour Courier">'
    assert extract(_page(head), "https://courier.example/a").author == "Rachel Brazil"


def test_a_label_matched_first_does_not_hide_the_byline() -> None:
    menu = '<nav><span class="username">Username</span></nav>'
    byline = '<span class="pb-byline">By <a href="/people/erin">Erin Cunningham</a></span>'
    html = f"<html><body>{menu}<h1>Talks resume</h1>{byline}{BODY}</body></html>"
    assert extract(html, "https://post.example/a").author == "Erin Cunningham"


def test_links_to_author_pages_name_the_authors() -> None:
    byline = '<div><a href="/author/ana-lopes/">Ana Lopes</a> and <a href="/author/tom-hale/">'
    byline += "Tom Hale</a></div>"
    aside = '<aside><a href="/author/other-one/">Other One</a></aside>'
    html = f"<html><body>{aside}<article><h1>Talks</h1>{byline}{BODY}</article></body></html>"
    assert extract(html, "https://x.example/a").author == "Ana Lopes; Tom Hale"


def test_byline_links_without_separators_are_several_names() -> None:
    byline = '<div class="byline">By <a href="/p/ana">Ana Lopes</a><a href="/p/tom">Tom Hale</a>'
    html = f"<html><body><article><h1>Talks</h1>{byline}</div>{BODY}</article></body></html>"
    assert extract(html, "https://x.example/a").author == "Ana Lopes; Tom Hale"


def test_json_ld_author_by_reference_and_rdfa_properties() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Article", "headline": "Talks", "author": {"@id": "https://x.example/#p1"}},
            {"@type": "Person", "@id": "https://x.example/#p1", "name": "Ana Lopes"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    assert extract(_page(head), "https://x.example/a").author == "Ana Lopes"
    head = _ld(creator=["Ana Lopes", "Tom Hale"])
    assert extract(_page(head), "https://x.example/a").author == "Ana Lopes; Tom Hale"
    head = '<meta name="twitter:label1" content="Written by">'
    head += '<meta name="twitter:data1" content="Ana Lopes">'
    head += '<meta name="twitter:label2" content="Est. reading time">'
    head += '<meta name="twitter:data2" content="4 minutes">'
    assert extract(_page(head), "https://x.example/a").author == "Ana Lopes"
    head = '<meta property="dc:creator og:author" content="Ana Lopes">'
    assert extract(_page(head), "https://x.example/a").author == "Ana Lopes"


def test_navigation_lines_are_not_text() -> None:
    text = "Home › World › Europe\nTrending: Elections | Weather\nMost read\nThe talks > resumed."
    assert without_navigation(text, set()) == "The talks > resumed."
    assert without_navigation("World\nNews\nText here", {"world", "news"}) == "Text here"


def test_a_slideshow_a_player_and_a_copyright_are_not_text() -> None:
    slides = "\n".join(f"- {i}/20 Caption {i} of another story's gallery" for i in range(1, 6))
    player = "This is a modal window.\n- descriptions off, selected\n- Chapters"
    text = f"The talks resumed.\n{player}\n{slides}\n© 2024 Harbour Media. All rights reserved."
    assert without_navigation(text, set()) == "The talks resumed."
    assert without_navigation("The talks resumed.\nHarbour News | Powered by Tumblr", set()) == (
        "The talks resumed."
    )
    kept = "The vote was 3/4 in favour.\nCopyright law was the topic of the talks."
    kept += "\nThe car is powered by a battery."
    assert without_navigation(kept, set()) == kept


def test_what_follows_the_article_is_not_text() -> None:
    article = "\n".join(f"Paragraph {i} of the article about the council vote." for i in range(6))
    after = "You Might Also Like\nAnother story's teaser\n- Previous\n- Next\nComments"
    assert without_navigation(f"{article}\n{after}", set()) == article
    boxed = f"Related stories\nA box at the top\n{article}"  # early: the article goes on
    assert without_navigation(boxed, set()) == f"A box at the top\n{article}"


def test_the_longer_mode_wins_only_when_it_continues_the_article() -> None:
    assert _continues("a\nb", "a\nb\nc\nd")
    assert not _continues("a\nb", "other story\nanother\na\nb\nc")


def test_body_only_in_next_data_is_archived_with_its_paragraphs() -> None:
    paras = [
        f"Paragraph {i} of the story says something about the council vote." * 3 for i in range(4)
    ]
    data = {"props": {"pageProps": {"story": {"body": [{"text": p} for p in paras]}}}}
    html = (
        '<html><head><title>Vote | Pulse</title><meta property="og:title" content="Vote">'
        '<meta name="author" content="Eva Lindqvist"></head><body><div id="__next"></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
        "</body></html>"
    )
    got = extract(html, "https://pulse.example/vote")
    assert got.text.split("\n") == paras
    assert (got.title, got.author) == ("Vote", "Eva Lindqvist")


# --- the readability corpus: floors that can only rise (docs/benchmarks.md) ---------------

# Measured with benchmarks/metadata.py (docs/extraction.md); a floor is the figure reached.
FLOORS = {
    "title_f1": 0.931,
    "authors_f1": 0.845,
    "date_day": 1.0,
    "date_minute": 1.0,
    "body_f1": 0.954,
}


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> tuple[list[bench.Page], dict[str, bench.Found]]:
    """The corpus pages and what newsmon's worker makes of each, extracted once."""
    pages = bench.load(corpus_dir)
    return pages, {page.name: bench.newsmon(page) for page in pages}


def test_corpus_metadata_floors(corpus: tuple[list[bench.Page], dict[str, bench.Found]]) -> None:
    pages, found = corpus
    scores, _ = bench.score(pages, lambda page: found[page.name])
    for key, floor in FLOORS.items():
        assert getattr(scores, key) >= floor - 0.0005, (key, getattr(scores, key))


def test_no_corpus_page_loses_half_its_body_to_the_extraction_mode(
    corpus: tuple[list[bench.Page], dict[str, bench.Found]],
) -> None:
    pages, found = corpus
    assert bench.mode_losses(pages, lambda page: found[page.name]) == []
