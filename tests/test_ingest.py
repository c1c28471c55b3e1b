"""The write path on real databases: versions, A/B returns, suspect losses, redirects, takedowns."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from crawler.archive.ingest import Ingestor
from crawler.config import Config, from_dict
from crawler.items import ArticlePage, FeedHints, Processed
from crawler.process.worker import body_hash, init_worker, process_page
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Article, ArticleURL, PageError, Version

URL = "https://news.example/world/2026/talks-resume"
PARAGRAPHS = [
    "Negotiators from both delegations met again on Tuesday in Geneva for a third round of "
    "talks on the exchange of prisoners and the reopening of the grain corridor.",
    "The mediators said the atmosphere was constructive, but warned that no agreement on the "
    "corridor could be expected before the end of the month.",
    "Officials on both sides declined to comment on reports that a draft text was circulating "
    "among the delegations late on Monday evening.",
    "The next round is scheduled for early next month, the mediators said in a statement "
    "published after the meeting ended.",
]


def page_html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html lang='en'><head><title>{html.escape(title)}</title></head><body><nav>Home</nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article><footer>(c)</footer></body></html>"
    ).encode()


@dataclass
class Archive:
    config: Config
    sessions: object

    def apply(self, page: ArticlePage, doc: Processed | None) -> Ingestor:
        ingestor = Ingestor(self.config)
        with transaction(self.sessions) as session:  # type: ignore[arg-type]
            ingestor.page(session, page, doc)
        return ingestor

    def article(self) -> Article:
        with self.sessions() as session:  # type: ignore[operator]
            return session.scalars(select(Article)).one()

    def versions(self) -> list[Version]:
        with self.sessions() as session:  # type: ignore[operator]
            return list(session.scalars(select(Version).order_by(Version.n)))


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    upgrade(db_url)
    init_worker([])
    engine = make_engine(db_url)
    yield Archive(from_dict({"database": {"url": db_url}}), session_factory(engine, write=True))
    engine.dispose()


def fetched(
    title: str,
    paragraphs: list[str],
    *,
    article_id: int | None = None,
    url: str = URL,
    urls: list[str] | None = None,
    status: int = 200,
) -> tuple[ArticlePage, Processed | None]:
    body = page_html(title, paragraphs) if status == 200 else b""
    page = ArticlePage(
        source="Example",
        url=url,
        urls=urls or [url],
        status=status,
        body=body,
        content_type="text/html",
        etag=None,
        last_modified=None,
        article_id=article_id,
        body_hash=body_hash(body),
    )
    doc = process_page(body, url, "text/html", FeedHints()) if status == 200 else None
    return page, doc


def test_first_sight_then_unchanged_then_one_word_fix(archive: Archive) -> None:
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS))
    article = archive.article()
    assert article.version_count == 1 and article.title == "Talks resume in Geneva"
    assert (
        archive.apply(
            *fetched("Talks resume in Geneva", PARAGRAPHS, article_id=article.id)
        ).counters["unchanged"]
        == 1
    )
    fixed = [PARAGRAPHS[0].replace("third", "fourth"), *PARAGRAPHS[1:]]
    archive.apply(*fetched("Talks resume in Geneva", fixed, article_id=article.id))
    versions = archive.versions()
    assert [v.n for v in versions] == [1, 2]
    assert versions[1].words_added == 1 and versions[1].words_removed == 1
    assert not versions[1].material and not versions[1].headline_changed


def test_a_return_to_an_earlier_headline_is_recorded_as_such(archive: Archive) -> None:
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS))
    article_id = archive.article().id
    archive.apply(
        *fetched("Prisoner swap on the table in Geneva", PARAGRAPHS, article_id=article_id)
    )
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS, article_id=article_id))
    versions = archive.versions()
    assert [v.n for v in versions] == [1, 2, 3]
    assert versions[1].headline_changed and versions[1].same_as_n is None
    assert versions[2].same_as_n == 1


def test_a_sudden_loss_of_text_waits_for_confirmation(archive: Archive) -> None:
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS))
    article_id = archive.article().id
    stub = ["Subscribe to continue reading this article and get unlimited access to our news."]
    held = archive.apply(*fetched("Talks resume in Geneva", stub, article_id=article_id))
    assert held.counters["suspect"] == 1
    assert len(archive.versions()) == 1
    assert archive.article().text.startswith("Negotiators")
    archive.apply(*fetched("Talks resume in Geneva", stub, article_id=article_id))
    assert len(archive.versions()) == 2
    assert archive.article().text.startswith("Subscribe")


def test_takedown_and_return(archive: Archive) -> None:
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS))
    article_id = archive.article().id
    archive.apply(*fetched("", [], article_id=article_id, status=410))
    gone = archive.article()
    assert gone.status == "gone" and gone.gone_at is not None
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS, article_id=article_id))
    back = archive.article()
    assert back.status == "live" and back.gone_at is None
    assert back.version_count == 1


def test_revisit_redirected_to_the_home_page_is_recorded_not_versioned(archive: Archive) -> None:
    archive.apply(*fetched("Talks resume in Geneva", PARAGRAPHS))
    article_id = archive.article().id
    home = "https://news.example/"
    archive.apply(
        *fetched(
            "News Example: home", PARAGRAPHS[:2], article_id=article_id, url=home, urls=[URL, home]
        )
    )
    article = archive.article()
    assert article.redirected_to == home
    assert article.version_count == 1
    with archive.sessions() as session:  # type: ignore[operator]
        aliases = set(session.scalars(select(ArticleURL.url)))
    assert home not in aliases


def test_new_link_redirecting_to_the_home_page_is_an_error(archive: Archive) -> None:
    home = "https://news.example/"
    archive.apply(*fetched("News Example: home", PARAGRAPHS, url=home, urls=[URL, home]))
    with archive.sessions() as session:  # type: ignore[operator]
        assert session.scalar(select(func.count()).select_from(Article)) == 0
        reasons = list(session.scalars(select(PageError.reason)))
    assert reasons == ["redirected to the home page"]


def test_store_html_keeps_the_page_and_reprocess_uses_it(db_url: str) -> None:
    import zlib

    from crawler.archive.reprocess import reprocess

    upgrade(db_url)
    init_worker([])
    config = from_dict({"database": {"url": db_url}, "crawl": {"store_html": True}})
    engine = make_engine(db_url)
    sessions = session_factory(engine, write=True)
    body = page_html("Talks resume in Geneva", PARAGRAPHS)
    page = ArticlePage(
        source="Example",
        url=URL,
        urls=[URL],
        status=200,
        body=body,
        content_type="text/html",
        etag=None,
        last_modified=None,
        body_hash=body_hash(body),
    )
    doc = process_page(body, URL, "text/html", FeedHints(), keep_html=True)
    page.body = b""  # as the pipeline does once a page is processed
    with transaction(sessions) as session:
        Ingestor(config).page(session, page, doc)
    with transaction(sessions) as session:
        version = session.scalars(select(Version)).one()
        assert version.html is not None and zlib.decompress(version.html) == body
        article = session.scalars(select(Article)).one()
        article.text = "garbled"
    stats = reprocess(sessions, config)
    assert stats == {"articles": 1, "changed": 1, "no_html": 0}
    with sessions() as session:
        assert session.scalars(select(Article)).one().text.startswith("Negotiators")
    engine.dispose()
