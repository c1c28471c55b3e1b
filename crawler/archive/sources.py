"""Writes for sources and listings: polls, request counters, page failures, backoff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crawler.archive import context, health, revisits
from crawler.archive.context import IngestState
from crawler.items import ListingPage, PageFailure
from storage.models import (
    ListingState,
    PageError,
    Source,
    utcnow,
)


def listing(state: IngestState, session: Session, page: ListingPage) -> None:
    now = utcnow()
    known = session.scalars(select(ListingState).where(ListingState.url == page.url)).first()
    if known is None:
        known = ListingState(url=page.url, source_id=context.source_id(state, session, page.source))
        session.add(known)
    if page.status != 304:
        known.etag, known.last_modified = page.etag, page.last_modified
        known.ttl_seconds = page.ttl_seconds
    known.fetched_at, known.http_status = now, page.status
    poll = state.polls.setdefault(page.source, [0, 0, 0])
    poll[0] += 1
    poll[2] = max(poll[2], page.ttl_seconds or known.ttl_seconds or 0)
    context.count_request(state, session, page.source, not_modified=page.status == 304)
    state.counters["not_modified" if page.status == 304 else "listings"] += 1


def finish_sources(state: IngestState, session: Session, every: dict[str, timedelta]) -> None:
    """After a poll: record success, or back off a source whose every listing failed.

    A feed's <ttl>/sy:updatePeriod is a floor on the next poll; failures double the wait
    (capped at a day). A source with `every_min`/`every_max` waits as its publishing rate
    says (health.poll_interval). Then each polled source's health is judged.
    """
    now = utcnow()
    configured = {s.name: s for s in state.config.sources}
    for name, (ok, failed, ttl) in state.polls.items():
        source = session.get(Source, context.source_id(state, session, name))
        if source is None:
            continue
        source.last_polled_at = now
        if ok or not failed:
            source.last_success_at, source.consecutive_failures = now, 0
            source.next_poll_at = now + timedelta(seconds=ttl) if ttl else None
            adaptive = configured.get(name)
            if adaptive is not None and adaptive.every_min is not None:
                wait = health.poll_interval(session, source.id, *adaptive.poll_range, now)
                source.next_poll_at = max(source.next_poll_at or now, now + wait)
        else:
            source.consecutive_failures += 1
            base = every.get(name, timedelta(minutes=15))
            wait = min(base * 2 ** (source.consecutive_failures - 1), timedelta(days=1))
            source.next_poll_at = now + wait
    health.record_polls(state, session, now)


def failure(state: IngestState, session: Session, failure: PageFailure) -> None:
    now = utcnow()
    robots = failure.robots
    session.add(
        PageError(
            run_id=state.run_id,
            source=failure.source,
            url=failure.url,
            reason=failure.reason,
            http_status=failure.status,
            at=now,
        )
    )
    if failure.source:
        session.execute(
            update(Source)
            .where(Source.id == context.source_id(state, session, failure.source))
            .values(last_error_at=now, last_error=f"{failure.url}: {failure.reason}"[:2000])
        )
        context.count_request(state, session, failure.source, error=not robots)
        if failure.listing:
            state.polls.setdefault(failure.source, [0, 0, 0])[1] += 1
    if failure.article_id is not None:
        revisits.checked(state, session, failure.article_id, now, changed=False)
    if robots:
        state.counters["robots_excluded"] += 1  # obeying robots.txt is not a failure
    else:
        state.counters["errors"] += 1
