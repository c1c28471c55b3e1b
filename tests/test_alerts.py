"""Alert emails end to end: outbox rows in a real SQLite archive, delivered to a real SMTP sink."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.alerts.render import one_line
from crawler.alerts.sender import backoff, build_message, send_due, send_test
from crawler.config import Config, ConfigError, from_dict
from demo.sink import SmtpSink
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Alert, Article, Source, Story, TopicMatch, Version

TOPIC = "ukraine-russia"
QUERY = "(Ukraine OR Kyiv OR Kiev) AND (Russia OR Putin OR Kremlin OR Moscow)"
DESK, ANALYST = "desk@example.org", "analyst@example.org"
T0 = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
TEXT = (
    "Secretary of State Antony Blinken arrived in Kyiv on Tuesday on an unannounced visit. "
    "He said Washington would keep backing Ukraine as Vladimir Putin stares down the West."
)


# -- fixtures ------------------------------------------------------------------------------------
@dataclass
class Archive:
    """A migrated SQLite file and helpers that insert rows with the models."""

    sessions: sessionmaker[Session]
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def source(self, session: Session, name: str) -> int:
        found = session.scalars(select(Source.id).where(Source.name == name)).first()
        if found is not None:
            return found
        source = Source(name=name)
        session.add(source)
        session.flush()
        return source.id

    def article(self, session: Session, url: str, title: str, text: str, source: str) -> Article:
        article = Article(
            url=url, source_id=self.source(session, source), title=title, text=text,
            published_at=T0 - timedelta(hours=1), first_seen_at=T0, content_hash=url,
        )
        session.add(article)
        session.flush()
        session.add(Version(article_id=article.id, n=1, title=title, text=text, content_hash=url))
        return article

    def story(
        self, title: str, *, copies: int = 0, text: str = TEXT,
        terms: tuple[str, ...] = ("kyiv", "putin"),
    ) -> tuple[int, int]:
        """A story: its canonical article plus `copies` copies; a copy matched the topic.

        :return: (story id, id of the article that matched)
        """
        n = next(self._ids)
        with transaction(self.sessions) as session:
            story = Story()
            session.add(story)
            session.flush()
            articles = [self.article(session, f"https://wire.example/story-{n}", title, text,
                                     "Example Wire")]
            articles += [
                self.article(session, f"https://farm{i}.example/copy-{n}", f"{title} | Farm",
                             text + " Read Next.", f"Farm {i}")
                for i in range(copies)
            ]
            for a in articles:
                a.story_id = story.id
            story.canonical_article_id, story.copies = articles[0].id, len(articles)
            matched = articles[-1]
            session.add(TopicMatch(topic=TOPIC, article_id=matched.id, story_id=story.id,
                                   matched_at=T0, terms=json.dumps(list(terms))))
            return story.id, matched.id

    def queue(self, story_id: int, article_id: int, *recipients: str, **values: Any) -> None:
        """Outbox rows as Ingestor.queue_alerts writes them."""
        values = {"kind": "new", "key": "", "mode": "immediate", "status": "pending",
                  "created_at": T0, "due_at": values.get("created_at", T0), "payload": "{}",
                  **values}
        with transaction(self.sessions) as session:
            for rcpt in recipients or (DESK,):
                session.add(Alert(topic=TOPIC, recipient=rcpt, story_id=story_id,
                                  article_id=article_id, **values))

    def alerts(self) -> list[Alert]:
        with transaction(self.sessions) as session:
            return list(session.scalars(select(Alert).order_by(Alert.id)))


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    upgrade(db_url)
    engine = make_engine(db_url)
    yield Archive(session_factory(engine, write=True))
    engine.dispose()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def make_config(port: int, **alerts: Any) -> Config:
    return from_dict({
        "alerts": {"smtp_host": "127.0.0.1", "smtp_port": port, "from": "newsmon@alerts.example",
                   **alerts},
        "topics": [{"name": TOPIC, "query": QUERY, "alert_to": [DESK, ANALYST]}],
    })


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def to_of(msg: EmailMessage) -> str:
    return str(msg["To"])


# -- immediate alerts ----------------------------------------------------------------------------
def test_one_email_per_recipient_lists_each_story_once(archive: Archive, sink: SmtpSink) -> None:
    s1, a1 = archive.story("Blinken in Kyiv to back Ukraine as Putin stares down West", copies=2)
    s2, a2 = archive.story("Kremlin answers Kyiv visit")
    archive.queue(s1, a1, DESK, ANALYST)
    archive.queue(s2, a2, DESK, ANALYST)
    config = make_config(sink.port)

    assert send_due(archive.sessions, config, now=T0) == 2
    assert sorted(to_of(m) for m in sink.messages) == [ANALYST, DESK]
    assert sorted(rcpts for _, rcpts in sink.envelopes) == [[ANALYST], [DESK]]
    for msg in sink.messages:
        assert msg["Subject"] == f"[newsmon] {TOPIC}: 2 new stories"
        assert msg.get_content_type() == "multipart/alternative"
        text, html = text_of(msg), html_of(msg)
        # The canonical copy's URL, once each; never the copy that happened to match.
        assert text.count("https://wire.example/story-0") == 1
        assert text.count("https://wire.example/story-1") == 1
        assert "farm" not in text.lower()
        assert "2 other copies seen" in text and "2 other copies seen" in html
        assert text.count("other cop") == 1  # the second story has no copies
        assert "Example Wire" in text
        assert "*Kyiv*" in text and "<mark" in html and ">Kyiv</mark>" in html
        assert "2024-05-14 09:00 UTC" in text  # published time, with its zone
        assert "<img" not in html

    rows = archive.alerts()
    assert {r.status for r in rows} == {"sent"}
    ids = {to_of(m): m["Message-ID"] for m in sink.messages}
    assert all(r.message_id == ids[r.recipient] and r.sent_at == T0 for r in rows)
    assert ids[DESK].endswith("@alerts.example>")

    assert send_due(archive.sessions, config, now=T0 + timedelta(hours=1)) == 0
    assert len(sink.messages) == 2


def test_one_story_subject_is_its_headline(archive: Archive, sink: SmtpSink) -> None:
    headline = "Blinken in Київ — ‘we back Ukraine’"  # non-ASCII: RFC 2047 and back
    story, article = archive.story(headline)
    archive.queue(story, article)
    assert send_due(archive.sessions, make_config(sink.port), now=T0) == 1
    assert sink.messages[0]["Subject"] == f"[newsmon] {TOPIC}: {headline}"
    assert "other cop" not in text_of(sink.messages[0])


def test_page_text_cannot_inject_headers_or_markup(archive: Archive, sink: SmtpSink) -> None:
    title = "Kyiv\r\nBcc: victim@evil.example\r\n<script>alert(1)</script>\x1b[31m\u202e"
    story, article = archive.story(title, text=TEXT + " <img src=http://evil.example/x.png>")
    archive.queue(story, article)
    assert send_due(archive.sessions, make_config(sink.port), now=T0) == 1

    msg = sink.messages[0]
    subject = str(msg["Subject"])
    assert "\r" not in subject and "\n" not in subject and "\x1b" not in subject
    injected = "Kyiv Bcc: victim@evil.example <script>alert(1)</script>[31m"
    assert subject == f"[newsmon] {TOPIC}: {injected}"
    assert "Bcc" not in msg and sink.envelopes[0][1] == [DESK]
    html = html_of(msg)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "&lt;img src=http://evil.example/x.png&gt;" in html and "<img" not in html


# -- failures ------------------------------------------------------------------------------------
def test_refused_email_stays_pending_then_goes_once(archive: Archive, sink: SmtpSink) -> None:
    stories = [archive.story(f"Kyiv story {i}") for i in range(3)]
    for story, article in stories:
        archive.queue(story, article, DESK, ANALYST)
    config = make_config(sink.port)

    sink.refuse = 451
    assert send_due(archive.sessions, config, now=T0) == 0
    assert sink.messages == []
    rows = archive.alerts()
    assert {r.status for r in rows} == {"pending"}
    assert all(r.attempts == 1 and "451" in (r.last_error or "") for r in rows)
    assert {r.due_at for r in rows} == {T0 + timedelta(minutes=1)}

    sink.refuse = None
    assert send_due(archive.sessions, config, now=T0 + timedelta(seconds=30)) == 0  # backing off
    assert send_due(archive.sessions, config, now=T0 + timedelta(minutes=1)) == 2
    assert send_due(archive.sessions, config, now=T0 + timedelta(minutes=5)) == 0
    seen = Counter(
        (to_of(m), url)
        for m in sink.messages
        for url in (f"https://wire.example/story-{i}" for i in range(3))
        if url in text_of(m)
    )
    assert seen == Counter({(r, f"https://wire.example/story-{i}"): 1
                            for r in (DESK, ANALYST) for i in range(3)})
    assert all(r.status == "sent" and r.last_error is None for r in archive.alerts())


def test_smtp_down_keeps_rows_pending_with_backoff(archive: Archive) -> None:
    story, article = archive.story("Kyiv story")
    archive.queue(story, article)
    config = make_config(free_port(), max_attempts=3)

    assert send_due(archive.sessions, config, now=T0) == 0
    [row] = archive.alerts()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Connection refused" in (row.last_error or "") or "Errno" in (row.last_error or "")
    assert row.due_at == T0 + timedelta(minutes=1)

    later = T0 + timedelta(minutes=1)
    assert send_due(archive.sessions, config, now=later) == 0
    [row] = archive.alerts()
    assert (row.status, row.attempts, row.due_at) == ("pending", 2, later + timedelta(minutes=2))

    assert send_due(archive.sessions, config, now=later + timedelta(minutes=2)) == 0
    [row] = archive.alerts()
    assert (row.status, row.attempts) == ("failed", 3)  # alerts.max_attempts


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(7) == backoff(50) == timedelta(hours=1)


def test_a_stale_claim_is_sent_again_with_the_same_message_id(
    archive: Archive, sink: SmtpSink
) -> None:
    # A sender claimed the row at T0 and died before marking it: at-least-once delivery.
    story, article = archive.story("Kyiv story")
    archive.queue(story, article, status="sending", due_at=T0 + timedelta(minutes=15),
                  message_id="<crashed@alerts.example>", attempts=1)
    config = make_config(sink.port)
    assert send_due(archive.sessions, config, now=T0 + timedelta(minutes=5)) == 0  # still leased
    assert send_due(archive.sessions, config, now=T0 + timedelta(minutes=15)) == 1
    assert sink.messages[0]["Message-ID"] == "<crashed@alerts.example>"
    [row] = archive.alerts()
    assert (row.status, row.attempts) == ("sent", 2)


def test_concurrent_senders_send_each_email_once(archive: Archive, sink: SmtpSink) -> None:
    for i in range(4):
        story, article = archive.story(f"Kyiv story {i}")
        archive.queue(story, article, DESK, ANALYST)
    config = make_config(sink.port)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            counts.append(send_due(archive.sessions, config, now=T0))
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(counts) == 3
    assert sum(counts) == 2 and len(sink.messages) == 2
    assert sorted(to_of(m) for m in sink.messages) == [ANALYST, DESK]


def test_login_uses_the_env_password_and_never_logs_it(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    story, article = archive.story("Kyiv story")
    archive.queue(story, article)
    with SmtpSink(credentials=("newsmon", "s3cret-pw")) as sink:
        config = make_config(sink.port, smtp_user="newsmon")
        monkeypatch.setenv("NEWSMON_SMTP_PASSWORD", "wrong-pw")
        with caplog.at_level(logging.DEBUG):
            assert send_due(archive.sessions, config, now=T0) == 0
        [row] = archive.alerts()
        assert row.status == "pending" and "535" in (row.last_error or "")
        assert "wrong-pw" not in caplog.text and "wrong-pw" not in (row.last_error or "")

        monkeypatch.setenv("NEWSMON_SMTP_PASSWORD", "s3cret-pw")
        assert send_due(archive.sessions, config, now=T0 + timedelta(hours=1)) == 1
        assert sink.logins == ["newsmon"] and len(sink.messages) == 1


# -- daily digests -------------------------------------------------------------------------------
def test_daily_digest_once_a_day_after_the_local_time(archive: Archive, sink: SmtpSink) -> None:
    # 08:00 in Berlin on 14 May 2024 (CEST) is 06:00 UTC.
    config = make_config(sink.port, daily_at="08:00", timezone="Europe/Berlin")
    early = datetime(2024, 5, 14, 4, 0, tzinfo=UTC)
    for i in range(2):
        story, article = archive.story(f"Kyiv morning story {i}")
        archive.queue(story, article, mode="daily", created_at=early)

    assert send_due(archive.sessions, config, now=datetime(2024, 5, 14, 5, 59, tzinfo=UTC)) == 0
    assert send_due(archive.sessions, config, now=datetime(2024, 5, 14, 6, 1, tzinfo=UTC)) == 1
    digest = sink.messages[0]
    assert digest["Subject"] == f"[newsmon] {TOPIC}: 2 new stories"
    assert "Daily digest for 2024-05-14 (Europe/Berlin)" in text_of(digest)
    assert "Kyiv morning story 0" in text_of(digest) and "Kyiv morning story 1" in text_of(digest)

    story, article = archive.story("Kyiv afternoon story")
    archive.queue(story, article, mode="daily", created_at=datetime(2024, 5, 14, 13, 0, tzinfo=UTC))
    assert send_due(archive.sessions, config, now=datetime(2024, 5, 14, 21, 0, tzinfo=UTC)) == 0
    assert send_due(archive.sessions, config, now=datetime(2024, 5, 15, 5, 0, tzinfo=UTC)) == 0
    assert send_due(archive.sessions, config, now=datetime(2024, 5, 15, 6, 0, tzinfo=UTC)) == 1
    assert len(sink.messages) == 2
    second = text_of(sink.messages[1])
    assert "Kyiv afternoon story" in second and "morning" not in second
    assert "Daily digest for 2024-05-15" in second


# -- update alerts -------------------------------------------------------------------------------
def test_update_alert_shows_old_and_new_headline_and_changes(
    archive: Archive, sink: SmtpSink
) -> None:
    story, article = archive.story("Blinken visits Kyiv")
    archive.queue(story, article, status="sent", sent_at=T0, message_id="<first@alerts.example>")
    new_text = TEXT.replace("He said", "Officials said") + " Moscow dismissed the visit."
    with transaction(archive.sessions) as session:
        row = session.get(Article, article)
        assert row is not None
        row.title, row.text, row.version_count = "Blinken pledges more aid in Kyiv", new_text, 2
        session.add(Version(article_id=article, n=2, title=row.title, text=new_text,
                            content_hash="v2", material=True, headline_changed=True))
    archive.queue(story, article, kind="update", key=f"{article}:2",
                  payload=json.dumps({"old_title": "Blinken visits Kyiv", "version": 2}))

    assert send_due(archive.sessions, make_config(sink.port), now=T0 + timedelta(hours=2)) == 1
    [msg] = sink.messages
    assert msg["Subject"] == f"[newsmon] {TOPIC}: updated: Blinken pledges more aid in Kyiv"
    text, html = text_of(msg), html_of(msg)
    assert "Before: Blinken visits Kyiv" in text and "Blinken visits Kyiv" in html
    assert "+ Moscow dismissed the visit." in text
    assert "- He said Washington would keep backing Ukraine" in text
    assert "+ Officials said Washington" in text
    assert [r.status for r in archive.alerts()] == ["sent", "sent"]


# -- the message itself, the test email ----------------------------------------------------------
def test_build_message_is_multipart_with_single_line_headers() -> None:
    msg = build_message(
        sender="newsmon <newsmon@alerts.example>", to=DESK, subject="a\r\nBcc: x@y.example",
        text="plain", html="<p>html</p>", message_id="<1@alerts.example>", date=T0,
    )
    raw = msg.as_bytes()
    assert b"\r\nBcc:" not in raw and b"Subject: a Bcc: x@y.example\r\n" in raw
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert one_line(" two\n  lines\u2028here ") == "two lines here"
    with pytest.raises(ValueError):
        build_message(sender="n@a.example", to="x@y.example\r\nBcc: z@w.example", subject="s",
                      text="t", html="h", message_id="<2@a.example>", date=T0)


def test_send_test_delivers_a_sample(sink: SmtpSink) -> None:
    config = make_config(sink.port)
    message_id = send_test(config, "me@example.org")
    [msg] = sink.messages
    assert msg["Message-ID"] == message_id and message_id.endswith("@alerts.example>")
    assert msg["Subject"] == "[newsmon] test email" and msg["To"] == "me@example.org"
    assert f"127.0.0.1:{sink.port}" in text_of(msg) and "<mark" in html_of(msg)
    with pytest.raises(ConfigError):
        send_test(config, "not an address")


def test_send_test_raises_oserror_when_smtp_is_down() -> None:
    with pytest.raises(OSError):
        send_test(make_config(free_port()), "me@example.org")
