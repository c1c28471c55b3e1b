"""Score extracted text against a corpus page's expected text: paragraph recall, word precision."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crawler.text.normalise import normalise_text

# A paragraph also counts as found when this share of its words is on one extracted line
# (extractors split, merge and trim paragraphs a little differently).
TOKEN_RECALL_THRESHOLD = 0.9

_WORD_RE = re.compile(r"\w+")


def _fold(text: str) -> str:
    """normalise_text, then all whitespace (line breaks included) to single spaces, casefolded."""
    return " ".join(normalise_text(text).split()).casefold()


def _words(text: str) -> Counter[str]:
    return Counter(_WORD_RE.findall(_fold(text)))


def _token_recall(wanted: Counter[str], line: Counter[str]) -> float:
    return sum((wanted & line).values()) / sum(wanted.values())


def _found(paragraph: str, haystack: str, lines: list[Counter[str]]) -> bool:
    if paragraph in haystack:
        return True
    wanted = _words(paragraph)
    return any(_token_recall(wanted, line) >= TOKEN_RECALL_THRESHOLD for line in lines)


def score_page(extracted_text: str, expected_text: str) -> tuple[float, float]:
    """Return (recall, precision) of `extracted_text` against `expected_text`.

    Recall: the share of the expected paragraphs (non-empty lines) found in the extraction,
    either as a substring of the whole extracted text (after normalise_text and whitespace
    folding) or with a word recall >= TOKEN_RECALL_THRESHOLD against one extracted line.
    Paragraphs without any word (lone punctuation) are ignored.
    Precision: the share of extracted words (a multiset) that also occur in the expected text.
    An empty expectation has recall 1.0; an empty extraction has precision 0.0 unless the
    expectation is empty too.
    """
    expected = [_fold(line) for line in expected_text.splitlines()]
    expected = [line for line in expected if _WORD_RE.search(line)]
    extracted_lines = [_words(line) for line in extracted_text.splitlines() if line.strip()]
    haystack = _fold(extracted_text)
    found = sum(_found(line, haystack, extracted_lines) for line in expected)
    recall = found / len(expected) if expected else 1.0
    got, want = _words(extracted_text), _words(expected_text)
    total = sum(got.values())
    precision = sum((got & want).values()) / total if total else float(not want)
    return recall, precision


def f1(recall: float, precision: float) -> float:
    """Harmonic mean of recall and precision (0.0 when both are 0)."""
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


@dataclass(frozen=True)
class CorpusPage:
    """One real page of the readability corpus."""

    name: str
    html: bytes
    expected_text: str
    expected_metadata: dict[str, object]


def real_pages(directory: Path) -> list[CorpusPage]:
    """The pages that manifest.json in `directory` does not flag as synthetic."""
    pages = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["pages"]
    real = sorted(name for name, info in pages.items() if not info["synthetic"])
    return [_load(directory / name) for name in real]


def _load(folder: Path) -> CorpusPage:
    return CorpusPage(
        name=folder.name,
        html=gzip.decompress((folder / "source.html.gz").read_bytes()),
        expected_text=(folder / "expected.txt").read_text(encoding="utf-8"),
        expected_metadata=json.loads((folder / "expected-metadata.json").read_text("utf-8")),
    )
