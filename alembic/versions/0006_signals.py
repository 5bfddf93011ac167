"""Price signals: margins, deviations, arbitrage windows, opening/closing prices, and views.

Written by the signals sink (``sinks/signals``) from ``odds.signals.v1``, in the same
transaction as its offsets (exactly-once); every time series also has a natural unique key
so a message the stage published twice (after a worker crash) adds nothing
(``INSERT … ON CONFLICT DO NOTHING``). Events are named by ``sportradar_id`` (signals exist
only for matched events; no foreign key: the signals sink may write before the snapshot sink
made the event), bookmakers by key.

Time series, range-partitioned by day on ``captured_at`` (partition maintenance makes and
drops their children like the other time series):

* ``signal_margins`` — margin and fair probabilities (``fair``: outcome → [multiplicative,
  Shin]) of a bookmaker's line when it changed;
* ``signal_deviations`` — prices at least the stage's threshold away from consensus;
* ``signal_arbitrage`` — arbitrage windows; ``captured_at`` is when the window opened,
  ``ended_at`` NULL while open, ``profit`` the largest seen, ``legs`` the opening legs;
* ``signal_prices`` — opening and closing prices (``kind``) per bookmaker and line;
  ``captured_at`` is when that price was captured.

Latest values (plain table): ``signal_deviations_now`` — the deviations of each line as of
its last evaluation (replaced line by line).

Views (reading side, ``oddsflow signals``): ``signal_deviations_current`` (current deviations
with event and market names), ``signal_arbitrage_open``, ``signal_margins_by_book`` (mean
margin per bookmaker and market over the last hour). Names render with ``Home``/``Away``
for an event the snapshot sink has not stored yet.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE TABLE signal_margins (
    sportradar_id bigint NOT NULL,
    bookmaker text NOT NULL,
    market_id integer NOT NULL,
    line text NOT NULL,
    captured_at timestamptz NOT NULL,
    margin double precision NOT NULL,
    fair jsonb NOT NULL,
    CONSTRAINT pk_signal_margins PRIMARY KEY (sportradar_id, bookmaker, market_id, line, captured_at)
) PARTITION BY RANGE (captured_at);
CREATE INDEX ix_signal_margins_captured_at_brin ON signal_margins USING brin (captured_at);

CREATE TABLE signal_deviations (
    sportradar_id bigint NOT NULL,
    bookmaker text NOT NULL,
    market_id integer NOT NULL,
    line text NOT NULL,
    outcome_id text NOT NULL,
    captured_at timestamptz NOT NULL,
    price double precision NOT NULL,
    consensus double precision NOT NULL,
    deviation double precision NOT NULL,
    books smallint NOT NULL,
    CONSTRAINT pk_signal_deviations PRIMARY KEY (sportradar_id, bookmaker, market_id, line, outcome_id, captured_at)
) PARTITION BY RANGE (captured_at);
CREATE INDEX ix_signal_deviations_captured_at_brin ON signal_deviations USING brin (captured_at);

CREATE TABLE signal_arbitrage (
    sportradar_id bigint NOT NULL,
    market_id integer NOT NULL,
    line text NOT NULL,
    captured_at timestamptz NOT NULL,
    ended_at timestamptz,
    profit double precision NOT NULL,
    suspect boolean NOT NULL,
    legs jsonb NOT NULL,
    CONSTRAINT pk_signal_arbitrage PRIMARY KEY (sportradar_id, market_id, line, captured_at)
) PARTITION BY RANGE (captured_at);
CREATE INDEX ix_signal_arbitrage_captured_at_brin ON signal_arbitrage USING brin (captured_at);

CREATE TABLE signal_prices (
    sportradar_id bigint NOT NULL,
    bookmaker text NOT NULL,
    market_id integer NOT NULL,
    line text NOT NULL,
    kind text NOT NULL,
    captured_at timestamptz NOT NULL,
    outcomes jsonb NOT NULL,
    CONSTRAINT pk_signal_prices PRIMARY KEY (sportradar_id, bookmaker, market_id, line, kind, captured_at),
    CONSTRAINT ck_signal_prices_kind CHECK (kind IN ('opening', 'closing'))
) PARTITION BY RANGE (captured_at);

CREATE TABLE signal_deviations_now (
    sportradar_id bigint NOT NULL,
    bookmaker text NOT NULL,
    market_id integer NOT NULL,
    line text NOT NULL,
    outcome_id text NOT NULL,
    captured_at timestamptz NOT NULL,
    price double precision NOT NULL,
    consensus double precision NOT NULL,
    deviation double precision NOT NULL,
    books smallint NOT NULL,
    CONSTRAINT pk_signal_deviations_now PRIMARY KEY (sportradar_id, bookmaker, market_id, line, outcome_id)
);
CREATE INDEX ix_signal_deviations_now_bookmaker ON signal_deviations_now (bookmaker);

CREATE VIEW signal_deviations_current AS
SELECT d.sportradar_id, e.home, e.away, e.kickoff, d.bookmaker, d.market_id, d.line,
       coalesce(render_name(m.name_template, d.line, coalesce(e.home, 'Home'), coalesce(e.away, 'Away')), market_label(d.market_id, d.line))
           AS market_name,
       coalesce(render_name(o.name_template, d.line, coalesce(e.home, 'Home'), coalesce(e.away, 'Away')), d.outcome_id) AS outcome_name,
       d.outcome_id, d.price, 1 / d.consensus AS fair_price, d.consensus, d.deviation, d.books, d.captured_at
  FROM signal_deviations_now d
  LEFT JOIN events e ON e.sportradar_id = d.sportradar_id
  LEFT JOIN markets m ON m.market_id = d.market_id
  LEFT JOIN market_outcomes o ON o.market_id = d.market_id AND o.outcome_id = d.outcome_id;

CREATE VIEW signal_arbitrage_open AS
SELECT a.sportradar_id, e.home, e.away, e.kickoff, a.market_id, a.line,
       coalesce(render_name(m.name_template, a.line, coalesce(e.home, 'Home'), coalesce(e.away, 'Away')), market_label(a.market_id, a.line))
           AS market_name,
       a.captured_at AS started_at, a.profit, a.suspect, a.legs
  FROM signal_arbitrage a
  LEFT JOIN events e ON e.sportradar_id = a.sportradar_id
  LEFT JOIN markets m ON m.market_id = a.market_id
 WHERE a.ended_at IS NULL;

CREATE VIEW signal_margins_by_book AS
SELECT s.bookmaker, s.market_id, coalesce(m.name_template, market_label(s.market_id, '')) AS market_name,
       avg(s.margin) AS margin, count(*) AS lines, max(s.captured_at) AS last_at
  FROM signal_margins s
  LEFT JOIN markets m ON m.market_id = s.market_id
 WHERE s.captured_at > now() - interval '1 hour'
 GROUP BY s.bookmaker, s.market_id, m.name_template
"""

FORGET_PARTMAN = """
DO $$
BEGIN
    IF to_regclass('partman.part_config') IS NOT NULL THEN
        DELETE FROM partman.part_config
         WHERE parent_table IN ('public.signal_margins', 'public.signal_deviations',
                                'public.signal_arbitrage', 'public.signal_prices');
        DROP TABLE IF EXISTS partman.template_public_signal_margins, partman.template_public_signal_deviations,
                             partman.template_public_signal_arbitrage, partman.template_public_signal_prices;
    END IF;
END $$
"""

DOWNGRADE = """
DROP VIEW signal_margins_by_book;
DROP VIEW signal_arbitrage_open;
DROP VIEW signal_deviations_current;
DROP TABLE signal_deviations_now;
DROP TABLE signal_prices;
DROP TABLE signal_arbitrage;
DROP TABLE signal_deviations;
DROP TABLE signal_margins
"""


def _statements(script: str) -> list[str]:
    return [stmt.strip() for stmt in script.split(";\n") if stmt.strip()]


def upgrade() -> None:
    for stmt in _statements(UPGRADE):
        op.execute(stmt)


def downgrade() -> None:
    op.execute(FORGET_PARTMAN)
    for stmt in _statements(DOWNGRADE):
        op.execute(stmt)
