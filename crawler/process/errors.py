"""How a failure in an extraction worker is named, and carried back to the crawl."""

from __future__ import annotations


class ExtractionError(Exception):
    """A failure in a worker that could not travel back as itself; its message is
    `describe` of the original."""


def describe(exc: BaseException) -> str:
    """One line naming an exception: ``ModuleNotFoundError: No module named 'numpy'``."""
    text = str(exc).strip().splitlines()
    if isinstance(exc, ExtractionError):
        return text[0] if text else "ExtractionError"
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
