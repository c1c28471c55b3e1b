"""End-to-end crawl speed: `newsmon crawl` of a local site against trafilatura alone in a pool."""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html  # noqa: E402

from benchmarks import synth  # noqa: E402
from crawler.process.extract import decode_html  # noqa: E402

SITE_VERSION = 1  # bump when the pages change, so that a kept site is rebuilt
MIN_PAGE, MAX_PAGE = 50_000, 300_000
TOPICS = (
    ("policy", "government OR election OR minister"),
    ("tech", "software AND (data OR network)"),
    ("markets", '"interest rates" OR inflation OR market*'),
)
_LETTERS = re.compile(r"[^\W\d_]+")


# --- The site -------------------------------------------------------------------------------------
@dataclass
class Template:
    """A corpus page and where its article text is: (element index in body order, attribute)."""

    name: str
    tree: Any
    marks: list[tuple[int, str]]


def _collapse(s: str) -> str:
    return " ".join(s.split())


def _template(name: str, html: bytes, expected: str) -> Template:
    tree = lxml.html.document_fromstring(decode_html(html))
    known = _collapse(expected)
    marks = []
    for i, el in enumerate(tree.body.iter()):
        for attr in ("text", "tail"):
            if attr == "text" and el.tag in ("script", "style", "noscript"):
                continue
            value = getattr(el, attr)
            if value and len(value.split()) >= 3 and _collapse(value) in known:
                marks.append((i, attr))
    return Template(name, tree, marks)


def templates() -> list[Template]:
    """The corpus's real pages of 50-300 KB, as parsed templates."""
    root = synth.corpus_dir()
    manifest = json.loads((root / "manifest.json").read_text())
    out = []
    for name, info in sorted(manifest["pages"].items()):
        if info.get("synthetic") or not MIN_PAGE <= info.get("source_bytes", 0) <= MAX_PAGE:
            continue
        html = gzip.decompress((root / name / "source.html.gz").read_bytes())
        template = _template(name, html, (root / name / "expected.txt").read_text())
        if len(template.marks) >= 5:
            out.append(template)
    return out


_templates: list[Template] = []


def _words(seed: int) -> Iterator[str]:
    """An endless seeded stream of words with the vocabulary's frequencies."""
    k = 0
    while True:
        yield from synth.sampler().article(seed * 1000 + k)[1].split()
        k += 1


def _replace(value: str, words: Iterator[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        word = "".join(_LETTERS.findall(next(words))) or "news"  # the word's letters
        return word.capitalize() if match.group(0)[0].isupper() else word.lower()

    return _LETTERS.sub(swap, value)


def render(i: int) -> tuple[bytes, str]:
    """Article `i` and its headline: its template's page with new article words and headline,
    without the template's canonical link."""
    template = _templates[i % len(_templates)]
    tree = copy.deepcopy(template.tree)
    words = _words(i)
    elements = list(tree.body.iter())
    for index, attr in template.marks:
        setattr(elements[index], attr, _replace(getattr(elements[index], attr), words))
    title = _replace(synth.sampler().article(i)[0], words)
    for el in tree.iter("title", "h1"):
        el.text = title
        for child in list(el):
            el.remove(child)
    for meta in tree.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        meta.set("content", title)
    # Identity is the URL served; the pages' own canonical links point at their origin sites.
    for el in tree.xpath(
        "//link[@rel='canonical'] | //meta[@property='og:url'] | //meta[@charset]"
        " | //meta[translate(@http-equiv, 'CONTENT-YP', 'content-yp')='content-type']"
    ):
        el.getparent().remove(el)
    head = tree.find("head")
    if head is not None:
        head.insert(0, lxml.html.Element("meta", charset="utf-8"))
    return b"<!DOCTYPE html>\n" + lxml.html.tostring(tree, encoding="utf-8"), title


@dataclass(frozen=True)
class Page:
    path: str
    source: str
    etag: str
    modified: str
    title: str


@dataclass
class Site:
    """The generated site on disk: article pages, and feeds rendered once the port is known."""

    root: Path
    pages: list[Page]
    sources: list[str]
    by_path: dict[str, Page] = field(default_factory=dict)
    feeds: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_path = {p.path: p for p in self.pages}

    def body(self, page: Page) -> bytes:
        return (self.root / page.path.lstrip("/")).read_bytes()

    def render_feeds(self, base: str, only: str | None = None) -> None:
        """Feeds and home pages whose links start with `base` (of one source, or all)."""
        by_source: dict[str, list[Page]] = {s: [] for s in self.sources}
        for page in self.pages:
            by_source[page.source].append(page)
        for source, pages in by_source.items():
            if only is not None and source != only:
                continue
            items = "".join(
                f"<item><title>{escape(p.title)}</title><link>{base}{p.path}</link>"
                f"<guid>{base}{p.path}</guid><pubDate>{p.modified}</pubDate></item>"
                for p in pages
            )
            feed = (
                '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{source}</title><link>{base}/{source}/</link>"
                f"<description>{source}</description>{items}</channel></rss>"
            ).encode()
            self.feeds[f"/{source}/rss.xml"] = (feed, _etag(feed))
            home = (
                f'<html><head><title>{source}</title><link rel="alternate" '
                f'type="application/rss+xml" href="{base}/{source}/rss.xml"></head>'
                f"<body><h1>{source}</h1></body></html>"
            ).encode()
            self.feeds[f"/{source}/"] = (home, _etag(home))


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _write_page(args: tuple[int, str]) -> tuple[str, str, str]:
    i, root = args
    body, title = render(i)
    path = f"/{_source(i)}/story-{i}.html"
    target = Path(root) / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return path, _etag(body), title


def _source(i: int) -> str:
    return f"site-{i % len(_templates):02d}"


def build_site(root: Path, n: int) -> Site:
    """Generate the site under `root` (reused when a kept one of the same size exists).

    N distinct articles made from the real pages of the readability corpus of 50 to 300 KB, one
    source per corpus page with its own RSS feed. Each article keeps its page's markup,
    furniture and size; the words of its article text (the text nodes found in the page's
    expected.txt) and its headline are replaced by seeded words, so that no two articles share
    their text.
    """
    manifest = root / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        if data.get("version") == SITE_VERSION and data.get("articles") == n:
            pages = [Page(**p) for p in data["pages"]]
            return Site(root, pages, data["sources"])
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    global _templates
    _templates = templates()
    synth.sampler()
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        made = pool.map(_write_page, [(i, str(root)) for i in range(n)], chunksize=20)
    pages = [
        Page(path, _source(i), etag, _http_date(i), title)
        for i, (path, etag, title) in enumerate(made)
    ]
    sources = sorted({p.source for p in pages})
    manifest.write_text(
        json.dumps(
            {
                "version": SITE_VERSION,
                "articles": n,
                "sources": sources,
                "pages": [p.__dict__ for p in pages],
            }
        )
    )
    return Site(root, pages, sources)


def _http_date(i: int) -> str:
    return format_datetime(synth.EPOCH + timedelta(minutes=i), usegmt=True)


# --- The server -----------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    """Serves a Site: 200 with ETag and Last-Modified, 304 when a validator matches."""

    protocol_version = "HTTP/1.1"
    site: Site
    counts: Counter[str]
    home: str | None = None  # the source whose home page "/" is (news-please's start page)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?")[0]
        if path == "/" and self.home is not None:
            path = f"/{self.home}/"
        page = self.site.by_path.get(path)
        if page is not None:
            etag, modified, ctype = page.etag, page.modified, "text/html; charset=utf-8"
        elif path in self.site.feeds:
            etag, modified = self.site.feeds[path][1], _http_date(0)
            ctype = "application/rss+xml" if path.endswith(".xml") else "text/html"
        else:
            self._send(404, b"", {})
            return
        if self._fresh(etag, modified):
            self.counts["304"] += 1
            self._send(304, b"", {"ETag": etag, "Last-Modified": modified})
            return
        self.counts["200 page" if page is not None else "200 listing"] += 1
        body = self.site.body(page) if page is not None else self.site.feeds[path][0]
        headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": ctype}
        self._send(200, body, headers)

    def _fresh(self, etag: str, modified: str) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        try:
            return since is not None and parsedate_to_datetime(since) >= parsedate_to_datetime(
                modified
            )
        except (TypeError, ValueError):
            return False

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(site: Site) -> tuple[ThreadingHTTPServer, Counter[str]]:
    counts: Counter[str] = Counter()
    handler = type("SiteHandler", (Handler,), {"site": site, "counts": counts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.render_feeds(f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counts


# --- The extraction limit -------------------------------------------------------------------------
def _trafilatura(body: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(body) or "")


def _trafilatura_metadata(body: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(body, with_metadata=True) or "")


def _newsmon_worker(job: tuple[bytes, str]) -> int:
    from crawler.items import FeedHints
    from crawler.process.worker import process_page

    return len(process_page(job[0], job[1], "text/html; charset=utf-8", FeedHints()).text)


def _init_limit_worker() -> None:
    from crawler.process.worker import init_worker

    init_worker(list(TOPICS))


def pool_rate(func: Any, jobs: list[Any]) -> tuple[float, float, int]:
    """Seconds and CPU seconds for `func` over `jobs` in a warm pool of one process per core,
    and how many jobs gave text."""
    with ProcessPoolExecutor(os.cpu_count(), initializer=_init_limit_worker) as pool:
        list(pool.map(func, jobs[: os.cpu_count() or 1]))  # imports done before the clock starts
        before = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
        started = time.perf_counter()
        sizes = list(pool.map(func, jobs))
        seconds = time.perf_counter() - started
    # The pool's workers are reaped at shutdown: their CPU is in RUSAGE_CHILDREN only then, and
    # includes the warm-up pages (a few of thousands).
    cpu = _cpu(resource.RUSAGE_CHILDREN) - before[0] + _cpu(resource.RUSAGE_SELF) - before[1]
    return seconds, cpu, sum(1 for s in sizes if s > 0)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# --- Crawls ---------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _pss_bytes(pid: int) -> int:
    """A process's proportional set size: its private pages plus its share of those it
    shares (libraries, copy-on-write pages), so that a tree's sum counts each page once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _own_cpu(pid: int) -> float | None:
    """A process's own CPU seconds (user + system, not its children's), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _comm(pid: int) -> str:
    """The process's name (the writer process names itself newsmon-writer)."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


class TreeRss:
    """Samples the summed RSS of a process and its descendants every 0.1 s; keeps the peak,
    and each process's own peak and last CPU time.

    Sampled, not `ru_maxrss`: a child's ru_maxrss starts at its parent's size at fork (this
    benchmark holds the whole site in memory), so it overstates what the crawl itself used.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss, self.processes = pid, 0, 0, 0
        self.each: dict[int, int] = {}
        self.cpu: dict[int, float] = {}  # the pool processes' own CPU, last sampled
        self.pool: set[int] = set()
        self.writers: set[int] = set()  # the archive's writer process (crawler/archive/writer.py)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            tree, stack = [], [self.pid]
            while stack:
                pid = stack.pop()
                tree.append(pid)
                stack.extend(_children(pid))
            sizes = {p: _rss_bytes(p) for p in tree}
            self.peak = max(self.peak, sum(sizes.values()))
            self.peak_pss = max(self.peak_pss, sum(_pss_bytes(p) for p in tree))
            for p, size in sizes.items():
                self.each[p] = max(self.each.get(p, 0), size)
                if p not in self.pool and b"multiprocessing" in _cmdline(p):
                    self.pool.add(p)  # a worker, the writer or the resource tracker
                if p in self.pool and p not in self.writers and _comm(p) == "newsmon-writer":
                    self.writers.add(p)
                if p in self.pool and (cpu := _own_cpu(p)) is not None:
                    self.cpu[p] = cpu
            self.processes = max(self.processes, len(tree))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class CrawlFigures:
    wall: float
    main_cpu: float  # the crawl process (Scrapy, pipeline writes)
    pool_cpu: float  # its extraction workers and resource tracker
    writer_cpu: float  # its writer process (the archive's writes, once it took them over)
    server_cpu: float  # this process: the site's HTTP server (and the RSS sampler)
    main_rss: int  # peak RSS of the crawl process, bytes (sampled)
    worker_rss: int  # largest peak RSS among the pool processes, bytes (sampled)
    writer_rss: int  # peak RSS of the writer process, bytes (sampled; 0: none started)
    tree_rss: int  # peak of the summed RSS of the crawl's process tree, bytes (sampled)
    tree_pss: int  # the same with PSS: shared library pages counted once, not per process
    summary: dict[str, Any]
    served: Counter[str]

    @property
    def cpu(self) -> float:
        return self.main_cpu + self.pool_cpu + self.writer_cpu


def _set_subreaper() -> None:
    """Become the reaper of orphaned descendants: the crawl's resource tracker (and, in a
    killed crawl, its workers) outlive the crawl process, and their CPU only reaches a rusage
    when someone waits for them."""
    import ctypes

    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def _reap_orphans(deadline: float) -> list[resource.struct_rusage]:
    usages = []
    while time.monotonic() < deadline:
        pending = _children(os.getpid())
        if not pending:
            break
        for pid in pending:
            try:
                done, _, usage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if done:
                usages.append(usage)
        time.sleep(0.05)
    return usages


def run_crawl(cmd: list[str], counts: Counter[str], log: Path) -> CrawlFigures:
    counts.clear()
    self_before = _cpu(resource.RUSAGE_SELF)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    started = time.perf_counter()
    with open(log, "wb") as err, tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=synth.REPO)
        sampler = TreeRss(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        sampler.stop()
        orphans = _reap_orphans(time.monotonic() + 30)
        out.seek(0)
        stdout = out.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}); see {log}:\n{log.read_text()[-3000:]}")
    # Every process's CPU, each counted once: the crawl's rusage includes the workers it
    # waited for; the orphans' are the rest. The pool's share is each pool process's own CPU
    # as last sampled (at most 0.1 s before it ended).
    total = usage.ru_utime + usage.ru_stime + sum(u.ru_utime + u.ru_stime for u in orphans)
    writer = sum(sampler.cpu.get(p, 0.0) for p in sampler.writers)
    pool = sum(sampler.cpu.values()) - writer
    return CrawlFigures(
        wall=wall,
        main_cpu=total - pool - writer,
        pool_cpu=pool,
        writer_cpu=writer,
        server_cpu=_cpu(resource.RUSAGE_SELF) - self_before,
        main_rss=sampler.each.get(proc.pid, 0),
        worker_rss=max(
            (v for k, v in sampler.each.items() if k != proc.pid and k not in sampler.writers),
            default=0,
        ),
        writer_rss=max((sampler.each.get(p, 0) for p in sampler.writers), default=0),
        tree_rss=sampler.peak,
        tree_pss=sampler.peak_pss,
        summary=_summary(stdout),
        served=Counter(counts),
    )


def _summary(stdout: str) -> dict[str, Any]:
    """The JSON line of `crawl --json` (py-spy, when it wraps the crawl, prints lines too)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise SystemExit(f"no JSON summary in the crawl's output: {stdout[-2000:]!r}")


def config_toml(db: Path, port: int, sources: list[str], concurrency: int, budget: int) -> str:
    lines = [
        "[database]",
        f'url = "sqlite:///{db}"',
        "[crawl]",
        'user_agent = "newsmon-benchmark/1.0"',
        "obey_robots = false",
        f"concurrency = {concurrency}",
        f"per_host_concurrency = {concurrency}",
        'download_delay = "0s"',
        'allow_private_networks = ["127.0.0.0/8"]',
        "[revisit]",
        'schedule = ["1s"]',
        f"budget = {budget}",
    ]
    for name in sources:
        feed = f"http://127.0.0.1:{port}/{name}/rss.xml"
        lines += ["[[sources]]", f'name = "{name}"', f'feeds = ["{feed}"]']
    for name, query in TOPICS:
        lines += ["[[topics]]", f'name = "{name}"', f"query = '{query}'", 'alert_mode = "none"']
    return "\n".join(lines) + "\n"


def newsmon_cmd(config: Path, profile: Path | None = None, script: str | None = None) -> list[str]:
    """`newsmon crawl` as users run it: the `newsmon` script beside this Python (or `script`),
    else `python -m crawler`; under cProfile, `python -m cProfile -m crawler`."""
    args = ["--config", str(config), "crawl", "--json"]
    installed = Path(sys.executable).with_name("newsmon")
    if profile is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "crawler", *args]
    if script or installed.exists():
        return [sys.executable, script or str(installed), *args]
    return [sys.executable, "-m", "crawler", *args]


# --- Report -------------------------------------------------------------------------------------
def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def describe(label: str, f: CrawlFigures) -> None:
    s = f.summary
    print(
        f"{label}: {f.wall:6.1f} s wall, CPU {f.cpu:6.1f} s (crawl process {f.main_cpu:.1f} s, "
        f"writer {f.writer_cpu:.1f} s, extraction pool {f.pool_cpu:.1f} s; site server "
        f"{f.server_cpu:.1f} s)"
    )
    print(
        f"    fetched {s.get('fetched')}, new {s.get('new_articles')}, revisits "
        f"{s.get('revisits')}, not modified {s.get('not_modified')}, unchanged "
        f"{s.get('unchanged')}, errors {s.get('errors')}, matches {s.get('matches')}; "
        f"server: {dict(sorted(f.served.items()))}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="distinct articles (2000)")
    parser.add_argument("--concurrency", type=int, default=32, help="crawl.concurrency (32)")
    parser.add_argument("--keep", metavar="DIR", help="keep site, archive, configs, logs here")
    parser.add_argument(
        "--limit-sample",
        type=int,
        default=4,
        metavar="K",
        help="time the with-metadata and newsmon-worker limits on every K-th page (4)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the first crawl")
    parser.add_argument("--py-spy", metavar="EXE", help="profile the first crawl with py-spy")
    parser.add_argument(
        "--script",
        metavar="PATH",
        help="run newsmon through this console script (default: the newsmon script beside "
        "this Python, as users run it)",
    )
    parser.add_argument("--newsplease", metavar="EXE", help="also crawl with this news-please")
    parser.add_argument(
        "--corpus",
        action="store_true",
        help="only time newsmon's worker against trafilatura.extract on the readability corpus "
        "pages, in this one process, and exit",
    )
    parser.add_argument(
        "--compare",
        metavar="DB",
        help="compare the archive the crawls leave with this one (a SQLite file another run "
        "kept with --keep): the same articles, URLs, stories, versions and matches",
    )
    parser.add_argument(
        "--crawl-only",
        action="store_true",
        help="skip the trafilatura limits: only newsmon's crawls (CPU and memory figures)",
    )
    args = parser.parse_args(argv)
    if not (synth.corpus_dir() / "manifest.json").exists():
        raise SystemExit(f"the readability corpus is needed: not found at {synth.corpus_dir()}")
    if args.corpus:
        synth.header("crawl --corpus: newsmon's worker against trafilatura.extract, one process")
        corpus_worker()
        return 0
    _set_subreaper()
    synth.header(f"crawl: newsmon crawl of {args.articles:,} local articles vs trafilatura alone")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        site = build_site(work / "site", args.articles)
        bodies = [site.body(p) for p in site.pages]
        sizes = sorted(len(b) for b in bodies)
        print(
            f"site:    {len(bodies):,} articles in {len(site.sources)} sources (feeds), pages "
            f"{sizes[0] // 1000}-{sizes[-1] // 1000} KB, median {sizes[len(sizes) // 2] // 1000}"
            f" KB, {sum(sizes) / 2**20:,.0f} MB in all (made in "
            f"{time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        limit = {} if args.crawl_only else limits(bodies, site, args.limit_sample)
        del bodies  # 3 GB at 20k: the server reads pages from disk
        crawls = crawl_cycles(site, work, args)
        summarize(len(site.pages), limit, crawls)
        if args.compare:
            compare_archives(Path(args.compare), work / "newsmon.db")
        if args.newsplease:
            newsplease(args.newsplease, site, work, len(site.pages))
    return 0


@dataclass(frozen=True)
class Limit:
    pages: int
    seconds: float
    cpu: float
    with_text: int

    @property
    def rate(self) -> float:
        return self.pages / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.pages * 1000


def limits(bodies: list[bytes], site: Site, every: int) -> dict[str, Limit]:
    """trafilatura.extract over every page; the two costlier variants over every `every`-th
    page (the pages cycle through the templates, so a sample still covers them all)."""
    jobs = [(b, f"http://127.0.0.1{p.path}") for b, p in zip(bodies, site.pages, strict=True)]
    runs: dict[str, tuple[str, Any, list[Any]]] = {
        "trafilatura": ("trafilatura.extract", _trafilatura, bodies),
        "metadata": (
            "trafilatura.extract(with_metadata=True)",
            _trafilatura_metadata,
            bodies[::every],
        ),
        "worker": ("newsmon's worker.process_page", _newsmon_worker, jobs[::every]),
    }
    out = {}
    for key, (label, func, batch) in runs.items():
        limit = Limit(len(batch), *pool_rate(func, batch))
        out[key] = limit
        print(
            f"limit:   {label} in a pool of {os.cpu_count()}: {limit.rate:6.1f} pages/s "
            f"({limit.pages} pages in {limit.seconds:.1f} s, CPU {limit.cpu_ms:.1f} ms/page, "
            f"{limit.with_text} with text)",
            flush=True,
        )
    return out


def crawl_cycles(site: Site, work: Path, args: argparse.Namespace) -> list[CrawlFigures]:
    db = work / "newsmon.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    server, counts = serve(site)
    port = server.server_address[1]
    config = work / "newsmon.toml"
    revisit = work / "newsmon-revisit.toml"
    config.write_text(config_toml(db, port, site.sources, args.concurrency, budget=0))
    revisit.write_text(
        config_toml(db, port, site.sources, args.concurrency, budget=len(site.pages))
    )
    profile = work / "crawl.prof" if args.profile else None
    spy = work / "crawl-1.pyspy.txt"
    cmd = newsmon_cmd(config, profile, args.script)
    if args.py_spy:
        record = [args.py_spy, "record", "--subprocesses", "--format", "raw", "--rate", "100"]
        cmd = [*record, "--output", str(spy), "--", *cmd]
    try:
        first = run_crawl(cmd, counts, work / "crawl-1.log")
        describe("crawl 1 (all new)       ", first)
        second = run_crawl(newsmon_cmd(config, script=args.script), counts, work / "crawl-2.log")
        describe("crawl 2 (nothing changed)", second)
        time.sleep(1.5)  # every article's first revisit ("1s") is now due
        third = run_crawl(newsmon_cmd(revisit, script=args.script), counts, work / "crawl-3.log")
        describe("crawl 3 (all revisited) ", third)
    finally:
        server.shutdown()
        server.server_close()
    if profile is not None:
        import pstats

        print("\ncProfile of crawl 1's main process (not the workers), by own time:")
        pstats.Stats(str(profile)).sort_stats("tottime").print_stats(25)
    if args.py_spy:
        print_spy(spy)
    return [first, second, third]


def _unlined(frame: str) -> str:
    return re.sub(r":\d+\)$", ")", frame)


def print_spy(path: Path, top: int = 20) -> None:
    """Where crawl 1's samples went, per process kind, by own time and by newsmon function."""
    own: dict[str, Counter[str]] = {}
    ours: dict[str, Counter[str]] = {}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        processes = [f for f in frames if f.startswith("process ")]
        kind = "crawl process"
        if any("archive/writer.py" in f for f in frames):
            kind = "writer process"  # spawned too: told apart by its own frames
        elif any("spawn_main" in f or "forkserver" in f for f in processes):
            kind = "pool worker"
        elif len(processes) > 1:
            kind = "other"
        own.setdefault(kind, Counter())[frames[-1]] += int(count)
        # Inclusive: each newsmon function on the stack (once per sample).
        seen = {_unlined(f) for f in frames if re.search(r"\((crawler|storage)/", f)}
        for frame in seen:
            ours.setdefault(kind, Counter())[frame] += int(count)
    for kind, counter in own.items():
        total = sum(counter.values())
        print(f"\npy-spy, {kind}: {total} samples at 100 Hz; own time")
        for frame, n in counter.most_common(top):
            print(f"  {n / total:6.1%}  {frame}")
        print(f"py-spy, {kind}: newsmon functions, inclusive")
        for frame, n in ours.get(kind, Counter()).most_common(top):
            print(f"  {n / total:6.1%}  {frame}")


def summarize(n: int, limit: dict[str, Limit], crawls: list[CrawlFigures]) -> None:
    first, second, third = crawls
    print()
    if limit:
        _compare(n, limit, first, second)
    else:
        print(
            f"newsmon crawl: {n / first.wall:6.1f} pages/s end to end ({first.wall:.1f} s); "
            f"CPU per page {first.cpu / n * 1000:.1f} ms (crawl process "
            f"{first.main_cpu / n * 1000:.1f}, writer {first.writer_cpu / n * 1000:.1f}, pool "
            f"{first.pool_cpu / n * 1000:.1f})"
        )
    print(
        f"peak RSS crawl 1: crawl process {mb(first.main_rss)}, largest pool process "
        f"{mb(first.worker_rss)}, writer {mb(first.writer_rss)}; whole process tree (sampled "
        f"sum) {mb(first.tree_rss)}, its PSS {mb(first.tree_pss)}"
    )
    print(
        f"crawl 2 (nothing changed): wall {second.wall:.1f} s = "
        f"{second.wall / first.wall:.1%} of crawl 1's"
    )
    print(
        f"crawl 3 (every article revisited, 304): wall {third.wall:.1f} s, CPU {third.cpu:.1f} s "
        f"= {third.cpu / first.cpu:.1%} of crawl 1's CPU"
    )
    print(f"load average at the end: {synth.load()}")


def _compare(n: int, limit: dict[str, Limit], first: CrawlFigures, second: CrawlFigures) -> None:
    rate = n / first.wall
    steady = n / max(first.wall - second.wall, 1e-9)
    bare, metadata, worker = limit["trafilatura"], limit["metadata"], limit["worker"]
    print(f"newsmon crawl:            {rate:6.1f} pages/s end to end ({first.wall:.1f} s)")
    print(f"  without crawl 2's wall time (a cycle's fixed cost): {steady:6.1f} pages/s")
    print(f"trafilatura.extract:      {bare.rate:6.1f} pages/s  (the limit)")
    print(f"  with_metadata=True:     {metadata.rate:6.1f} pages/s  (title, date, author)")
    print(f"newsmon worker alone:     {worker.rate:6.1f} pages/s")
    print(
        f"ratio crawl / trafilatura.extract: {rate / bare.rate:.2f} "
        f"(without the fixed cost {steady / bare.rate:.2f}); "
        f"crawl / worker alone {rate / worker.rate:.2f}"
    )
    print(
        f"CPU per page: crawl 1 {first.cpu / n * 1000:.1f} ms (crawl process "
        f"{first.main_cpu / n * 1000:.1f}, writer {first.writer_cpu / n * 1000:.1f}, pool "
        f"{first.pool_cpu / n * 1000:.1f}); "
        f"trafilatura.extract {bare.cpu_ms:.1f}, with metadata {metadata.cpu_ms:.1f}, "
        f"newsmon worker {worker.cpu_ms:.1f}"
    )
    # What the wall-time ratio is on a machine nobody else uses: both runs are CPU-bound on
    # the same cores, so their rates stand as their CPU per page.
    print(
        "CPU ratio trafilatura.extract / crawl (the throughput ratio on an idle machine): "
        f"{bare.cpu_ms / (first.cpu / n * 1000):.2f}"
    )


# --- The worker on the readability corpus ---------------------------------------------------------
def corpus_worker(rounds: int = 3) -> None:
    """CPU of `process_page` and of `trafilatura.extract` over every page of the readability
    corpus (real pages, not this benchmark's site), in this process, the pages in turn; the
    best of `rounds` passes each (the least disturbed by other work on the machine)."""
    import trafilatura

    from crawler.items import FeedHints
    from crawler.process.worker import init_worker, process_page

    root = synth.corpus_dir()
    manifest = json.loads((root / "manifest.json").read_text())
    pages = [
        gzip.decompress((root / name / "source.html.gz").read_bytes())
        for name, info in sorted(manifest["pages"].items())
        if not info.get("synthetic")
    ]
    init_worker(list(TOPICS))
    runs: dict[str, Any] = {
        "trafilatura.extract": trafilatura.extract,
        "newsmon worker.process_page": lambda body: process_page(
            body, "https://example.org/a", "text/html", FeedHints()
        ),
    }
    best: dict[str, float] = {}
    for _ in range(rounds):
        for label, func in runs.items():
            started = time.thread_time()
            for body in pages:
                func(body)
            best[label] = min(best.get(label, 1e9), time.thread_time() - started)
    for label, cpu in best.items():
        print(f"{label:28} {cpu / len(pages) * 1000:6.1f} ms CPU a page ({len(pages)} pages)")
    ratio = best["newsmon worker.process_page"] / best["trafilatura.extract"]
    print(f"worker / extract: {ratio:.2f}x   (load average at the end: {synth.load()})")


# --- Two archives of the same site ----------------------------------------------------------------
_ARCHIVE = {
    "articles": "SELECT p(url) FROM articles",
    "URLs": "SELECT p(u.url), p(a.url) FROM article_urls u JOIN articles a ON a.id = u.article_id",
    "canonical copies": "SELECT p(a.url) FROM stories s JOIN articles a"
    " ON a.id = s.canonical_article_id",
    "versions": "SELECT p(a.url), v.n FROM versions v JOIN articles a ON a.id = v.article_id",
    "matches": "SELECT m.topic, p(a.url) FROM topic_matches m JOIN articles a"
    " ON a.id = m.article_id",
    "texts": "SELECT p(url), text_hash FROM articles",
}


def _archive(path: Path) -> dict[str, set[Any]]:
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    # the site's port differs from run to run: compare paths
    db.create_function("p", 1, lambda url: re.sub(r"^https?://[^/]+", "", url))
    out = {name: set(db.execute(sql)) for name, sql in _ARCHIVE.items()}
    stories: dict[int, set[str]] = {}
    for story, path_ in db.execute("SELECT story_id, p(url) FROM articles"):
        stories.setdefault(story, set()).add(path_)
    out["stories"] = {frozenset(copies) for copies in stories.values()}
    db.close()
    return out


def compare_archives(before: Path, after: Path) -> bool:
    """Whether two crawls of the same site stored the same articles, URLs, stories (the same
    articles together), canonical copies, versions and topic matches; printed line by line.

    Texts are counted apart: which lines are learned as boilerplate depends on when each
    source is relearned (batches close on time as well as size), so two runs of one commit
    already differ in a few texts (14 of 2,000 on the 2k site, each by a learned line). For
    the same reason a match made only on a word in a line that its source learns as
    boilerplate during the crawl depends on whether the page was stored before or after the
    line was learned; such differences are listed with the others.
    """
    a, b = _archive(before), _archive(after)
    same = True
    print(f"\narchives: {before} against {after}")
    for name in [*_ARCHIVE, "stories"]:
        lost, new = a[name] - b[name], b[name] - a[name]
        verdict = "same" if not (lost or new) else f"{len(lost)} only before, {len(new)} only after"
        print(f"  {name:17} {len(a[name]):6,} / {len(b[name]):6,}  {verdict}")
        if name != "texts":
            same = same and not (lost or new)
            for which, rows in (("before", lost), ("after", new)):
                for row in sorted(rows, key=str)[:3]:
                    print(f"      only {which}: {row}")
    print(f"  {'same' if same else 'NOT the same'} (texts apart)")
    return same


# --- news-please ----------------------------------------------------------------------------------
def newsplease(exe: str, site: Site, work: Path, n: int) -> None:
    """news-please's RssCrawler over the same pages: each source on its own loopback address
    (news-please starts a site's crawl at its host's "/" and runs one process per site)."""
    import configparser

    base = work / "newsplease"
    shutil.rmtree(base, ignore_errors=True)
    (base / "config").mkdir(parents=True)
    servers = []
    sites = []
    for k, source in enumerate(site.sources):
        handler = type(
            "HomeHandler", (Handler,), {"site": site, "counts": Counter(), "home": source}
        )
        server = ThreadingHTTPServer((f"127.0.0.{k + 2}", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        host = f"http://127.0.0.{k + 2}:{server.server_address[1]}"
        site.render_feeds(host, only=source)
        sites.append(
            {
                "url": f"{host}/",
                "crawler": "RssCrawler",
                "overwrite_heuristics": {
                    "og_type": False,
                    "linked_headlines": False,
                    "self_linked_headlines": False,
                    "crawler_contains_only_article_alikes": True,
                },
                "pass_heuristics_condition": "crawler_contains_only_article_alikes",
            }
        )
    (base / "config" / "sitelist.hjson").write_text(json.dumps({"base_urls": sites}, indent=1))
    template = Path(exe).resolve().parent.parent.glob("lib/python3*/site-packages/newsplease")
    package = next(template)
    cfg = configparser.RawConfigParser()
    cfg.optionxform = str  # type: ignore[assignment,method-assign]
    cfg.read(package / "config" / "config.cfg")
    cfg["Files"]["working_path"] = str(base / "repo")
    cfg["Scrapy"]["ROBOTSTXT_OBEY"] = "False"
    cfg["Scrapy"]["LOG_LEVEL"] = "WARNING"
    with open(base / "config" / "config.cfg", "w") as f:
        cfg.write(f)
    self_before = _cpu(resource.RUSAGE_SELF)
    children_before = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(work / "newsplease.log", "wb") as log:
        subprocess.run(
            [exe, "-c", str(base / "config"), "-no-confirm"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    wall = time.perf_counter() - started
    _reap_orphans(time.monotonic() + 10)
    cpu = _cpu(resource.RUSAGE_CHILDREN) - children_before
    for server in servers:
        server.shutdown()
        server.server_close()
    stored = len(list((base / "repo" / "data").rglob("*.json")))
    # news-please checks every 10 s whether its crawlers are done: up to 10 s of its wall
    # time is that poll.
    print(
        f"news-please (RssCrawler, {len(sites)} sites, its default 5 parallel crawlers): "
        f"{stored} of {n} articles stored as JSON in {wall:.1f} s = {stored / wall:.1f} pages/s "
        f"end to end, CPU {cpu:.1f} s = {cpu / max(stored, 1) * 1000:.0f} ms/page "
        f"(server {_cpu(resource.RUSAGE_SELF) - self_before:.1f} s)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
