"""Topic matches of stored articles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from crawler.archive import outbox
from crawler.archive.context import IngestState
from crawler.process.texts import terms_json
from storage.models import (
    Article,
    TopicMatch,
)
from storage.queries import insert_ignore


def match(
    state: IngestState,
    session: Session,
    article: Article,
    topics: dict[str, list[str]],
    now: datetime,
) -> None:
    for name, terms in topics.items():
        topic = state.topics.get(name)
        if topic is None:
            continue
        inserted = insert_ignore(
            session,
            TopicMatch,
            [
                {
                    "topic": name,
                    "article_id": article.id,
                    "story_id": article.story_id,
                    "matched_at": now,
                    "terms": terms_json(terms),
                }
            ],
            ["topic", "article_id"],
        )
        if inserted:
            state.counters["matches"] += 1
            outbox.queue_alerts(session, topic, article, now)
