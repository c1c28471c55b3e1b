"""A tiny SMTP sink on loopback (aiosmtpd) for tests and the demo: it keeps what it receives."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Controller(Controller):
    def _trigger_server(self) -> None:
        # Bound to port 0: learn the ephemeral port before aiosmtpd connects to itself.
        server: Any = self.server  # an asyncio.Server once start() has bound it
        if not self.port and server is not None:
            self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    """aiosmtpd hooks; each runs in the sink's event-loop thread."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.sink.refuse:
            return f"{self.sink.refuse} {_REFUSAL}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.sink.refuse:
            return f"{self.sink.refuse} {_REFUSAL}"
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append(msg)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


_REFUSAL = "refused by the newsmon test sink"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that parses and keeps every message it accepts.

    ``with SmtpSink() as sink: ... sink.port ... sink.messages``. Set ``sink.refuse = 451``
    (any code) to answer RCPT and DATA with that code; ``None`` accepts again. With
    ``credentials=(user, password)`` it offers AUTH (without TLS) and records logins.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.refuse: int | None = None
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TOs) per message
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.credentials = credentials
        options: dict[str, Any] = {}
        if credentials is not None:
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        # A fixed server name: the default asks DNS for this host's FQDN, which can be slow.
        self._controller = _Controller(
            _Handler(self), hostname=host, port=port, server_hostname="newsmon-sink", **options
        )

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.credentials == (
            auth_data.login.decode(errors="replace"),
            auth_data.password.decode(errors="replace"),
        )
        if ok:
            with self.lock:
                self.logins.append(auth_data.login.decode(errors="replace"))
        # handled=False: aiosmtpd itself answers 535 to a failed login.
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
