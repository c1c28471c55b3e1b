"""Hardening: the network guard, the crawl lock and concurrent readers, secrets, and fuzzing
of what reads untrusted input (configuration, URLs, queries, HTML, feeds and sitemaps).

What touches the archive runs on SQLite and, when NEWSMON_TEST_POSTGRES_URL is set, on
PostgreSQL (there with a password in the database URL, which must never be printed)."""

from __future__ import annotations

import ipaddress
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from twisted.internet.error import DNSLookupError

from crawler.config import Config, ConfigError, from_dict, load, parse_duration
from crawler.fetch.listings import parse_feed, parse_sitemap, sitemaps_from_robots
from crawler.fetch.middlewares.network import AddressPolicy, GuardedResolver
from crawler.items import FeedHints
from crawler.lock import lock_path
from crawler.process.extract import extract
from crawler.process.worker import process_page
from crawler.text.urls import canonicalise
from demo.faults import FaultSite
from demo.sink import SmtpSink
from storage.db import is_sqlite
from tests.conftest import REPO, fresh_postgres_database, newsmon

SMTP_PASSWORD = "smtp-Pw-4f9c1e7a"
DB_PASSWORD = "db-Pw-8b2d6f03"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the network guard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),  # loopback
        ("::1", True),
        ("10.1.2.3", True),  # private
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("fd00::1", True),
        ("169.254.169.254", True),  # link-local (cloud metadata)
        ("fe80::1", True),
        ("224.0.0.1", True),  # multicast
        ("ff02::1", True),
        ("0.0.0.0", True),  # unspecified
        ("240.0.0.1", True),  # reserved
        ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
        ("100.64.0.1", True),  # shared address space (carrier-grade NAT)
        ("192.0.2.1", True),  # documentation
        ("2002:7f00:1::", True),  # 6to4 carrying 127.0.0.1
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1 (reserved)
        ("93.184.215.14", False),
        ("2606:4700::1111", False),
        ("127.0.0.21", False),  # inside the allowed network below
        ("::ffff:127.0.0.22", False),
    ],
)
def test_address_policy(address: str, refused: bool) -> None:
    policy = AddressPolicy([ipaddress.ip_network("127.0.0.20/30")])
    assert policy.refused(ipaddress.ip_address(address)) is refused


def test_allow_private_networks_true_allows_everything() -> None:
    config = from_dict({"crawl": {"allow_private_networks": True}})
    assert AddressPolicy.from_config(config).refused(ipaddress.ip_address("127.0.0.1")) is False
    default = AddressPolicy.from_config(from_dict({}))
    assert default.refused(ipaddress.ip_address("127.0.0.1")) is True


def test_the_resolver_refuses_what_the_policy_refuses() -> None:
    """The check on the address Twisted connects to (the guard against DNS rebinding)."""
    from scrapy.settings import Settings
    from twisted.internet.testing import MemoryReactorClock

    from crawler.fetch.settings import scrapy_settings

    config = from_dict({"crawl": {"allow_private_networks": ["127.0.0.20/30"]}})

    @dataclass
    class Process:  # what Scrapy passes: the CrawlerProcess, with its settings
        settings: Settings = field(default_factory=lambda: Settings(scrapy_settings(config)))

    assert scrapy_settings(config)["TWISTED_DNS_RESOLVER"].endswith("GuardedResolver")
    resolver = GuardedResolver.from_crawler(Process(), cast(Any, MemoryReactorClock()))
    assert resolver._check("127.0.0.21", "allowed.test") == "127.0.0.21"
    assert resolver._check("93.184.215.14", "example.test") == "93.184.215.14"
    with pytest.raises(DNSLookupError, match="refused: rebind.test resolves to non-public"):
        resolver._check("127.0.0.1", "rebind.test")


# --- the lock, concurrent readers and secrets -------------------------------------------------


@dataclass
class Busy:
    """A crawl that ran with a stale lock file present, and what ran beside it."""

    site: FaultSite
    config: Path
    crawl: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    second_seconds: float
    still_running_after_second: bool
    readers: list[subprocess.CompletedProcess[str]]
    sink: SmtpSink
    outputs: list[str] = field(default_factory=list)


def _stale_lock(lock: Path) -> None:
    """Leave a lock file behind as a killed crawl does: taken, then the holder SIGKILLed."""
    code = (
        "import os, signal; from pathlib import Path; from crawler.lock import CrawlLock; "
        f"CrawlLock(Path({str(lock)!r})).acquire(); os.kill(os.getpid(), signal.SIGKILL)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60)
    assert result.returncode == -9 and lock.read_text().strip().isdigit()


def _busy_config(site: FaultSite, tmp: Path, smtp_port: int, db_url: str) -> Path:
    config = tmp / "newsmon.toml"
    # A 4 s timeout: the slow pages hold the crawl for 8 s, time for the others to run.
    text = site.config_toml(db_url, timeout="4s")
    text += (
        f'\n[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nsmtp_user = "mailer"\n\n'
        '[[topics]]\nname = "all"\nquery = "the"\nalert_to = ["desk@example.org"]\n'
    )
    config.write_text(text, encoding="utf-8")
    return config


def _wait_for_lock(lock: Path, pid: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while lock.read_text().strip() != str(pid):
        assert proc.poll() is None and time.monotonic() < deadline, "the crawl never locked"
        time.sleep(0.05)


def _with_password(db_url: str) -> str:
    """A server URL carrying DB_PASSWORD (the test server trusts its clients: it is sent,
    ignored, and must never show); a SQLite URL has none to carry."""
    if is_sqlite(db_url):
        return db_url
    return make_url(db_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory, archive_url: str) -> Iterator[Busy]:
    tmp = tmp_path_factory.mktemp("busy")
    # A server database's lock lives in the user's cache folder: this test's own.
    env = {**os.environ, "NEWSMON_SMTP_PASSWORD": SMTP_PASSWORD, "XDG_CACHE_HOME": str(tmp)}
    env.pop("NEWSMON_CONFIG", None)
    with FaultSite() as site, SmtpSink(credentials=("mailer", SMTP_PASSWORD)) as sink:
        config = _busy_config(site, tmp, sink.port, _with_password(archive_url))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_CACHE_HOME", str(tmp))
            lock = lock_path(load(config))
        assert is_sqlite(archive_url) or lock.is_relative_to(tmp)
        _stale_lock(lock)
        cmd = [sys.executable, "-m", "crawler", "--config", str(config)]
        proc = subprocess.Popen(
            [*cmd, "-vv", "crawl", "--json"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for_lock(lock, proc.pid, proc)
        clock = time.monotonic()
        second = subprocess.run(
            [*cmd, "crawl"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        second_seconds = time.monotonic() - clock
        still_running = proc.poll() is None
        readers: list[subprocess.CompletedProcess[str]] = []
        while proc.poll() is None or not readers:
            for args in (["search", "the", "--json"], ["export", "--format", "jsonl"]):
                readers.append(
                    subprocess.run([*cmd, *args], cwd=REPO, env=env, capture_output=True, text=True)
                )
        stdout, stderr = proc.communicate(timeout=300)
        crawl = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        yield Busy(site, config, crawl, second, second_seconds, still_running, readers, sink)


def test_a_stale_lock_does_not_stop_a_crawl(busy: Busy) -> None:
    assert busy.crawl.returncode == 0, busy.crawl.stderr[-3000:]
    assert json.loads(busy.crawl.stdout)["status"] == "ok"


def test_a_second_crawl_exits_75_at_once(busy: Busy) -> None:
    assert busy.second.returncode == 75
    assert "another crawl is running" in busy.second.stderr
    assert busy.still_running_after_second, "the second crawl waited for the first"
    assert busy.second_seconds < 15


def test_search_and_export_work_while_a_crawl_writes(busy: Busy) -> None:
    assert len(busy.readers) >= 2
    for result in busy.readers:
        assert result.returncode == 0, result.stderr[-2000:]
        if result.args[-1] == "--json":
            assert isinstance(json.loads(result.stdout), list)
        else:
            assert all(json.loads(line)["url"] for line in result.stdout.splitlines())
    # The last export saw the finished crawl: every good page.
    final = newsmon("export", "--format", "jsonl", config=busy.config)
    assert len(final.stdout.splitlines()) == len(busy.site.good)


def test_the_smtp_password_is_never_printed(busy: Busy) -> None:
    assert busy.sink.logins and busy.sink.messages, "alerts went out over an authenticated session"
    everything = [busy.crawl, busy.second, *busy.readers]
    assert "DEBUG" in busy.crawl.stderr  # the crawl logged at its most verbose
    for result in everything:
        assert SMTP_PASSWORD not in result.stdout + result.stderr
        # On PostgreSQL the database URL carries a password too (see _with_password).
        assert DB_PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("password", [SMTP_PASSWORD, "wrong-" + SMTP_PASSWORD])
def test_alerts_test_never_prints_the_password(tmp_path: Path, password: str) -> None:
    with SmtpSink(credentials=("mailer", SMTP_PASSWORD)) as sink:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "n.db"}"\n'
            f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {sink.port}\nsmtp_user = "mailer"\n',
            encoding="utf-8",
        )
        result = newsmon(
            "-vv",
            "alerts",
            "test",
            "--to",
            "desk@example.org",
            config=config,
            env={"NEWSMON_SMTP_PASSWORD": password},
        )
    assert result.returncode == (0 if password == SMTP_PASSWORD else 1), result.stderr
    assert password not in result.stdout + result.stderr


@contextmanager
def _failing_server_url(problem: str) -> Iterator[str]:
    """A PostgreSQL URL with DB_PASSWORD whose use fails: the server is down, the database
    does not exist, or it has no newsmon tables (the last two need the test server)."""
    if problem == "server down":
        yield f"postgresql+psycopg://newsmon:{DB_PASSWORD}@127.0.0.1:9/newsmon?connect_timeout=2"
        return
    with fresh_postgres_database() as url:  # skips without NEWSMON_TEST_POSTGRES_URL
        if problem == "no such database":
            parsed = make_url(url)
            missing = parsed.set(database=f"{parsed.database}_missing")
            url = missing.render_as_string(hide_password=False)
        yield _with_password(url)


@pytest.mark.parametrize("problem", ["server down", "no such database", "no tables"])
@pytest.mark.parametrize(
    "args", [("crawl",), ("search", "x", "--json"), ("export",), ("-vv", "db", "current")]
)
def test_the_database_password_is_never_printed(
    tmp_path: Path, args: tuple[str, ...], problem: str
) -> None:
    """A database that cannot be used is when errors, and so secrets, get printed."""
    config = tmp_path / "newsmon.toml"
    config.write_text('[database]\nurl = "sqlite:///unused.db"\n', encoding="utf-8")
    with _failing_server_url(problem) as url:
        result = newsmon(*args, config=config, env={"NEWSMON_DATABASE_URL": url})
    if problem == "no tables" and args[-1] == "current":
        assert result.returncode == 0 and "(empty database)" in result.stdout, result.stderr
    else:
        assert result.returncode == 1, result.stderr[-2000:]
    assert DB_PASSWORD not in result.stdout + result.stderr


def test_init_never_prints_the_database_password(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:  # skips without NEWSMON_TEST_POSTGRES_URL
        result = newsmon(
            "init", str(tmp_path / "project"), env={"NEWSMON_DATABASE_URL": _with_password(url)}
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert DB_PASSWORD not in result.stdout + result.stderr


# --- fuzzing: configuration --------------------------------------------------------------------

KNOWN_KEYS = {
    "database": ["url", "echo"],
    "crawl": [
        "user_agent",
        "obey_robots",
        "concurrency",
        "per_host_concurrency",
        "download_delay",
        "timeout",
        "max_page_bytes",
        "allow_private_networks",
        "store_html",
        "max_pages",
        "retries",
        "cycle_budget",
        "workers",
        "lock_path",
    ],
    "revisit": ["schedule", "budget", "material_words"],
    "alerts": ["smtp_host", "smtp_port", "smtp_user", "from", "daily_at", "timezone"],
}
scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["30s", "0s", "-1s", "1e400s", "15m", "10.0.0.0/8", "99:99", "UTC", "("]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@st.composite
def config_documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for section, keys in KNOWN_KEYS.items():
        if draw(st.booleans()):
            names = draw(st.lists(st.sampled_from([*keys, "nonsense"]), max_size=4))
            doc[section] = {name: draw(values) for name in names}
    for table in ("sources", "topics"):
        if draw(st.booleans()):
            doc[table] = draw(st.lists(st.dictionaries(st.sampled_from(
                ["name", "feeds", "pages", "follow", "every", "query", "alert_to", "alert_mode"]
            ), values, max_size=4), max_size=2))  # fmt: skip
    return doc


@FUZZ
@given(config_documents())
def test_config_loader_raises_only_config_errors(doc: dict[str, Any]) -> None:
    try:
        config = from_dict(doc, "fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml: ") and exc.problem
    else:
        assert isinstance(config, Config)
        assert config.crawl.timeout > timedelta(0) and config.crawl.cycle_budget > timedelta(0)


@FUZZ
@given(st.text(max_size=200))
def test_config_file_of_any_text_is_loaded_or_refused_with_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("toml") / "newsmon.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load(path)
    except ConfigError as exc:
        assert str(path) in str(exc)


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 50_000 + "]" * 50_000,  # tomllib recurses per level
        '[crawl]\ntimeout = "99999999999999999999d"\n',
        "[crawl]\ntimeout = 1e308\n",
        '[crawl]\ntimeout = "0s"\n',  # Scrapy would read 0 as "no timeout"
        "[crawl]\ntimeout = -5\n",
        '[crawl]\ncycle_budget = "0s"\n',
        "[crawl]\ndownload_delay = nan\n",
    ],
)
def test_hostile_config_values_are_config_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "newsmon.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load(path)


@FUZZ
@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none(), st.booleans()))
def test_durations_are_sane_or_value_errors(value: Any) -> None:
    try:
        duration = parse_duration(value)
    except ValueError:
        return
    assert timedelta(0) <= duration <= timedelta(days=3650)
    assert not math.isnan(duration.total_seconds())


# --- fuzzing: URLs, HTML, feeds and sitemaps -----------------------------------------------------


@FUZZ
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda host, path: f"http://{host}/{path}",
            st.text(max_size=20),
            st.text(max_size=20),
        ),
    )
)
def test_canonicalise_raises_only_value_error(url: str) -> None:
    try:
        once = canonicalise(url)
    except ValueError:
        return
    assert canonicalise(once) == once


tags = st.sampled_from(
    ["<p>", "</p>", "<div>", "</div>", "<article>", "<h1>", "<title>", "<script>", "<!--",
     "-->", "<br/>", "<meta charset='utf-16'>", "<table><tr><td>", "&amp;", "&#0;", "&#x110000;",
     "<svg><style>", "\x00", "\ufeff", "<![CDATA[", "<html lang='\x00'>", "<a href='javascript:'>",
     '<link rel="canonical" href="http://[::1">', "<base href='//x'>"]
)  # fmt: skip
soup = st.lists(st.one_of(tags, st.text(max_size=15)), max_size=60).map("".join)


@FUZZ
@given(soup)
def test_extract_never_raises_on_tag_soup(html: str) -> None:
    doc = extract(html.encode("utf-8", "surrogatepass"), "https://n.example/a")
    assert isinstance(doc.text, str)


@FUZZ
@given(st.one_of(soup.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=500)))
def test_process_page_never_raises(body: bytes) -> None:
    processed = process_page(body, "https://n.example/a", "text/html", FeedHints())
    assert processed.error is not None or processed.text.strip()


feed_pieces = st.sampled_from(
    ['<?xml version="1.0"?>', "<rss version='2.0'>", "<channel>", "<item>", "<link>",
     "http://x.example/a", "</link>", "</item>", "<!DOCTYPE rss [<!ENTITY a 'aaaa'>]>", "&a;",
     "<feed xmlns='http://www.w3.org/2005/Atom'>", "<entry>", "<link href='/b'/>", "{",
     '"items": [', '{"url": 5}', "]", "}", "<urlset>", "<url>", "<loc>", "</loc>", "\x00"]
)  # fmt: skip
feeds = st.lists(st.one_of(feed_pieces, st.text(max_size=10)), max_size=30).map(
    lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
)


@FUZZ
@given(st.one_of(feeds, st.binary(max_size=400)))
def test_feed_and_sitemap_parsers_never_raise(body: bytes) -> None:
    result = parse_feed(body, "http://x.example/feed")
    assert result.error is not None or all(isinstance(link.url, str) for link in result.links)
    sitemap = parse_sitemap(body, "http://x.example/sitemap.xml")
    assert isinstance(sitemap.links, list)
    assert isinstance(sitemaps_from_robots(body, "http://x.example/robots.txt"), list)


def test_robots_txt_sitemap_lines_are_read_after_a_byte_order_mark() -> None:
    body = b"\xef\xbb\xbfSitemap: /s.xml.gz\nUser-agent: *\nsitemap:https://y.example/b.xml\n"
    assert sitemaps_from_robots(body, "http://x.example/robots.txt") == [
        "http://x.example/s.xml.gz",
        "https://y.example/b.xml",
    ]


def test_a_feed_entity_bomb_is_not_expanded() -> None:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{levels}]>'
        "<rss version='2.0'><channel><item><title>&l9;</title>"
        "<link>http://x.example/a</link></item></channel></rss>"
    ).encode()
    clock = time.process_time()
    result = parse_feed(body, "http://x.example/feed")
    assert time.process_time() - clock < 0.5
    assert [link.url for link in result.links] == ["http://x.example/a"]
    assert len(result.links[0].hints.title or "") < 100
