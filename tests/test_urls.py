"""Canonical URLs, hosts, same-site tests and AMP detection."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls

from crawler.text.urls import (
    TRACKING_PARAMS,
    as_listed,
    canonicalise,
    host,
    is_amp,
    is_home,
    same_site,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ex.com/a?utm_source=rss&utm_Medium=feed&id=7", "https://ex.com/a?id=7"),
        ("https://ex.com/a?FBCLID=x&gclid=y&msclkid=z&mc_cid=1&mc_eid=2", "https://ex.com/a"),
        (
            "https://ex.com/a?_ga=1&igshid=2&yclid=3&dclid=4&ref_src=twsrc&p=2",
            "https://ex.com/a?p=2",
        ),
        ("https://ex.com/a?cmpid=x&utm=keep", "https://ex.com/a?utm=keep"),
    ],
)
def test_tracking_params_are_removed(url: str, expected: str) -> None:
    assert canonicalise(url) == expected


def test_query_sorted_by_key_keeping_repeated_keys_in_order() -> None:
    assert canonicalise("http://ex.com/s?q=b&page=2&q=a") == "http://ex.com/s?page=2&q=b&q=a"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://ex.com:80/a", "http://ex.com/a"),
        ("https://ex.com:443/a", "https://ex.com/a"),
        ("http://ex.com:443/a", "http://ex.com:443/a"),
        ("https://ex.com:80/a", "https://ex.com:80/a"),
        ("https://ex.com:8443/a", "https://ex.com:8443/a"),
        ("http://[::1]:80/a", "http://[::1]/a"),
    ],
)
def test_default_ports_are_dropped(url: str, expected: str) -> None:
    assert canonicalise(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM/World/Story#comments", "https://news.example.com/World/Story"),
        ("https://ex.com", "https://ex.com/"),
        ("https://ex.com?b=1", "https://ex.com/?b=1"),
        ("https://ex.com/a?", "https://ex.com/a"),
        ("https://ex.com/%7euser/caf%c3%a9", "https://ex.com/~user/caf%C3%A9"),
        ("https://ex.com/café?q=é", "https://ex.com/caf%C3%A9?q=%C3%A9"),
        ("https://ex.com/a/./b/../c", "https://ex.com/a/c"),
        ("  https://ex.com/a  ", "https://ex.com/a"),
        ("https://Bücher.de/", "https://xn--bcher-kva.de/"),
    ],
)
def test_canonical_spelling(url: str, expected: str) -> None:
    assert canonicalise(url) == expected


@pytest.mark.parametrize(
    "url", ["ftp://ex.com/file", "mailto:a@ex.com", "/relative/path", "//ex.com/x", "http:///x", ""]
)
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        canonicalise(url)


def test_bad_port_is_refused() -> None:
    with pytest.raises(ValueError):
        canonicalise("http://ex.com:99999/")


_segment = st.text(alphabet=st.sampled_from("aZ09-._~%/?=&#+;:@!$'()*, éü中\u200b"), max_size=12)


@st.composite
def messy_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTps"]))
    hostname = draw(st.sampled_from(["ex.com", "News.EXAMPLE.co.uk", "127.0.0.1", "[::1]"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    keys = st.sampled_from(["a", "B", "utm_source", "fbclid", "q", "", "a b"])
    pairs = draw(st.lists(st.tuples(keys, _segment), max_size=5))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{scheme}://{hostname}{port}/{path}?{query}#{draw(_segment)}"


def _check_canonical(url: str) -> None:
    once = canonicalise(url)
    assert canonicalise(once) == once
    parts = urlsplit(once)
    assert parts.scheme in {"http", "https"} and not parts.fragment and parts.path
    keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    assert not keys & TRACKING_PARAMS and not any(k.startswith("utm_") for k in keys)


@settings(max_examples=300, deadline=None)
@given(messy_urls())
@example("http://ex.com/.;?#")  # a dot segment hidden by an empty ";" parameter
def test_canonicalise_is_idempotent_on_messy_urls(url: str) -> None:
    _check_canonical(url)


@settings(max_examples=200, deadline=None)
@given(urls())
def test_canonicalise_is_idempotent_on_valid_urls(url: str) -> None:
    _check_canonical(url)


def test_host() -> None:
    assert host("HTTPS://WWW.Example.com:8080/x?y#z") == "www.example.com"
    assert host("http://[::1]:8000/") == "::1"
    assert host("/relative") == ""


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://news.bbc.co.uk/a", "http://www.bbc.co.uk/b", True),
        ("https://bbc.co.uk/", "https://bbc.com/", False),
        ("https://example.com/", "https://EXAMPLE.com:8080/x", True),
        ("https://alice.github.io/", "https://bob.github.io/", False),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a", False),
        ("http://127.0.0.1/a", "http://127.0.0.2/a", False),
        ("http://localhost/a", "http://localhost:80/b", True),
        ("http://localhost:8001/", "http://localhost:8002/", False),
        ("http://127.0.0.1/", "https://127.0.0.1/", False),
        ("https://example.com/", "/relative", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same
    assert same_site(b, a) is same


@pytest.mark.parametrize(
    "url",
    [
        "https://ex.com/amp/world/story",
        "https://ex.com/world/story/amp",
        "https://ex.com/world/story?amp=1",
        "https://ex.com/world/story?amp",
        "https://ex.com/world/story.amp.html",
        "https://amp.ex.com/world/story",
        "https://ex.com/story?outputType=amp",
    ],
)
def test_amp_urls(url: str) -> None:
    assert is_amp(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://ex.com/world/story",
        "https://ex.com/camp/ampersand/lamp.html",
        "https://ex.com/story?amp=0",
        "https://example.com/amplifier",
        "https://champ.ex.com/story",
    ],
)
def test_non_amp_urls(url: str) -> None:
    assert not is_amp(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://ex.com",
        "https://ex.com/",
        "https://ex.com/index.html",
        "https://ex.com/index.php",
        "https://ex.com/Index.HTM",
        "https://ex.com/default.aspx",
    ],
)
def test_front_pages_are_home(url: str) -> None:
    assert is_home(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://ex.com/index.php?id=123",  # a CMS front controller serving an article
        "https://ex.com/?p=42",  # WordPress's short link
        "https://ex.com/news/some-slug/index.html",  # an article in a directory
        "https://ex.com/2024/03/index.php",
        "https://ex.com/news/",
    ],
)
def test_articles_under_index_pages_are_not_home(url: str) -> None:
    assert not is_home(url)


@pytest.mark.parametrize(
    ("listed", "requested"),
    [
        ("http://2130706462:8080/a b.html", "http://127.0.0.30:8080/a%20b.html"),
        ("http://0177.0.0.1/x", "http://127.0.0.1/x"),
        ("http://0x7f000001/x?q=1", "http://127.0.0.1/x?q=1"),
    ],
)
def test_a_failure_is_named_by_the_host_as_listed(listed: str, requested: str) -> None:
    expected = requested.replace(urlsplit(requested).netloc, urlsplit(listed).netloc)
    assert as_listed(requested, listed) == expected
    assert as_listed(requested, None) == requested
    assert as_listed("data:text/xml,%3Curlset/%3E", "data:text/xml,<urlset/>") == (
        "data:text/xml,%3Curlset/%3E"
    )
