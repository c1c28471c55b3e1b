"""Boilerplate learning: count each short paragraph's pages per source."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.items import Processed
from storage.models import (
    BoilerplateParagraph,
)
from storage.queries import core_execute


@cache  # built once per dialect, not for every article
def _count_paragraph(dialect_name: str) -> Any:
    """INSERT a paragraph key with docs = 1, or add 1 to its count (race-free upsert)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    table = BoilerplateParagraph.__table__
    return dialect.insert(table).on_conflict_do_update(
        index_elements=[table.c.source_id, table.c.key], set_={"docs": table.c.docs + 1}
    )


def learn_paragraphs(session: Session, source: str, source_id: int, doc: Processed) -> None:
    if not doc.paragraph_keys:
        return
    rows = [
        {"source_id": source_id, "key": key, "docs": 1, "sample": sample}
        for key, sample in doc.paragraph_keys.items()
    ]
    # One statement of fixed shape run for every row (executemany): compiled once, where a
    # multi-row VALUES of varying length was compiled anew for every article.
    core_execute(session, _count_paragraph(session.get_bind().dialect.name), rows)
