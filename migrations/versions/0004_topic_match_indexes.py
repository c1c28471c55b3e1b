"""topic_matches indexes for the web view: (topic, id, story_id) and (topic, matched_at)

A topic's stories by last match, its matches per day and its latest matches are read from
these indexes alone (storage/views.py); without them each dashboard card read every matching
article's row (seconds on a 100,000-article SQLite archive, docs/benchmarks.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 20:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("topic_matches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_topic_matches_topic_id_story_id", ["topic", "id", "story_id"], unique=False
        )
        batch_op.create_index(
            "ix_topic_matches_topic_matched_at", ["topic", "matched_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("topic_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_matches_topic_matched_at")
        batch_op.drop_index("ix_topic_matches_topic_id_story_id")
