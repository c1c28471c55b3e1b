"""Title, authors, date and body scored on the readability corpus, newsmon against trafilatura."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura  # noqa: E402
from trafilatura.settings import Document  # noqa: E402

from crawler.items import FeedHints  # noqa: E402
from crawler.process.worker import process_page  # noqa: E402
from crawler.text.normalise import normalise_text  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared/corpus/readability"
SHINGLE = 4  # words per body shingle
_WORD = re.compile(r"\w+")
# "By A, B and C", "A & B", "A; B", "A | B": the separators of several names in one byline
_NAME_SEP = re.compile(r"\s*(?:[,;|&/\n]|\b(?:and|und|y|et|avec|with)\b)\s*", re.IGNORECASE)
_BY = re.compile(r"^\s*(?:(?:written|edited)\s+by|by|von|por|par|door|di|av)\s+", re.IGNORECASE)
# Not names, in the corpus's expected bylines: URLs, parentheses, degrees; a part with a
# digit is a date ("By Nathan Willis\n March 25, 2015").
_NOT_NAME = re.compile(r"https?://\S+|\([^)]*\)")
_DEGREES = frozenset({"ma", "md", "phd", "rn", "mph", "mba"})


@dataclass(frozen=True)
class Page:
    """A corpus page: its HTML and the readability project's expected metadata and text."""

    name: str
    html: bytes
    meta: dict[str, Any]
    text: str
    synthetic: bool


@dataclass(frozen=True)
class Found:
    """What an extractor gave for one page."""

    title: str | None
    author: str | None
    published: datetime | None  # None, or aware; naive when the extractor gave no zone
    text: str


@dataclass
class Scores:
    """Means over the pages that have the expected field (counts in `n`)."""

    title_exact: float = 0.0
    title_f1: float = 0.0
    authors_f1: float = 0.0
    date_day: float = 0.0
    date_minute: float | None = 0.0
    body_f1: float = 0.0
    n: dict[str, int] | None = None


def load(corpus: Path) -> list[Page]:
    """The corpus pages that have expected metadata (synthetic ones flagged)."""
    manifest = json.loads((corpus / "manifest.json").read_text("utf-8"))["pages"]
    pages = []
    for folder in sorted(p.parent for p in corpus.glob("*/expected-metadata.json")):
        pages.append(
            Page(
                name=folder.name,
                html=gzip.decompress((folder / "source.html.gz").read_bytes()),
                meta=json.loads((folder / "expected-metadata.json").read_text("utf-8")),
                text=(folder / "expected.txt").read_text("utf-8"),
                synthetic=bool(manifest.get(folder.name, {}).get("synthetic")),
            )
        )
    return pages


def _fold(text: str) -> str:
    return " ".join(normalise_text(text).split()).casefold()


def _f1(got: Counter[str] | AbstractSet[Any], want: Counter[str] | AbstractSet[Any]) -> float:
    if not isinstance(got, Counter) and not isinstance(want, Counter):
        common = len(got & want)
        n_got, n_want = len(got), len(want)
    else:
        common = sum((Counter(got) & Counter(want)).values())
        n_got, n_want = sum(Counter(got).values()), sum(Counter(want).values())
    if not n_got or not n_want:
        return float(n_got == n_want)
    return 2 * common / (n_got + n_want)


def title_scores(got: str | None, want: str) -> tuple[float, float]:
    """(exact, token F1): exact after whitespace folding and casefolding."""
    exact = float(_fold(got or "") == _fold(want))
    return exact, _f1(Counter(_WORD.findall(_fold(got or ""))), Counter(_WORD.findall(_fold(want))))


def names(byline: str | None) -> set[str]:
    """The people a byline names, folded: "By A, B and C" -> {a, b, c}."""
    out = set()
    text = _NOT_NAME.sub(" ", byline or "").strip()
    last_first = [p.strip() for p in text.split(",")]
    if len(last_first) == 2 and len(last_first[0].split()) == 1 and "\n" not in text:
        text = f"{last_first[1]} {last_first[0]}"  # "Jong, Michiel de": one person
    for part in _NAME_SEP.split(text):
        if any(ch.isdigit() for ch in part):
            continue
        name = " ".join(_WORD.findall(_fold(_BY.sub("", part.strip()))))
        if name and name not in _DEGREES and name != "by":
            out.add(name)
    return out


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def date_scores(got: datetime | None, want: str) -> tuple[float, float]:
    """(same day, within a minute with the right offset) against an expected ISO time.

    An expected time with an offset must be the same instant within a minute *and* be given
    in the same offset (newsmon keeps the page's offset); its day is read in the expected
    offset. A naive expected time is compared to the found time's own clock."""
    expected = _parse_time(want)
    if got is None or expected is None:
        return 0.0, 0.0
    if expected.tzinfo is not None and got.tzinfo is not None:
        local = got.astimezone(expected.tzinfo)
        minute = abs(got - expected) <= timedelta(minutes=1) and (
            got.utcoffset() == expected.utcoffset()
        )
    else:
        local = got
        minute = abs(got.replace(tzinfo=None) - expected.replace(tzinfo=None)) <= timedelta(
            minutes=1
        )
    return float(local.date() == expected.date()), float(minute)


def shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(_fold(text))
    return {tuple(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}


def body_f1(got: str, want: str) -> float:
    return _f1(shingles(got), shingles(want))


# trafilatura's default mode with the rest of newsmon's options (tables, no comments,
# images, links, formatting): what the body would be without favor_recall.
DEFAULT_MODE: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_formatting": False,
    "include_links": False,
    "deduplicate": False,
}


def _default_mode(tree: Any, url: str) -> str:
    doc = trafilatura.bare_extraction(tree, url=url, **DEFAULT_MODE) if tree is not None else None
    return doc.text or "" if isinstance(doc, Document) else ""


def newsmon(page: Page) -> Found:
    """What newsmon's worker stores for the page (no feed hints, nothing learned yet)."""
    doc = process_page(page.html, f"https://example.org/{page.name}/", None, FeedHints())
    return Found(doc.title, doc.author, doc.published_at, doc.text)


def plain_trafilatura(page: Page) -> Found:
    """trafilatura's default settings, with its metadata."""
    doc = trafilatura.bare_extraction(
        page.html.decode("utf-8", "replace"),
        url=f"https://example.org/{page.name}/",
        with_metadata=True,
    )
    if not isinstance(doc, Document):
        return Found(None, None, None, "")
    date = _parse_time(doc.date) if doc.date else None
    return Found(doc.title, doc.author, date, doc.text or "")


def mode_losses(pages: list[Page], found: Callable[[Page], Found] = newsmon) -> list[str]:
    """The pages whose stored body (`found`, newsmon's by default) scores under half of what
    trafilatura's default mode alone gives (issue 16: no page may lose half its body to the
    extraction mode)."""
    out = []
    for page in pages:
        if page.synthetic:
            continue
        tree = trafilatura.load_html(page.html)
        alone = _default_mode(tree, f"https://example.org/{page.name}/")
        if body_f1(found(page).text, page.text) < 0.5 * body_f1(alone, page.text):
            out.append(page.name)
    return out


def _mean(values: Iterable[float]) -> float:
    seq = list(values)
    return sum(seq) / len(seq) if seq else 0.0


def score(
    pages: list[Page], extractor: Callable[[Page], Found], *, minutes: bool = True
) -> tuple[Scores, dict[str, dict[str, float]]]:
    """Mean scores over the pages, and each page's scores (for finding what broke)."""
    per: dict[str, dict[str, float]] = {}
    for page in pages:
        found = extractor(page)
        row: dict[str, float] = {}
        if page.meta.get("title"):
            row["title_exact"], row["title_f1"] = title_scores(found.title, page.meta["title"])
        if names(page.meta.get("byline")):
            row["authors_f1"] = _f1(names(found.author), names(page.meta["byline"]))
        if page.meta.get("publishedTime"):
            row["date_day"], row["date_minute"] = date_scores(
                found.published, page.meta["publishedTime"]
            )
        if not page.synthetic:
            row["body_f1"] = body_f1(found.text, page.text)
        per[page.name] = row
    means = {
        key: _mean(row[key] for row in per.values() if key in row)
        for key in ("title_exact", "title_f1", "authors_f1", "date_day", "date_minute", "body_f1")
    }
    counts = {k: sum(k in row for row in per.values()) for k in means}
    result = Scores(**means, n=counts)
    if not minutes:
        result.date_minute = None
    return result, per


def table(rows: dict[str, Scores]) -> str:
    """A markdown table, one column per extractor."""
    first = next(iter(rows.values()))
    n = first.n or {}
    lines = ["| metric | " + " | ".join(rows) + " |", "| --- |" + " ---: |" * len(rows)]

    def cell(value: float | None) -> str:
        return "n.a." if value is None else f"{value:.3f}"

    for label, key in (
        (f"title exact ({n.get('title_exact')} pages)", "title_exact"),
        ("title token F1", "title_f1"),
        (f"authors F1, set of names ({n.get('authors_f1')} pages)", "authors_f1"),
        (f"date same day ({n.get('date_day')} pages)", "date_day"),
        ("date within a minute, right offset", "date_minute"),
        (f"body F1, 4-word shingles ({n.get('body_f1')} pages)", "body_f1"),
    ):
        lines.append(f"| {label} | " + " | ".join(cell(getattr(s, key)) for s in rows.values()))
        lines[-1] += " |"
    return "\n".join(lines)


_FIELDS = {  # metric: (expected-metadata key, Found attribute)
    "title_f1": ("title", "title"),
    "authors_f1": ("byline", "author"),
    "date_minute": ("publishedTime", "published"),
}


def print_misses(pages: list[Page], per: dict[str, dict[str, float]]) -> None:
    """Each page's imperfect fields: the score, what newsmon found and what was expected
    (the body's score only: the texts are long)."""
    for page in pages:
        row = per[page.name]
        misses = [key for key in (*_FIELDS, "body_f1") if row.get(key, 1.0) < 1.0]
        if not misses:
            continue
        found = newsmon(page)
        print(f"== {page.name}")
        for key in misses:
            if key == "body_f1":
                print(f"   body_f1={row[key]:.3f}")
                continue
            want, attr = _FIELDS[key]
            print(f"   {key}={row[key]:.2f} got={getattr(found, attr)!r} want={page.meta[want]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", action="store_true", help="print each page's scores")
    parser.add_argument(
        "--misses", action="store_true", help="print what newsmon got and what was expected"
    )
    args = parser.parse_args(argv)
    pages = load(args.corpus)
    ours, per = score(pages, newsmon)
    if args.misses:
        print_misses(pages, per)
    theirs, _ = score(pages, plain_trafilatura, minutes=False)
    if args.pages:
        for name, row in per.items():
            print(name, " ".join(f"{k}={v:.2f}" for k, v in row.items() if v < 1))
    print(table({"trafilatura 2.3.1 (defaults)": theirs, "newsmon": ours}))
    losses = mode_losses(pages)
    print(f"pages whose body scores under half the default mode's: {len(losses)} {losses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
