"""SQLite FTS5 table with content="articles" double-quoted, so that Datasette sees it

Datasette recognises an FTS table as the full-text index of a table only when its `content=`
option is double-quoted or bracketed; 0001 wrote `content='articles'`, and Datasette's
`?_search=` was silently ignored. The table is recreated with the same columns, tokenizer and
triggers, and rebuilt from articles. PostgreSQL has no such table: nothing to do there.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-07 19:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The triggers of 0001, unchanged: a migration is a snapshot, so they are written out again
# rather than imported.
TRIGGERS = {
    "articles_fts_ai": "AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "articles_fts_ad": "AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    "articles_fts_au": "AFTER UPDATE OF title, text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
}
CREATE = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content={content}, "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)


def _recreate(content: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(CREATE.format(content=content))
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    # An external-content index starts empty: read every article's current title and text.
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _recreate('"articles"')


def downgrade() -> None:
    _recreate("'articles'")
