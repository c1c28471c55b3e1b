"""What one run's archive writes share (IngestState): its configuration, counters and caches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from crawler.config import Config, TopicConfig
from crawler.items import ArticleAlias
from storage.models import (
    Source,
    utcnow,
)
from storage.queries import core_execute, insert_ignore


@dataclass
class IngestState:
    """What one run's writes share: its configuration and run, counters, and caches."""

    config: Config
    run_id: int | None = None
    schedule: list[timedelta] = field(default_factory=list)
    topics: dict[str, TopicConfig] = field(default_factory=dict)
    source_ids: dict[str, int] = field(default_factory=dict)
    counters: Counter[str] = field(default_factory=Counter)
    # Per source this run: listings answered, listings failed, largest feed TTL (seconds).
    polls: dict[str, list[int]] = field(default_factory=dict)
    # Per source this run: requests, not_modified, errors (its health, archive/health.py).
    requests: dict[str, Counter[str]] = field(default_factory=dict)
    opened: datetime = field(default_factory=utcnow)  # what was first seen since is new
    # Aliases whose article was still in flight; retried at each batch and at the end.
    deferred: list[ArticleAlias] = field(default_factory=list)
    # Per source, the learned boilerplate the pages being stored were stripped of (the
    # crawl's, shared): a revisit is compared with the previous version cleaned alike.
    boilerplate: Mapping[str, AbstractSet[str]] = field(default_factory=dict)
    # Within a batch (Ingestor.batch), the per-page writes to rows many pages share, added up
    # and written once at its end: per source id, [requests, not modified, errors] and the
    # time of its last new article; boilerplate paragraph counts (read only by relearning).
    batching: bool = False
    source_counts: dict[int, list[int]] = field(default_factory=dict)
    new_article_at: dict[int, datetime] = field(default_factory=dict)
    paragraph_rows: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.schedule = self.schedule or list(self.config.revisit.schedule)
        self.topics = self.topics or {t.name: t for t in self.config.topics}


# Run for every page, on no table the session holds objects of: built once and run as Core
# on the session's connection (see storage.queries.core_execute).
_COUNT_REQUEST = (
    update(Source)
    .where(Source.id == bindparam("source"))
    .values(
        requests=Source.requests + bindparam("more_requests"),
        not_modified=Source.not_modified + bindparam("more_not_modified"),
        errors=Source.errors + bindparam("more_errors"),
    )
)


def source_id(state: IngestState, session: Session, name: str) -> int:
    if name not in state.source_ids:
        insert_ignore(session, Source, [{"name": name, "created_at": utcnow()}], ["name"])
        state.source_ids[name] = session.scalars(select(Source.id).where(Source.name == name)).one()
    return state.source_ids[name]


def count_request(
    state: IngestState,
    session: Session,
    name: str,
    *,
    not_modified: bool = False,
    error: bool = False,
) -> None:
    counts = state.requests.setdefault(name, Counter())
    counts.update(requests=1, not_modified=int(not_modified), errors=int(error))
    source = source_id(state, session, name)
    if state.batching:
        batched = state.source_counts.setdefault(source, [0, 0, 0])
        batched[0] += 1
        batched[1] += not_modified
        batched[2] += error
        return
    params = {
        "source": source,
        "more_requests": 1,
        "more_not_modified": int(not_modified),
        "more_errors": int(error),
    }
    core_execute(session, _COUNT_REQUEST, params)


def write_counts(state: IngestState, session: Session) -> None:
    """The request counters a batch added up, one row per source."""
    rows = [
        {"source": source, "more_requests": r, "more_not_modified": nm, "more_errors": e}
        for source, (r, nm, e) in state.source_counts.items()
    ]
    state.source_counts = {}
    if rows:
        core_execute(session, _COUNT_REQUEST, rows)
