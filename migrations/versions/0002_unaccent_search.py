"""search: accent-insensitive and word-for-word on PostgreSQL, as FTS5 is on SQLite

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 19:30:00.000000

PostgreSQL's search vector used the 'simple' configuration on the raw title and text, so it
kept accents ("zürich" did not find "zurich") where SQLite's FTS5 (remove_diacritics 2) and the
topics' matcher fold them, and its parser made single tokens of "pro-moscow", "example.org" or
"3.5" where FTS5 and the topics see two words. The vector is now built from the text unaccented
(the unaccent extension, through an IMMUTABLE wrapper a generated column may call) with ASCII
punctuation blanked. On SQLite this migration does nothing.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words of a column as FTS5 sees them: unaccented, punctuation a separator.
_FOLDED = "regexp_replace(newsmon_unaccent(coalesce({column}, '')), '[[:punct:]]', ' ', 'g')"
_RAW = "coalesce({column}, '')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema = _unaccent_schema()
    # unaccent() is only STABLE (it reads its dictionary by name through the search path), so
    # a generated column cannot call it; naming the schema and dictionary makes this IMMUTABLE.
    op.execute(
        "CREATE FUNCTION newsmon_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$"
    )
    _replace_search_vector(_FOLDED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _replace_search_vector(_RAW)
    op.execute("DROP FUNCTION newsmon_unaccent(text)")
    # The extension stays: it may have been installed before newsmon, for other users.


def _unaccent_schema() -> str:
    """The quoted schema the unaccent extension lives in (it may predate this migration)."""
    row = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT quote_ident(n.nspname) FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        .one()
    )
    return str(row[0])


def _replace_search_vector(words: str) -> None:
    """Rebuild the generated search vector (title weighted A, text B) from `words`."""
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
    title = words.format(column="title")
    body = words.format(column="text")
    op.execute(
        "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"(setweight(to_tsvector('simple', {title}), 'A') || "
        f"setweight(to_tsvector('simple', {body}), 'B')) STORED"
    )
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
