"""MetaRefreshMiddleware: Scrapy's meta-refresh redirects, without decoding pages that have none."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.fetch.middlewares.redirects import MetaRefreshMiddleware

PAGE = "<html><head><title>t</title>{head}</head><body><p>{body}</p></body></html>"


def _middleware() -> MetaRefreshMiddleware:
    return MetaRefreshMiddleware.from_crawler(get_crawler())


def _response(html: str, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(
        "https://news.example/a", body=html.encode(encoding), encoding=None,
        headers={"Content-Type": f"text/html; charset={encoding}"},
    )  # fmt: skip


def test_a_meta_refresh_is_followed() -> None:
    response = _response(
        PAGE.format(head='<meta http-equiv="Refresh" content="0; url=/b">', body="x")
    )
    followed = _middleware().process_response(Request("https://news.example/a"), response)
    assert isinstance(followed, Request) and followed.url == "https://news.example/b"


def test_a_page_without_one_is_passed_on_undecoded() -> None:
    response = _response(PAGE.format(head="", body="Zürich " * 20_000))
    assert _middleware().process_response(Request("https://news.example/a"), response) is response
    assert getattr(response, "_cached_ubody", None) is None  # Scrapy's decoded copy


def test_the_word_in_the_text_is_not_a_refresh() -> None:
    response = _response(PAGE.format(head="", body="Press F5 to refresh"))
    assert _middleware().process_response(Request("https://news.example/a"), response) is response


def test_a_utf16_page_is_still_checked() -> None:
    head = '<meta http-equiv="refresh" content="0; url=/c">'
    response = _response(PAGE.format(head=head, body="x"), encoding="utf-16")
    followed = _middleware().process_response(Request("https://news.example/a"), response)
    assert isinstance(followed, Request) and followed.url == "https://news.example/c"
