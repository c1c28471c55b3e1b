"""Outbox sender: claim due alert rows, render them, deliver over one SMTP connection per run."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from crawler.alerts.operator import render_health
from crawler.alerts.render import (
    Rendered,
    StoryView,
    build_message,
    render_stories,
    render_test,
    render_update,
)
from crawler.alerts.smtp import Mailer, error_text
from crawler.alerts.views import SNIPPET_WIDTH, story_views, update_view
from crawler.config import AlertsConfig, Config, ConfigError
from crawler.text.topics import snippet
from storage.db import transaction
from storage.models import Alert, utcnow

__all__ = ["build_message", "last_digest_slot", "send_due", "send_test"]


logger = logging.getLogger(__name__)


# A claim is a lease: a row left in "sending" this long (the process died between sending and
# marking) is claimed again by a later run, so delivery is at-least-once (docs/alerts.md).
CLAIM_LEASE = timedelta(minutes=15)


# Retry delays after a failed attempt: 1m, 2m, 4m, ... capped at 1h.
BACKOFF_FIRST = timedelta(minutes=1)


BACKOFF_MAX = timedelta(hours=1)


# An email lists at most this many stories; the rest stay pending for the next run.
MAX_STORIES_PER_EMAIL = 100


_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


# -- time ----------------------------------------------------------------------------------------
def zone(alerts: AlertsConfig) -> ZoneInfo:
    try:
        return ZoneInfo(alerts.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem = f"unknown time zone {alerts.timezone!r}"
        raise ConfigError(None, "alerts.timezone", problem) from None


def _clock(daily_at: str) -> time:
    m = _CLOCK.match(daily_at)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ConfigError(None, "alerts.daily_at", f"not a time of day (HH:MM): {daily_at!r}")
    return time(int(m.group(1)), int(m.group(2)))


def last_digest_slot(now: datetime, daily_at: str, tz: ZoneInfo) -> datetime:
    """The latest daily digest time (`daily_at` in `tz`) at or before `now`, in UTC.

    A daily row is due once a slot has passed since it was queued: created_at <= this.
    """
    at = _clock(daily_at)
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), at, tzinfo=tz)
    if slot > now:
        slot = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=tz)
    return slot.astimezone(UTC)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed tries."""
    return min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 16), BACKOFF_MAX)


# -- the outbox ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Group:
    """The rows of one email: a story list for (topic, recipient), or one update."""

    kind: str  # "new" | "update" | "health"
    digest: bool
    topic: str
    recipient: str
    ids: tuple[int, ...]


@dataclass(frozen=True)
class _Run:
    sessions: sessionmaker[Session]
    alerts: AlertsConfig
    mailer: Mailer
    now: datetime
    tz: ZoneInfo
    slot: datetime


def _claimable(now: datetime) -> ColumnElement[bool]:
    # Pending and due, or a "sending" claim whose lease ran out (its sender died).
    return and_(Alert.status.in_(("pending", "sending")), Alert.due_at <= now)


def _due_groups(sessions: sessionmaker[Session], now: datetime, slot: datetime) -> list[_Group]:
    query = (
        select(Alert.id, Alert.kind, Alert.mode, Alert.topic, Alert.recipient)
        .where(_claimable(now), or_(Alert.mode != "daily", Alert.created_at <= slot))
        .order_by(Alert.id)
    )
    with transaction(sessions) as session:
        rows = session.execute(query).all()
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key: tuple[Any, ...] = (row.kind, row.id)  # an update, a source's health: one each
        if row.kind not in ("update", "health"):
            key = ("new", row.mode, row.topic, row.recipient)
        groups.setdefault(key, []).append(row)
    return [
        _Group(
            kind=key[0],
            digest=members[0].mode == "daily",
            topic=members[0].topic,
            recipient=members[0].recipient,
            ids=tuple(r.id for r in members[:MAX_STORIES_PER_EMAIL]),
        )
        for key, members in groups.items()
    ]


def _claim(run: _Run, ids: Sequence[int]) -> tuple[list[int], str] | None:
    """pending -> sending in a short transaction; returns the rows won and the Message-ID."""
    query = (
        select(Alert)
        .where(Alert.id.in_(ids), _claimable(run.now))
        .order_by(Alert.id)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises
    )
    with transaction(run.sessions) as session:
        rows = session.scalars(query).all()
        if not rows:
            return None
        previous = {r.message_id for r in rows}
        # A retry of the very same email keeps its Message-ID, so a copy that did get through
        # before a crash or timeout can be recognised as a duplicate by the receiving side.
        message_id = previous.pop() if len(previous) == 1 and rows[0].message_id else None
        message_id = message_id or make_msgid(domain=_domain(run.alerts.from_))
        for row in rows:
            row.status, row.due_at, row.message_id = "sending", run.now + CLAIM_LEASE, message_id
            row.attempts += 1
        return [r.id for r in rows], message_id


def _mark_sent(run: _Run, ids: Sequence[int], message_id: str) -> None:
    with transaction(run.sessions) as session:
        session.execute(
            update(Alert)
            .where(Alert.id.in_(ids), Alert.status == "sending", Alert.message_id == message_id)
            .values(status="sent", sent_at=run.now, last_error=None)
        )


def _release(run: _Run, ids: Sequence[int], message_id: str, exc: BaseException) -> None:
    """Back to pending with the error and a backoff; "failed" after alerts.max_attempts."""
    error = error_text(exc)
    with transaction(run.sessions) as session:
        rows = session.scalars(
            select(Alert).where(
                Alert.id.in_(ids), Alert.status == "sending", Alert.message_id == message_id
            )
        ).all()
        for row in rows:
            row.last_error = error
            row.due_at = run.now + backoff(row.attempts)
            row.status = "failed" if row.attempts >= run.alerts.max_attempts else "pending"
        described = [(r.recipient, r.topic, r.attempts, r.status) for r in rows[:1]]
    for recipient, topic, attempts, status in described:
        logger.warning(
            "alert email to %s (topic %r, %d row(s)) failed on attempt %d%s: %s",
            recipient,
            topic,
            len(ids),
            attempts,
            ", giving up" if status == "failed" else "",
            error,
        )


def _deliver(run: _Run, group: _Group) -> int:
    claim = _claim(run, group.ids)
    if claim is None:
        return 0  # another sender got there first
    ids, message_id = claim
    try:
        msg = _compose(run, group, ids, message_id)
    except Exception as exc:  # one unrenderable row must not hold up the rest of the outbox
        logger.exception("could not render alert rows %s", ids)
        _release(run, ids, message_id, exc)
        return 0
    try:
        run.mailer.send(msg, group.recipient)
    except OSError as exc:
        _release(run, ids, message_id, exc)
        return 0
    _mark_sent(run, ids, message_id)
    return 1


def send_due(
    sessions: sessionmaker[Session],
    config: Config,
    *,
    now: datetime | None = None,
    smtp_factory: Callable[[], smtplib.SMTP] | None = None,
) -> int:
    """Drain the outbox: one email per due (topic, recipient) story list, one per update.

    :param now: the clock (UTC-aware); tests inject it
    :param smtp_factory: returns a connected `smtplib.SMTP`; STARTTLS and login follow the
        configuration. Default: `alerts.smtp_host`/`smtp_port`, implicit TLS if `smtp_ssl`.
    :return: how many emails were sent
    """
    now = now or utcnow()
    tz = zone(config.alerts)
    slot = last_digest_slot(now, config.alerts.daily_at, tz)
    groups = _due_groups(sessions, now, slot)
    if not groups:
        return 0
    run = _Run(sessions, config.alerts, Mailer(config.alerts, smtp_factory), now, tz, slot)
    try:
        sent = sum(_deliver(run, group) for group in groups)
    finally:
        run.mailer.close()
    logger.info("alert emails sent: %d of %d", sent, len(groups))
    return sent


# -- composing -----------------------------------------------------------------------------------
def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _compose(run: _Run, group: _Group, ids: Sequence[int], message_id: str) -> EmailMessage:
    with transaction(run.sessions) as session:
        rows = session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)).all()
        rendered = _render_group(session, run, group, list(rows))
    return build_message(
        sender=run.alerts.from_,
        to=group.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id,
        date=run.now,
    )


def _render_group(session: Session, run: _Run, group: _Group, rows: list[Alert]) -> Rendered:
    if group.kind == "health":
        return render_health(rows[0].payload)
    if group.kind == "update":
        return render_update(group.topic, update_view(session, rows[0]), run.tz)
    stories = story_views(session, group.topic, rows)
    if not stories:
        raise ValueError(f"alert rows {[r.id for r in rows]}: their articles are gone")
    day = run.slot.astimezone(run.tz).date() if group.digest else None
    return render_stories(group.topic, stories, run.tz, digest_day=day)


# -- the test email ------------------------------------------------------------------------------
_SAMPLE_TEXT = (
    "This is where an alert shows a snippet of the article around the first term your query "
    "matched: terms such as Kyiv and Moscow are highlighted, and the link below goes to the "
    "story's canonical copy."
)


def _settings_shown(alerts: AlertsConfig) -> dict[str, str]:
    """What the test email reports about the SMTP set-up; never the password."""
    security = "implicit TLS" if alerts.smtp_ssl else "STARTTLS" if alerts.smtp_starttls else "none"
    return {
        "server": f"{alerts.smtp_host}:{alerts.smtp_port}",
        "security": security,
        "login": alerts.smtp_user or "(none)",
        "from": alerts.from_,
        "time zone": alerts.timezone,
    }


def send_test(config: Config, to: str) -> str:
    """Send a sample alert email to `to` with the configured SMTP settings.

    :return: the Message-ID of the email sent
    :raises ConfigError: `to` is not an email address
    :raises OSError: the SMTP server could not be reached or refused the email
    """
    alerts = config.alerts
    tz = zone(alerts)
    now = utcnow()
    window, spans = snippet(_SAMPLE_TEXT, ["kyiv", "moscow"], SNIPPET_WIDTH)
    sample = StoryView(
        headline="Sample headline: newsmon test email",
        source="newsmon",
        when=now,
        url="https://example.org/newsmon/sample",
        snippet=window,
        spans=tuple(spans),
        other_copies=2,
    )
    rendered = render_test(sample, tz, _settings_shown(alerts))
    message_id = make_msgid(domain=_domain(alerts.from_))
    try:
        msg = build_message(
            sender=alerts.from_,
            to=to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            date=now,
        )
    except ValueError as exc:
        raise ConfigError(None, "--to", str(exc)) from None
    mailer = Mailer(alerts, None)
    try:
        mailer.send(msg, to)
    finally:
        mailer.close()
    return message_id
