"""The demo news site serves what its truth says, over real HTTP on loopback."""

from __future__ import annotations

import gzip
import http.client
import itertools
import json
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import trafilatura
from lxml import etree
from protego import Protego
from trafilatura.settings import Document

from demo import ArticleTruth, DemoSite
from demo.content import BOILERPLATE_TEXT
from demo.site import DEFAULT_CORPUS, DEFAULT_SEED, EPOCH, iter_pages
from demo.topics import topics_of, words

CORPUS = Path(os.environ.get("NEWSMON_CORPUS_DIR") or DEFAULT_CORPUS)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Response:
    """One request, no redirects followed, no proxies (the fragment is never sent)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, headers=headers or {})
        res = conn.getresponse()
        return Response(res.status, res.headers, res.read())
    finally:
        conn.close()


def follow(url: str) -> tuple[str, list[int], Response]:
    """Follow redirects by hand: the final URL, the redirect statuses seen, the last response."""
    statuses: list[int] = []
    res = get(url)
    while res.status in (301, 302, 307, 308):
        statuses.append(res.status)
        url = urljoin(url, res.headers["Location"])
        res = get(url)
    return url, statuses, res


def canonical_of(html: str) -> str | None:
    match = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def page_text(html: str) -> str:
    return " ".join(unescape(html).split())


def norm(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite(corpus=False) as s:
        yield s


@pytest.fixture(scope="module")
def truths(site: DemoSite) -> list[ArticleTruth]:
    return site.articles()


def by_publisher(truths: list[ArticleTruth], name: str) -> list[ArticleTruth]:
    return [a for a in truths if a.publisher == name]


# --- shape and configuration ----------------------------------------------------------------------


def test_publishers_are_distinct_hosts_with_config(site: DemoSite) -> None:
    hosts = [p.host for p in site.publishers]
    assert len(site.publishers) == 4 and len(set(hosts)) == 4
    assert len({urlsplit(p.base_url).hostname for p in site.publishers}) == 4  # own addresses
    assert all(
        p.base_url == f"http://{p.host}" and urlsplit(p.base_url).port for p in site.publishers
    )
    sources = site.sources_config()
    assert [s["name"] for s in sources] == [p.name for p in site.publishers]
    assert all(
        set(s) == {"name", "feeds", "sitemaps", "pages", "follow", "paginate", "every"}
        for s in sources
    )
    assert {t["name"]: t["query"] for t in site.topic_config()} == {
        "ukraine-russia": "(Ukraine OR Kyiv OR Kiev) AND (Russia OR Putin OR Kremlin OR Moscow)",
        "climate": 'climate OR "carbon emissions" OR renewabl*',
        "chips": "title:semiconductor* OR (chip* AND NOT potato)",
    }
    config = tomllib.loads(
        site.config_toml("sqlite:///x.db", smtp_port=2525, extra='[revisit]\nschedule = ["1m"]')
    )
    assert config["database"]["url"] == "sqlite:///x.db"
    assert config["crawl"]["allow_private_networks"] == ["127.0.0.0/8"]
    assert config["crawl"]["obey_robots"] is True and config["crawl"]["download_delay"] == "0s"
    assert config["alerts"]["smtp_port"] == 2525 and config["revisit"]["schedule"] == ["1m"]
    assert config["sources"] == sources and config["topics"] == site.topic_config()


def test_totals_and_article_shape(site: DemoSite, truths: list[ArticleTruth]) -> None:
    assert len(truths) >= 200
    assert len({a.url for a in truths}) == len(truths)
    assert len({a.title for a in truths}) == len(truths)
    for a in truths:
        assert a.published_at.tzinfo is not None
        if a.story == "seed":
            continue  # the seed is served as it is
        assert 4 <= len(a.paragraphs) <= 12, a.url
        assert all(20 <= len(p.split()) <= 60 for p in a.paragraphs), a.url
    sizes = [
        len(body)
        for url, status, body in iter_pages(site)
        if status == 200 and b'<link rel="canonical"' in body and b'class="listing"' not in body
    ]
    assert len(sizes) >= 260 and min(sizes) >= 20_000 and max(sizes) <= 80_000


def test_publishers_have_different_markup(site: DemoSite, truths: list[ArticleTruth]) -> None:
    pages = {a.publisher: get(a.url).text for a in truths}
    herald, lattice, wire, farm = (pages[p.name] for p in site.publishers)
    assert (
        "<article" in herald
        and "<time datetime=" in herald
        and 'property="article:published' in herald
    )
    assert (
        "<article" not in lattice
        and "article:published" not in lattice
        and 'class="post-meta"' in lattice
    )
    assert '"@type": "NewsArticle"' in wire and '<html lang="en-US">' in wire
    assert "<font" in farm and "<table" in farm and "<html>" in farm and "Leave a Reply" in farm


def test_every_page_has_its_templates_boilerplate(
    site: DemoSite, truths: list[ArticleTruth]
) -> None:
    boilerplate = {p.name: p.boilerplate for p in site.publishers}
    for a in truths:
        text = page_text(get(a.url).text)
        missing = [b for b in boilerplate[a.publisher] if b not in text]
        assert not missing, (a.url, missing)


# --- robots, feeds, sitemaps, section pages -------------------------------------------------------


def test_robots_on_every_host(site: DemoSite, truths: list[ArticleTruth]) -> None:
    herald, lattice, _, farm = site.publishers
    rules = {}
    for p in site.publishers:
        res = get(p.base_url + "/robots.txt")
        assert res.status == 200 and "User-agent: *" in res.text
        rules[p.host] = Protego.parse(res.text)  # the parser Scrapy's RobotsTxtMiddleware uses
    assert all(rules[urlsplit(a.url).netloc].can_fetch(a.url, "newsmon") for a in truths)
    assert not any(rules[herald.host].can_fetch(u, "newsmon") for u in site.private_urls())
    assert (
        f"Sitemap: {lattice.base_url}/sitemap_index.xml"
        in get(lattice.base_url + "/robots.txt").text
    )
    assert f"Sitemap: {farm.base_url}/sitemap.xml" in get(farm.base_url + "/robots.txt").text


def resolve(site: DemoSite, truths: list[ArticleTruth], link: str) -> str | None:
    """The canonical URL a listed link stands for, or None for a fault."""
    if link in site.faults():
        return None
    for a in truths:
        if link == a.url or link in a.aliases:
            return a.url
    raise AssertionError(f"listed link {link} is no article, alias or fault")


def feed_links(res: Response) -> tuple[str, list[str]]:
    """(version, entry links) of a feed; feedparser 6.0 knows no JSON Feed, json does."""
    if "json" in res.headers["Content-Type"]:
        data = json.loads(res.body)
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        assert all({"id", "url", "title", "date_published"} <= set(i) for i in data["items"])
        return "json11", [item["url"] for item in data["items"]]
    feed = feedparser.parse(
        res.body, response_headers={"content-type": res.headers["Content-Type"]}
    )
    assert not feed.bozo, feed.get("bozo_exception")
    return feed.version, [e.link for e in feed.entries]


def test_feeds_parse_and_list_articles(site: DemoSite, truths: list[ArticleTruth]) -> None:
    versions = []
    for publisher in site.publishers:
        for url in publisher.feeds:
            res = get(url)
            assert res.status == 200 and res.headers["ETag"]
            version, links = feed_links(res)
            versions.append(version)
            assert len(links) >= 15
            listed = {resolve(site, truths, link) for link in links}
            assert {a.url for a in by_publisher(truths, publisher.name)} & listed
    assert sorted(versions) == ["atom10", "json11", "rss092", "rss10", "rss20"]
    herald_feed = feedparser.parse(get(site.publishers[0].feeds[0]).body)
    assert herald_feed.feed.ttl == "15"
    assert all("utm_source=rss" in e.link for e in herald_feed.entries)
    assert any("/amp/" in e.link for e in herald_feed.entries)


def sitemap_locs(url: str) -> list[str]:
    res = get(url)
    assert res.status == 200
    root = etree.fromstring(res.body)
    return [loc.text or "" for loc in root.iter(f"{SM}loc")]


def test_sitemaps_list_every_article(site: DemoSite, truths: list[ArticleTruth]) -> None:
    _, lattice, _, farm = site.publishers
    children = sitemap_locs(lattice.sitemaps[0])
    assert f"{lattice.base_url}/sitemaps/news.xml" in children and len(children) >= 3
    news = get(f"{lattice.base_url}/sitemaps/news.xml").text
    assert "http://www.google.com/schemas/sitemap-news/0.9" in news and "<news:title>" in news
    listed = set(itertools.chain.from_iterable(sitemap_locs(c) for c in children))
    assert listed == {a.url for a in by_publisher(truths, lattice.name)}
    assert set(sitemap_locs(farm.sitemaps[0])) == {a.url for a in by_publisher(truths, farm.name)}
    atom = {e.link for e in feedparser.parse(get(lattice.feeds[0]).body).entries}
    assert atom & listed, "some articles are both in the feed and in a sitemap"


def test_section_pages_paginate_and_reach_the_rest(
    site: DemoSite, truths: list[ArticleTruth]
) -> None:
    herald = site.publishers[0]
    follow_re, paginate_re = re.compile(herald.follow), re.compile(herald.paginate)
    queue, seen_pages, links = list(herald.pages), set(), set()
    while queue:
        page = queue.pop(0)
        seen_pages.add(page)
        html = get(page).text
        for href in re.findall(r'href="([^"]+)"', html):
            url = urljoin(page, unescape(href))
            if paginate_re.search(url) and url not in seen_pages:
                queue.append(url)
            elif follow_re.search(url) and urlsplit(url).netloc == herald.host:
                links.add(url)
    assert f"{herald.base_url}/news/page/3/" in seen_pages
    herald_urls = {a.url for a in by_publisher(truths, herald.name)}
    reached = {u.split("#")[0] for u in links}
    assert herald_urls <= reached
    in_feed = {
        resolve(site, truths, e.link) for e in feedparser.parse(get(herald.feeds[0]).body).entries
    }
    assert len(herald_urls - in_feed) >= 20, "some articles are reachable only from section pages"
    assert set(site.private_urls()) <= links and len(site.private_urls()) == 2
    assert {u for u, kind in site.faults().items() if kind in ("500", "404")} <= links
    assert any(u.endswith("#comments") for u in links)


def test_faults(site: DemoSite, truths: list[ArticleTruth]) -> None:
    faults = {kind: url for url, kind in site.faults().items()}
    assert set(faults) == {"500", "404", "empty", "binary"}
    assert get(faults["500"]).status == 500
    assert get(faults["404"]).status == 404
    empty = get(faults["empty"])
    assert (
        empty.status == 200
        and empty.body == b""
        and empty.headers["Content-Type"].startswith("text/html")
    )
    pdf = get(faults["binary"])
    assert (
        pdf.status == 200
        and pdf.body.startswith(b"%PDF")
        and "text/html" in pdf.headers["Content-Type"]
    )
    assert not set(site.faults()) & {a.url for a in truths}
    assert get(site.publishers[0].base_url + "/no/such/page").status == 404


# --- identity: canonical URLs and aliases ---------------------------------------------------------


def test_every_article_serves_its_title_and_paragraphs(truths: list[ArticleTruth]) -> None:
    for a in truths:
        res = get(a.url)
        assert res.status == 200 and res.headers["Content-Type"] == "text/html; charset=utf-8"
        html = res.text
        assert canonical_of(html) == a.url
        text = page_text(html)
        assert norm(a.title) in text
        assert all(norm(p) in text for p in a.paragraphs), a.url


def test_every_alias_resolves_to_its_article(site: DemoSite, truths: list[ArticleTruth]) -> None:
    kinds = set()
    for a in truths:
        for alias in a.aliases:
            final, statuses, res = follow(alias)
            assert res.status == 200, alias
            assert final.split("#")[0].split("?")[0] == a.url.split("?")[0] or "/amp/" in final
            assert canonical_of(res.text) == a.url and norm(a.title) in page_text(res.text)
            if "/s/" in alias or "/?p=" in alias:  # the old links feeds still carry
                assert len(statuses) == 2, (alias, statuses)
            kinds.add(
                "redirect"
                if statuses
                else "amp"
                if "/amp/" in alias
                else "fragment"
                if "#" in alias
                else "query"
                if "?" in alias
                else "other"
            )
    assert {"redirect", "amp", "fragment", "query"} <= kinds
    farm = site.publishers[3]
    redirect = next(
        alias for a in truths for alias in a.aliases if alias.startswith(f"{farm.base_url}/?p=")
    )
    first = get(redirect)
    second = get(first.headers["Location"])
    assert (first.status, second.status) == (301, 302)


# --- HTTP semantics: conditional requests and counters --------------------------------------------


def test_conditional_requests(site: DemoSite, truths: list[ArticleTruth]) -> None:
    for url in (truths[0].url, site.publishers[1].feeds[0], site.publishers[3].sitemaps[0]):
        first = get(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag.startswith('"') and modified
        assert get(url, {"If-None-Match": etag}).status == 304
        assert get(url, {"If-None-Match": f'"nope", W/{etag}'}).status == 304
        assert get(url, {"If-None-Match": '"nope"'}).status == 200
        assert get(url, {"If-Modified-Since": modified}).status == 304
        older = format_datetime(EPOCH - timedelta(days=400), usegmt=True)
        assert get(url, {"If-Modified-Since": older}).status == 200
        # If-None-Match wins over If-Modified-Since.
        assert get(url, {"If-None-Match": '"nope"', "If-Modified-Since": modified}).status == 200


def test_counters_count_requests_and_statuses(site: DemoSite, truths: list[ArticleTruth]) -> None:
    site.reset_counters()
    url = truths[1].url
    key = DemoSite.key(url)
    publisher = next(p for p in site.publishers if url.startswith(p.base_url))
    assert key == f"{publisher.host}{urlsplit(url).path}"
    etag = get(url).headers["ETag"]
    get(url, {"If-None-Match": etag})
    get(url + "?utm_source=x", method="HEAD")
    assert site.hits[key] == 2 and site.hits[key + "?utm_source=x"] == 1
    assert site.responses[(key, 200)] == 1 and site.responses[(key, 304)] == 1
    assert all(site.hits[DemoSite.key(u)] == 0 for u in site.private_urls())
    site.reset_counters()
    assert not site.hits and not site.responses


# --- topics ---------------------------------------------------------------------------------------


def test_topic_matcher_semantics() -> None:
    assert topics_of("Talks in Kyiv", ["Moscow said no."]) == {"ukraine-russia"}
    assert topics_of("Russian and Ukrainian players", ["A Russian beat a Ukrainian."]) == set()
    assert topics_of("KIEV", ["kremlin"]) == {"ukraine-russia"}
    assert topics_of("Kyïv", ["Pútin"]) == {"ukraine-russia"}
    assert topics_of("Snacks", ["Potato chips are crunchy."]) == set()
    assert topics_of("Semiconductors hit potato chip lines", ["Potato chips."]) == {"chips"}
    assert topics_of("Labs", ["A semiconductor and a microchip."]) == set()
    assert topics_of("Chipmaker", ["Profits rose."]) == {"chips"}
    assert topics_of("Power", ["Carbon emissions fell."]) == {"climate"}
    assert topics_of("Power", ["Carbon dioxide emissions fell in a climatic shift."]) == set()
    assert topics_of("Renewables boom", []) == {"climate"}
    assert words("pro-Moscow Ukraine’s") == ["pro", "moscow", "ukraine", "s"]


def test_topics_are_deliberate_with_near_misses(truths: list[ArticleTruth]) -> None:
    counts = {t: sum(t in a.topics for a in truths) for t in ("ukraine-russia", "climate", "chips")}
    assert all(n >= 15 for n in counts.values()), counts
    for a in truths:
        assert a.topics == topics_of(a.title, a.paragraphs)
    vocab = [(a, set(words(" ".join([a.title, *a.paragraphs])))) for a in truths]
    assert any(
        {"russian", "ukrainian"} <= v and not v & {"ukraine", "russia", "kyiv", "moscow"}
        for _, v in vocab
    )
    assert any("potato" in v and "chips" in v and "chips" not in a.topics for a, v in vocab)
    assert any("potato" in v and "chips" in a.topics for a, v in vocab)
    assert any("ukraine" in v and "ukraine-russia" not in a.topics for a, v in vocab)


# --- syndication and the seed ---------------------------------------------------------------------


def shingles(paragraphs: list[str]) -> set[str]:
    w = words(" ".join(paragraphs))
    return {" ".join(w[i : i + 5]) for i in range(len(w) - 4)}


def test_syndicated_copies(site: DemoSite, truths: list[ArticleTruth]) -> None:
    wire, farm = site.publishers[2].name, site.publishers[3].name
    stories: dict[str, list[ArticleTruth]] = {}
    for a in truths:
        if a.story:
            stories.setdefault(a.story, []).append(a)
    assert len(stories) >= 10
    for key, pair in stories.items():
        original, copy = sorted(pair, key=lambda a: a.publisher != wire)
        assert (original.publisher, copy.publisher) == (wire, farm), key
        assert original.url != copy.url and original.title != copy.title
        assert original.published_at < copy.published_at
        assert not set(BOILERPLATE_TEXT.values()) & set(copy.paragraphs)
        html = page_text(get(copy.url).text)
        assert "Read Next" in html and "Source link" in html
        kyiv = [
            norm(p).replace("Kiev", "Kyiv").rstrip(".")
            for p in (copy.paragraphs[-1], original.paragraphs[0])
        ]
        assert kyiv[0] == kyiv[1], "the copy repeats the standfirst as its last paragraph"
        ours, theirs = shingles(original.paragraphs), shingles(copy.paragraphs)
        assert len(ours & theirs) / len(ours | theirs) >= 0.6, key
    seen = [shingles(a.paragraphs) for a in truths if not a.story]
    worst = max(len(x & y) / len(x | y) for x, y in itertools.combinations(seen, 2))
    assert worst < 0.35, "unrelated articles must not look like copies"


def test_seed_story(site: DemoSite, truths: list[ArticleTruth]) -> None:
    original, copy = sorted(
        (a for a in truths if a.story == "seed"),
        key=lambda a: a.publisher != site.publishers[2].name,
    )
    assert "she said" in " ".join(copy.paragraphs)
    assert original.published_at < copy.published_at
    assert not any(re.search(r"\bKiev\b", p) for p in original.paragraphs)
    assert any(re.search(r"\bKiev\b", p) for p in copy.paragraphs)
    she = next(i for i, p in enumerate(original.paragraphs) if "she said" in p)
    assert original.paragraphs[she - 1] not in copy.paragraphs  # the paragraph the copy dropped
    assert (
        original.paragraphs
        == [p.replace("Kiev", "Kyiv") for p in copy.paragraphs[: she - 1]]
        + [original.paragraphs[she - 1]]
        + copy.paragraphs[she - 1 : -1]
    )
    assert "ukraine-russia" in copy.topics and "ukraine-russia" in original.topics
    if DEFAULT_SEED.is_file():
        lines = [
            ln.strip() for ln in DEFAULT_SEED.read_text(encoding="utf-8").splitlines() if ln.strip()
        ]
        assert copy.title == lines[0]
        assert copy.paragraphs == [
            ln
            for ln in lines[1:]
            if ln not in BOILERPLATE_TEXT.values() and not ln.startswith("Your email address")
        ]
        assert "Jen Psaki" in original.paragraphs[she - 1]


def test_synthetic_seed_when_the_file_is_missing(tmp_path: Path) -> None:
    with DemoSite(
        corpus=False, seed_article=tmp_path / "absent.txt", articles_per_publisher=12
    ) as s:
        original, copy = sorted(
            (a for a in s.articles() if a.story == "seed"),
            key=lambda a: a.publisher != s.publishers[2].name,
        )
        assert "Kiev" in copy.paragraphs[0] and len(original.paragraphs) == len(copy.paragraphs)
        assert "she said" in " ".join(copy.paragraphs) and "ukraine-russia" in copy.topics


# --- extraction -----------------------------------------------------------------------------------

TRAFILATURA: dict[str, Any] = {
    "favor_recall": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_formatting": False,
    "include_links": False,
    "deduplicate": False,
}


def extract(url: str, html: str) -> list[str]:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, **TRAFILATURA)
    assert isinstance(doc, Document)
    return [norm(line) for line in (doc.text or "").splitlines() if line.strip()]


def test_trafilatura_finds_the_body_and_no_boilerplate(
    site: DemoSite, truths: list[ArticleTruth]
) -> None:
    for publisher in site.publishers:
        sample = [a for a in by_publisher(truths, publisher.name) if not a.story][:3]
        for a in sample:
            lines = extract(a.url, get(a.url).text)
            assert lines == [norm(p) for p in a.paragraphs], a.url
            assert not [b for b in publisher.boilerplate if b in " ".join(lines)]
    amp = next(
        alias for a in truths for alias in a.aliases if "/amp/" in alias and "?" not in alias
    )
    article = next(a for a in truths if amp in a.aliases)
    assert extract(amp, get(amp).text) == [norm(p) for p in article.paragraphs]


# --- cycles ---------------------------------------------------------------------------------------


def test_advance_edits_news_gone_and_cosmetic_churn() -> None:
    with DemoSite(corpus=False, articles_per_publisher=24) as s:
        before = {a.url: a for a in s.articles()}
        pages = {a.url: get(a.url) for a in before.values()}
        planned = s.edits(1), s.edits(2), s.edits(3)
        s.advance()
        assert s.cycle == 1 and (s.edits(1), s.edits(2), s.edits(3)) == planned
        after = {a.url: a for a in s.articles()}
        edits = dict(s.edits(1))
        assert sorted(edits.values()) == ["headline", "one_word", "paragraph_added"]
        for url, kind in edits.items():
            old, new = before[url], after[url]
            if kind == "headline":
                assert old.title != new.title and old.paragraphs == new.paragraphs
                assert norm(new.title) in page_text(get(url).text)
            elif kind == "paragraph_added":
                assert len(new.paragraphs) == len(old.paragraphs) + 1
            else:
                pairs = zip(old.paragraphs, new.paragraphs, strict=True)
                changed = [(o.split(), n.split()) for o, n in pairs if o != n]
                assert len(changed) == 1
                assert sum(o != n for o, n in zip(*changed[0], strict=True)) == 1
        fresh = set(after) - set(before)
        assert len(fresh) == 2 and all(after[u].topics for u in fresh)
        feeds = b"".join(get(f).body for p in s.publishers for f in p.feeds)
        assert all(after[u].title.encode() in feeds for u in fresh)
        cosmetic = s.cosmetic(1)
        assert len(cosmetic) >= 60 and not set(cosmetic) & set(edits)
        content = lambda a: (a.title, a.paragraphs, a.author, a.published_at, a.topics, a.story)  # noqa: E731
        assert all(content(before[u]) == content(after[u]) for u in cosmetic)
        wire = s.publishers[2].base_url
        same_body = [u for u in cosmetic if u.startswith(wire)]
        assert same_body and all(get(u).body == pages[u].body for u in same_body)
        assert all(get(u).headers["ETag"] != pages[u].headers["ETag"] for u in same_body)
        herald = next(u for u in cosmetic if u.startswith(s.publishers[0].base_url))
        now = format_datetime(datetime.now(UTC), usegmt=True)
        for since in (pages[herald].headers["Last-Modified"], now):  # RFC style, or fetch time
            assert get(herald, {"If-Modified-Since": since}).status == 200
        assert (
            get(
                same_body[0], {"If-Modified-Since": pages[same_body[0]].headers["Last-Modified"]}
            ).status
            == 304
        )
        assert get(herald).body != pages[herald].body
        assert extract(herald, get(herald).text) == extract(herald, pages[herald].text)

        s.advance()
        gone = s.gone(2)
        assert len(gone) == 2 and sorted(get(u).status for u in gone) == [404, 410]
        assert not set(gone) & {a.url for a in s.articles()}
        assert set(gone) <= {a.url for a in s.articles(include_gone=True)}
        s.advance()
        assert s.gone(3) == [] and all(get(u).status == 200 for u in gone)
        assert set(gone) <= {a.url for a in s.articles()}
        with pytest.raises(ValueError):
            s.cosmetic(9)


def test_same_seed_same_site() -> None:
    a, b, c = (DemoSite(corpus=False, seed=n, articles_per_publisher=12) for n in (7, 7, 8))
    titles = [[d.draft.title for d in s._articles.values()] for s in (a, b, c)]
    assert titles[0] == titles[1] and titles[0] != titles[2]


# --- the Readability corpus host ------------------------------------------------------------------


@pytest.mark.skipif(not (CORPUS / "manifest.json").is_file(), reason="no Readability corpus")
def test_corpus_host_serves_real_pages() -> None:
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["pages"]
    real = sorted(name for name, info in manifest.items() if not info["synthetic"])
    with DemoSite(corpus_dir=CORPUS, articles_per_publisher=12) as s:
        corpus = s.publishers[4]
        assert len(s.publishers) == 5 and corpus.sitemaps
        robots = Protego.parse(get(corpus.base_url + "/robots.txt").text)
        assert robots.can_fetch(corpus.sitemaps[0], "newsmon")
        pages = by_publisher(s.articles(), corpus.name)
        assert {urlsplit(a.url).path for a in pages} == {f"/page/{n}.html" for n in real}
        assert set(sitemap_locs(corpus.sitemaps[0])) == {a.url for a in pages}
        sample = next(a for a in pages if a.url.endswith("/page/aclu.html"))
        res = get(sample.url)
        assert res.headers["Content-Type"] == "text/html; charset=utf-8"
        assert res.body == gzip.decompress((CORPUS / "aclu" / "source.html.gz").read_bytes())
        expected = (CORPUS / "aclu" / "expected.txt").read_text(encoding="utf-8").splitlines()
        assert sample.paragraphs == [ln.strip() for ln in expected if ln.strip()]
        metadata = json.loads((CORPUS / "aclu" / "expected-metadata.json").read_text())
        assert sample.title == metadata["title"]
        assert isinstance(sample.published_at, datetime) and sample.published_at.tzinfo
