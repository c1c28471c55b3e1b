"""source health: daily counters per source (source_days), each source's verdict
(source_health), and operator emails in the outbox (alerts without a story)

`newsmon stats` shows each source's health and an operator is emailed when one turns
unhealthy or recovers (crawler/archive/health.py); those emails go through the alerts outbox,
whose rows then have no story or article.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 23:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_days",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Integer(), nullable=False),
        sa.Column("median_words", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_days_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "day", name=op.f("pk_source_days")),
    )
    op.create_table(
        "source_health",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("empty_polls", sa.Integer(), nullable=False),
        sa.Column("words_baseline", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_health_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_health")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("story_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("article_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE story_id IS NULL OR article_id IS NULL")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("article_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("story_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("source_health")
    op.drop_table("source_days")
