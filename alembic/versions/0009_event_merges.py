"""Identity merges: ``event_merges`` records each bookmaker-only event merged into another.

One row per merge the sink carried out (``sinks.write.merges``): the merged-away event
(``from_event_id``, deleted by the merge, hence no foreign key; ``from_key`` =
``<bookmaker>:<bookmaker event id>``), the surviving event (``into_event_id``, ``into_key``;
no foreign key either: a survivor may itself be merged later), the reason
(``sportradar_id`` or ``matched``), the stream time of the decision (``merged_at``) and when
the sink wrote it (``recorded_at``). ``from_event_id = into_event_id`` when the surviving
event was not stored yet and the old event took its Sportradar id. See docs/lifecycle.md.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_merges",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("from_event_id", sa.BigInteger(), nullable=False),
        sa.Column("into_event_id", sa.BigInteger(), nullable=False),
        sa.Column("bookmaker", sa.Text(), nullable=False),
        sa.Column("bookmaker_event_id", sa.Text(), nullable=False),
        sa.Column("from_key", sa.Text(), nullable=False),
        sa.Column("into_key", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_merges"),
    )
    op.create_index("ix_event_merges_from_event_id", "event_merges", ["from_event_id"])
    op.create_index("ix_event_merges_into_event_id", "event_merges", ["into_event_id"])


def downgrade() -> None:
    op.drop_index("ix_event_merges_into_event_id", table_name="event_merges")
    op.drop_index("ix_event_merges_from_event_id", table_name="event_merges")
    op.drop_table("event_merges")
