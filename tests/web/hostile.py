"""A one-article site whose title, text and author carry script payloads (the XSS test's).

Every payload, if it ever ran in a browser, would set `window.__pwned`. Version 2 of the page
(after `edit()`) adds a paragraph with more payloads, so that they also pass through a diff.
"""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PWN = "window.__pwned=1"
TITLE = f'<script>{PWN}</script> Kyiv <img src=x onerror="{PWN}"> talks'
AUTHOR = f"<img src=x onerror={PWN}> javascript:{PWN}"
PARAGRAPHS = [
    f"Officials in Kyiv said on Monday that talks with Russia would resume <script>{PWN}"
    "</script> after a pause of several weeks, according to people briefed on the plans.",
    f'The delegation <img src=x onerror="{PWN}"> will travel by train, and a spokesman said '
    f'that the <a href="javascript:{PWN}">agenda</a> had not been agreed with the Kremlin.',
    "Diplomats from several European capitals are expected to attend the first round, which "
    "is due to take place in a neutral city that has not been named by either side yet.",
    "The previous round ended without agreement on prisoner exchanges or on the grain "
    "corridor, and analysts cautioned against expecting a breakthrough this time either.",
]
EDIT = f'New: <svg onload="{PWN}"><iframe src="javascript:{PWN}"></iframe> Moscow replied.'


class HostileSite:
    """Serves /feed.xml (RSS, one item) and /news/hostile.html on 127.0.0.1."""

    def __init__(self) -> None:
        self.edited = False
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, kind = site.page(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.article_url = f"{self.base}/news/hostile.html"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str) -> tuple[bytes, str]:
        if path == "/feed.xml":
            return self.feed().encode(), "application/rss+xml; charset=utf-8"
        if path == "/news/hostile.html":
            return self.article().encode(), "text/html; charset=utf-8"
        return b"", "text/plain"

    def feed(self) -> str:
        e = html.escape
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{e('Hostile <Gazette>')}</title><link>{self.base}/</link>"
            f"<description>payloads</description><item><title>{e(TITLE)}</title>"
            f"<link>{self.article_url}</link><guid>{self.article_url}</guid>"
            "<pubDate>Mon, 18 Mar 2024 09:00:00 GMT</pubDate></item></channel></rss>"
        )

    def article(self) -> str:
        e = html.escape
        paragraphs = PARAGRAPHS + ([EDIT] if self.edited else [])
        body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(TITLE)}'
            f'</title><meta name="author" content="{e(AUTHOR)}">'
            f'<meta property="og:title" content="{e(TITLE)}">'
            '<meta property="article:published_time" content="2024-03-18T09:00:00Z">'
            f"</head><body><article><h1>{e(TITLE)}</h1><p class=byline>By {e(AUTHOR)}</p>"
            f"{body}</article></body></html>"
        )
