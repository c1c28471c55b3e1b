"""source_facts: what each source's pages showed about its headline, byline and time zone;
articles.published_offset: the offset the page gave its publication time in

Facts are counted per source as boilerplate paragraphs are; the facts that recur are what
extraction assumes of the source's later pages (crawler/process/profile.py,
docs/extraction.md). The offset (minutes east of UTC) lets export print the time as the
publisher gave it; NULL for articles stored before (printed in UTC, as before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_facts",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("docs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_facts_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "kind", "value", name=op.f("pk_source_facts")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_offset", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("published_offset")
    op.drop_table("source_facts")
