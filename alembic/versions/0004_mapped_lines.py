"""``snapshots.mapped_lines``: the capture's bookmaker lines that reached a canonical line.

With ``unmapped_lines`` it gives the unmapped share in one unit for every bookmaker (a
native market with its line value): ``unmapped_lines / (unmapped_lines + mapped_lines)``.
Carried by ``odds.snapshots.v1`` (optional field); NULL on rows written before it existed
(``oddsflow status`` then falls back to ``lines_total``). A nullable column without default
is a metadata-only change on the partitioned parent and every daily partition.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE snapshots ADD COLUMN mapped_lines integer")


def downgrade() -> None:
    op.execute("ALTER TABLE snapshots DROP COLUMN mapped_lines")
