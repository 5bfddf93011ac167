"""``oddsflow_reader``: the read-only group role of the read API (``oddsflow api``).

A NOLOGIN role granted ``SELECT`` on every table and view of ``public`` (those made later
too, through default privileges of the migrating role) and ``EXECUTE`` on its functions
(``odds_at``, ``render_name``, ``market_label``). The API logs in as a role that is a
member of it (docs/api.md: ``CREATE ROLE oddsflow_api LOGIN PASSWORD … IN ROLE
oddsflow_reader``), set as ``ODDS_API__DATABASE_URL``; no password is kept here. Roles are
cluster-wide: the role is created only when missing, and the downgrade revokes this
database's grants and drops the role only when no other database still uses it.
Grants are invisible to autogenerate, so ``alembic check`` stays clean.

Revision ID: 0008
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "oddsflow_reader"

UPGRADE = (
    f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object THEN NULL;  -- another database's migration made it meanwhile
END $$""",
    f"GRANT USAGE ON SCHEMA public TO {ROLE}",
    f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ROLE}",
    f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {ROLE}",
)

DOWNGRADE = (
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM {ROLE}",
    f"REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM {ROLE}",
    f"REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {ROLE}",
    f"REVOKE USAGE ON SCHEMA public FROM {ROLE}",
    f"""DO $$ BEGIN
    DROP ROLE IF EXISTS {ROLE};
EXCEPTION WHEN dependent_objects_still_exist THEN NULL;  -- still granted in another database
END $$""",
)


def upgrade() -> None:
    for stmt in UPGRADE:
        op.execute(stmt)


def downgrade() -> None:
    for stmt in DOWNGRADE:
        op.execute(stmt)
