"""The alert outbox: rows written in the match's transaction, sent by crawler.alerts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.archive.context import IngestState
from crawler.config import TopicConfig
from storage.models import (
    Alert,
    Article,
    Version,
)
from storage.queries import insert_ignore


def _alert_row(
    topic: str,
    recipient: str,
    article: Article,
    kind: str,
    key: str,
    mode: str,
    now: datetime,
    payload: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """One outbox row; (topic, recipient, story, kind, key) is unique, so a story is queued
    once however many copies or versions arrive."""
    return {
        "topic": topic,
        "recipient": recipient,
        "story_id": article.story_id,
        "article_id": article.id,
        "kind": kind,
        "key": key,
        "mode": mode,
        "status": "pending",
        "created_at": now,
        "due_at": now,
        "payload": json.dumps(payload or {}),
    }


def queue_alerts(session: Session, topic: TopicConfig, article: Article, now: datetime) -> None:
    """Outbox rows, in the match's transaction: one per (topic, recipient, story)."""
    if topic.alert_mode == "none" or not topic.alert_to or article.story_id is None:
        return
    rows = [
        _alert_row(topic.name, rcpt, article, "new", "", topic.alert_mode, now)
        for rcpt in topic.alert_to
    ]
    insert_ignore(session, Alert, rows, ["topic", "recipient", "story_id", "kind", "key"])


def queue_updates(
    state: IngestState,
    session: Session,
    article: Article,
    old_title: str | None,
    version: Version,
    now: datetime,
) -> None:
    """Update alerts for recipients who were already sent this story (alert_updates)."""
    if article.story_id is None:
        return
    sent = session.execute(
        select(Alert.topic, Alert.recipient).where(
            Alert.story_id == article.story_id, Alert.kind == "new", Alert.status == "sent"
        )
    ).all()
    rows = []
    for topic_name, rcpt in sent:
        topic = state.topics.get(topic_name)
        if topic is None or not topic.alert_updates:
            continue
        payload = {"old_title": old_title, "version": version.n}
        key = f"{article.id}:{version.n}"
        rows.append(_alert_row(topic_name, rcpt, article, "update", key, "immediate", now, payload))
    if rows:
        insert_ignore(session, Alert, rows, ["topic", "recipient", "story_id", "kind", "key"])
