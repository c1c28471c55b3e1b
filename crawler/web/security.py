"""The web view's guard: read-only methods, the token, and security headers on every answer."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "newsmon_session"
# No script at all; styles and the icon only from this server; forms only back to it.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
READ_METHODS = {"GET", "HEAD"}
# The one non-read request: the login form's POST, which writes nothing (it sets a cookie).
LOGIN_PATH = "/login"
OPEN_PREFIXES = ("/static/", LOGIN_PATH)
MIN_TOKEN_CHARS = 16


class BindError(ValueError):
    """`newsmon serve` may not listen where it was asked to."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def check_bind(host: str, token: str) -> None:
    """Refuse to listen beyond loopback without a token (or with a guessable one)."""
    if token and len(token) < MIN_TOKEN_CHARS:
        raise BindError(f"web.token is too short: use at least {MIN_TOKEN_CHARS} characters")
    if not is_loopback(host) and not token:
        raise BindError(
            f"refusing to serve on {host}: anyone who can reach it could read the archive. "
            "Set web.token in the config (or NEWSMON_WEB_TOKEN), or bind to 127.0.0.1"
        )


def session_value(token: str) -> str:
    """The login cookie: derived from the token, so the cookie jar never holds the token."""
    return hmac.new(token.encode(), b"newsmon-web-session", hashlib.sha256).hexdigest()


def authorised(headers: Headers, token: str) -> bool:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return hmac.compare_digest(auth[7:].strip().encode(), token.encode())
    cookie = SimpleCookie(headers.get("cookie", ""))
    given = cookie[COOKIE].value if COOKIE in cookie else ""
    return hmac.compare_digest(given.encode(), session_value(token).encode())


class Guard:
    """ASGI middleware: 405 for writing methods, the token when one is set, and the security
    headers (CSP above all) on every response, errors included."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> Response | None:
        method, path = scope["method"], scope["path"]
        if method not in READ_METHODS and not (method == "POST" and path == LOGIN_PATH):
            return PlainTextResponse(
                "read-only: GET and HEAD only", 405, headers={"Allow": "GET, HEAD"}
            )
        if not self.token or path.startswith(OPEN_PREFIXES):
            return None
        headers = Headers(scope=scope)
        if authorised(headers, self.token):
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        if "format=json" in query or "text/html" not in headers.get("accept", ""):
            return JSONResponse(
                {"error": "authentication required: Authorization: Bearer <web.token>"},
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = path + (f"?{query}" if query else "")
        return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", 303)


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this server only (no //host, no scheme)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def login_attempt(request: Request, token: str) -> tuple[bool, str]:
    """Check a posted login form (urlencoded: read here, no multipart library needed)."""
    body = (await request.body())[:4096].decode("utf-8", "replace")
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(body).items()}
    given = str(form.get("token", ""))
    ok = bool(token) and hmac.compare_digest(given.encode(), token.encode())
    return ok, safe_next(form.get("next"))
