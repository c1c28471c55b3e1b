"""Source health: daily counters per source, a verdict after each poll, operator emails.

A source is unhealthy when it yields no new article over its last `source_health.empty_polls`
polls, when every fetch of a poll failed, or when the median words of its new articles fall
below half its usual (`words_baseline`, a slow moving average of the polls judged fine, so a
template change that leaves stubs does not become the norm). The verdict is kept in
source_health; when it changes, one email per `alerts.operator_to` address goes into the outbox in
the same transaction, so it is queued exactly once.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.archive import context
from crawler.archive.context import IngestState
from crawler.config import Config, SourceHealthConfig
from storage.models import Alert, Article, Source, SourceDay, SourceHealth
from storage.queries import insert_ignore

RATE_WINDOW = timedelta(days=7)  # the publishing rate adaptive polling follows


def record_polls(state: IngestState, session: Session, now: datetime) -> None:
    """After a crawl: each polled source's counters for the day and its verdict."""
    for name, (ok, failed, _ttl) in state.polls.items():
        source = session.get(Source, context.source_id(state, session, name))
        if source is None:
            continue
        words = list(
            session.scalars(
                select(Article.words).where(
                    Article.source_id == source.id, Article.first_seen_at >= state.opened
                )
            )
        )
        counts = state.requests.get(name, Counter())
        count_day(session, source, now, len(words), counts)
        health = session.get(SourceHealth, source.id)
        if health is None:
            health = SourceHealth(source_id=source.id, healthy=True, empty_polls=0)
            session.add(health)
        problems = judge(health, state.config.source_health, ok, failed, words, counts)
        verdict(session, state.config, source, health, problems, now)


def count_day(
    session: Session, source: Source, now: datetime, articles: int, counts: Counter[str]
) -> None:
    day = now.astimezone(UTC).date()
    zero = dict(polls=0, articles=0, requests=0, errors=0, not_modified=0)
    insert_ignore(session, SourceDay, [{"source_id": source.id, "day": day, **zero}],
                  ["source_id", "day"])  # fmt: skip
    row = session.get(SourceDay, (source.id, day))
    assert row is not None
    row.polls += 1
    row.articles += articles
    row.requests += counts["requests"]
    row.errors += counts["errors"]
    row.not_modified += counts["not_modified"]
    start = datetime.combine(day, time(0), tzinfo=UTC)
    words = session.scalars(
        select(Article.words).where(Article.source_id == source.id, Article.first_seen_at >= start)
    ).all()
    row.median_words = round(statistics.median(words)) if words else None


def judge(
    health: SourceHealth,
    settings: SourceHealthConfig,
    ok: int,
    failed: int,
    words: list[int],
    counts: Counter[str],
) -> list[str]:
    """What is wrong with a source after a poll (nothing: healthy); updates what the next
    verdicts are judged on (empty polls in a row, the usual length)."""
    problems = []
    health.empty_polls = 0 if words else (health.empty_polls or 0) + 1
    if health.empty_polls >= settings.empty_polls:
        problems.append(f"no new article in its last {health.empty_polls} polls")
    if (failed and not ok) or (counts["requests"] and counts["errors"] == counts["requests"]):
        problems.append("every fetch failed")
    previous = [p for p in (health.problem or "").split("; ") if "median words" in p]
    if len(words) < settings.min_articles:
        return problems + previous  # too few to judge the length: the last verdict stands
    current, usual = round(statistics.median(words)), health.words_baseline
    if usual is None:
        health.words_baseline = current
    elif current < usual / 2:
        problems.append(f"median words fell from {usual} to {current}")
    else:
        health.words_baseline = round(0.8 * usual + 0.2 * current)
    return problems


def verdict(
    session: Session,
    config: Config,
    source: Source,
    health: SourceHealth,
    problems: list[str],
    now: datetime,
) -> None:
    """Record the verdict; when it changes, queue one operator email per address."""
    health.problem = "; ".join(problems) or None
    healthy = not problems
    if healthy == (health.healthy if health.healthy is not None else True):
        return
    health.healthy, health.changed_at = healthy, now
    state = "recovered" if healthy else "unhealthy"
    payload = {"source": source.name, "state": state, "problems": problems,
               "last_success_at": source.last_success_at.isoformat()
               if source.last_success_at else None}  # fmt: skip
    for address in config.alerts.operator_to:
        session.add(
            Alert(
                topic=source.name[:200], recipient=address, story_id=None, article_id=None,
                kind="health", key=f"{state}:{now.isoformat()}"[:64], mode="immediate",
                status="pending", created_at=now, due_at=now, payload=json.dumps(payload),
            )
        )  # fmt: skip


def poll_interval(
    session: Session, source_id: int, low: timedelta, high: timedelta, now: datetime
) -> timedelta:
    """The wait before the next poll: the mean gap between the source's articles over the
    last week (by publication time, else first seen), within [low, high]."""
    when = func.coalesce(Article.published_at, Article.first_seen_at)
    recent = session.scalar(
        select(func.count()).where(Article.source_id == source_id, when >= now - RATE_WINDOW)
    )
    if not recent:
        return high
    return min(max(RATE_WINDOW / recent, low), high)
