"""The Readability corpus host: its real pages, loaded as-is, and where the corpus lives."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demo.site.model import DEFAULT_CORPUS, EPOCH, CorpusPage


def parse_time(value: Any) -> datetime:
    """A corpus page's publishedTime, or EPOCH when it has none (then it means nothing)."""
    if not isinstance(value, str):
        return EPOCH
    for candidate in (value.strip(), value.strip()[:19]):
        try:
            dt = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return EPOCH


def load_corpus(root: Path) -> list[CorpusPage]:
    """The real (non-synthetic) pages of the Readability corpus at `root`."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    pages = []
    for name, info in sorted(manifest["pages"].items()):
        if info.get("synthetic"):
            continue
        folder = root / name
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
        byline = (meta.get("byline") or "").strip() or None
        pages.append(
            CorpusPage(
                name=name,
                html=gzip.decompress((folder / "source.html.gz").read_bytes()),
                title=(meta.get("title") or "").strip(),
                paragraphs=[ln.strip() for ln in lines if ln.strip()],
                author=" ".join(byline.split()) if byline else None,
                published_at=parse_time(meta.get("publishedTime")),
            )
        )
    return pages


def corpus_root(corpus_dir: Path | None) -> Path | None:
    if corpus_dir is not None:
        if not (corpus_dir / "manifest.json").is_file():
            raise FileNotFoundError(f"no manifest.json in corpus_dir {corpus_dir}")
        return corpus_dir
    root = Path(os.environ.get("NEWSMON_CORPUS_DIR") or DEFAULT_CORPUS)
    return root if (root / "manifest.json").is_file() else None
