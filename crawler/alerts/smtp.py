"""SMTP delivery: one connection per run, reopened when the server drops it, errors named."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr

from crawler.config import AlertsConfig

logger = logging.getLogger(__name__)


SMTP_TIMEOUT = 30.0


SmtpFactory = Callable[[], smtplib.SMTP]


# -- SMTP ----------------------------------------------------------------------------------------
def default_factory(alerts: AlertsConfig) -> SmtpFactory:
    if alerts.smtp_ssl:
        return lambda: smtplib.SMTP_SSL(
            alerts.smtp_host,
            alerts.smtp_port,
            timeout=SMTP_TIMEOUT,
            context=ssl.create_default_context(),
        )
    return lambda: smtplib.SMTP(alerts.smtp_host, alerts.smtp_port, timeout=SMTP_TIMEOUT)


def _breaks_session(exc: OSError) -> bool:
    """Whether the connection is unusable after `exc` (a refused command leaves it usable)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
        exc, smtplib.SMTPException
    )


class Mailer:
    """One SMTP session per run, opened at the first email; a broken one fails the rest fast."""

    def __init__(self, alerts: AlertsConfig, factory: SmtpFactory | None) -> None:
        self.alerts = alerts
        self.factory = factory or default_factory(alerts)
        self.envelope_from = parseaddr(alerts.from_)[1] or alerts.from_
        self._conn: smtplib.SMTP | None = None
        self._broken: OSError | None = None

    def _open(self) -> smtplib.SMTP:
        conn = self.factory()
        try:
            conn.ehlo_or_helo_if_needed()
            if self.alerts.smtp_starttls and not isinstance(conn, smtplib.SMTP_SSL):
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.alerts.smtp_user:
                if not self.alerts.smtp_password:
                    logger.warning("alerts.smtp_user is set but NEWSMON_SMTP_PASSWORD is empty")
                conn.login(self.alerts.smtp_user, self.alerts.smtp_password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, msg: EmailMessage, to: str) -> None:
        if self._broken is not None:
            raise self._broken
        try:
            if self._conn is None:
                self._conn = self._open()
            self._conn.send_message(msg, from_addr=self.envelope_from, to_addrs=[to])
        except OSError as exc:  # smtplib.SMTPException is an OSError, as are timeouts
            if self._conn is None or _breaks_session(exc):
                self._broken = exc
                self.close()
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except OSError:
            conn.close()


def _decode(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def error_text(exc: BaseException) -> str:
    """A one-line description of a failure for `alerts.last_error` and the log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, reply = next(iter(exc.recipients.values()))
        text = f"recipient refused: {code} {_decode(reply)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]
