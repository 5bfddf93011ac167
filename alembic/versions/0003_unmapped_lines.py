"""``snapshots.unmapped_lines``: the capture's bookmaker lines without a canonical mapping.

Carried by ``odds.snapshots.v1`` (optional field, 0 when absent) so that the unmapped share
per bookmaker can be read from Postgres (``oddsflow status``) without asking the workers.
On a partitioned parent the column reaches every daily partition; a constant default makes
the change metadata-only (no rewrite) on PostgreSQL ≥ 11.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE snapshots ADD COLUMN unmapped_lines integer NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute("ALTER TABLE snapshots DROP COLUMN unmapped_lines")
