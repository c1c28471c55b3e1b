"""The demo's topic truth: which of its three queries a headline and body match.

The queries are implemented directly (not parsed by newsmon) so the truth cannot drift from the
text: whole words after case and accent folding, `*` a prefix, title: the headline only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

TOPIC_QUERIES: dict[str, str] = {
    "ukraine-russia": "(Ukraine OR Kyiv OR Kiev) AND (Russia OR Putin OR Kremlin OR Moscow)",
    "climate": 'climate OR "carbon emissions" OR renewabl*',
    "chips": "title:semiconductor* OR (chip* AND NOT potato)",
}
_WORD = re.compile(r"[^\W_]+")


def fold(s: str) -> str:
    """Case-fold and strip accents ("Kyïv" -> "kyiv")."""
    decomposed = unicodedata.normalize("NFKD", s.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(s: str) -> list[str]:
    """Folded runs of letters and digits: "pro-Moscow" -> ["pro", "moscow"]."""
    return _WORD.findall(fold(s))


def _has_phrase(seqs: Sequence[Sequence[str]], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(
        list(seq[i : i + n]) == list(phrase) for seq in seqs for i in range(len(seq) - n + 1)
    )


def topics_of(title: str, paragraphs: Sequence[str], *, per_field: bool = False) -> set[str]:
    """Names of the demo topics that headline+body match.

    Phrases are matched over one word stream (title then paragraphs), as a matcher over
    extracted text would; `per_field=True` matches them inside single fields instead, which
    content generation uses to prove its texts do not depend on that choice.
    """
    title_words = words(title)
    fields = [title_words, *(words(p) for p in paragraphs)]
    stream = [w for f in fields for w in f]
    vocab = set(stream)
    phrase_seqs = fields if per_field else [stream]

    def any_prefix(prefix: str, ws: set[str]) -> bool:
        return any(w.startswith(prefix) for w in ws)

    found: set[str] = set()
    if vocab & {"ukraine", "kyiv", "kiev"} and vocab & {"russia", "putin", "kremlin", "moscow"}:
        found.add("ukraine-russia")
    if (
        "climate" in vocab
        or _has_phrase(phrase_seqs, ["carbon", "emissions"])
        or any_prefix("renewabl", vocab)
    ):
        found.add("climate")
    if any_prefix("semiconductor", set(title_words)) or (
        any_prefix("chip", vocab) and "potato" not in vocab
    ):
        found.add("chips")
    return found
