"""Market and outcome names: reference tables, rendering in SQL, names in ``best_current_odds``.

* ``markets`` (``market_id``, ``sport`` — NULL when the market is quoted in several sports —
  and ``name_template``) and ``market_outcomes`` (``market_id``, ``outcome_id``,
  ``name_template``): the templates of ``streams/taxonomy/data/names.json``, seeded here
  with the idempotent upserts of ``sinks.store.markets`` (``oddsflow migrate`` re-seeds them after
  every upgrade, so later taxonomy additions need no revision).
* ``render_name(template, line, home, away)``: a template rendered for one line key and the
  event's team names, step for step as ``streams.taxonomy.templates.render`` (``{k}``,
  ``{+k}``, ``{-k}``, ``{!k}`` per specifier in line-key order, then ``{$competitor1}`` /
  ``{$competitor2}``). ``market_label(market_id, line)``: the name of a market without a
  template (``uof:123 total=2.5``), as ``streams.taxonomy.templates.market_label``.
* ``best_current_odds`` is recreated with two more columns, ``market_name`` and
  ``outcome_name``, rendered at read time from the event's ``home``/``away`` (so a corrected
  team name or template shows at once; nothing rendered is stored). The best-price rows
  are picked first, then named: only the rows returned are rendered.

Functions and views are not compared by autogenerate; the two tables are in
``sinks.store.schema`` so ``alembic check`` stays clean.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from sinks.store.markets import UPSERT_MARKETS, UPSERT_OUTCOMES, seed_document

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    """CREATE TABLE markets (
    market_id integer NOT NULL,
    sport text,
    name_template text NOT NULL,
    CONSTRAINT pk_markets PRIMARY KEY (market_id)
)""",
    """CREATE TABLE market_outcomes (
    market_id integer NOT NULL,
    outcome_id text NOT NULL,
    name_template text NOT NULL,
    CONSTRAINT pk_market_outcomes PRIMARY KEY (market_id, outcome_id),
    CONSTRAINT fk_market_outcomes_market_id_markets FOREIGN KEY (market_id) REFERENCES markets (market_id)
)""",
)

RENDER_NAME = r"""
CREATE FUNCTION render_name(template text, line text, home text, away text)
RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    result text := template;
    pair text;
    k text;
    v text;
    plus text;
    minus text;
    nth text;
BEGIN
    IF line <> '' THEN
        FOREACH pair IN ARRAY string_to_array(line, '|') LOOP
            k := split_part(pair, '=', 1);
            v := substr(pair, length(k) + 2);
            IF v !~ '^-?[0-9]+(\.[0-9]+)?$' THEN
                plus := v;
                minus := v;
            ELSIF v ~ '^-?0+(\.0+)?$' THEN
                plus := '0';
                minus := '0';
            ELSIF left(v, 1) = '-' THEN
                plus := v;
                minus := '+' || substr(v, 2);
            ELSE
                plus := '+' || v;
                minus := '-' || v;
            END IF;
            IF v ~ '^[0-9]+$' THEN
                nth := (v::numeric)::text || CASE
                    WHEN v::numeric % 100 IN (11, 12, 13) THEN 'th'
                    WHEN v::numeric % 10 = 1 THEN 'st'
                    WHEN v::numeric % 10 = 2 THEN 'nd'
                    WHEN v::numeric % 10 = 3 THEN 'rd'
                    ELSE 'th' END;
            ELSE
                nth := v;
            END IF;
            result := replace(result, '{' || k || '}', v);
            result := replace(result, '{+' || k || '}', plus);
            result := replace(result, '{-' || k || '}', minus);
            result := replace(result, '{!' || k || '}', nth);
        END LOOP;
    END IF;
    RETURN replace(replace(result, '{$competitor1}', home), '{$competitor2}', away);
END
$$
"""

MARKET_LABEL = """
CREATE FUNCTION market_label(market_id integer, line text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
               WHEN market_id BETWEEN 1 AND 9999999 THEN 'uof:' || market_id
               WHEN market_id BETWEEN 10000000 AND 19999999 THEN 'sportybet:' || (market_id - 10000000)
               WHEN market_id BETWEEN 20000000 AND 29999999 THEN 'oddsflow:' || market_id
               ELSE 'market:' || market_id
           END || CASE WHEN line = '' THEN '' ELSE ' ' || line END
$$
"""

BEST = """
SELECT DISTINCT ON (c.event_id, c.market_id, c.line, o.key)
       c.event_id,
       c.market_id,
       c.line,
       o.key AS outcome,
       (o.value)::float8 AS price,
       c.bookmaker_id,
       b.key AS bookmaker,
       c.captured_at
  FROM current_odds c
  JOIN bookmakers b ON b.id = c.bookmaker_id
 CROSS JOIN LATERAL jsonb_each(c.outcomes) AS o(key, value)
 WHERE jsonb_typeof(o.value) = 'number'
 ORDER BY c.event_id, c.market_id, c.line, o.key, (o.value)::float8 DESC, c.captured_at DESC, c.bookmaker_id
"""

BEST_CURRENT_ODDS_NAMED = f"""
CREATE VIEW best_current_odds AS
SELECT best.event_id,
       best.market_id,
       best.line,
       best.outcome,
       best.price,
       best.bookmaker_id,
       best.bookmaker,
       best.captured_at,
       coalesce(render_name(m.name_template, best.line, e.home, e.away),
                market_label(best.market_id, best.line)) AS market_name,
       coalesce(render_name(mo.name_template, best.line, e.home, e.away), best.outcome) AS outcome_name
  FROM ({BEST}) AS best
  JOIN events e ON e.id = best.event_id
  LEFT JOIN markets m ON m.market_id = best.market_id
  LEFT JOIN market_outcomes mo ON mo.market_id = best.market_id AND mo.outcome_id = best.outcome
"""

BEST_CURRENT_ODDS_0002 = f"CREATE VIEW best_current_odds AS {BEST}"


def upgrade() -> None:
    for ddl in TABLES:
        op.execute(ddl)
    op.execute(RENDER_NAME)
    op.execute(MARKET_LABEL)
    op.execute(
        "COMMENT ON FUNCTION render_name(text, text, text, text) IS "
        "'A market or outcome name template rendered for a line key and the home/away names'"
    )
    op.execute("DROP VIEW best_current_odds")
    op.execute(BEST_CURRENT_ODDS_NAMED)
    doc = seed_document()
    for upsert in (UPSERT_MARKETS, UPSERT_OUTCOMES):
        op.execute(sa.text(upsert.format(doc=":doc")).bindparams(doc=doc))


def downgrade() -> None:
    op.execute("DROP VIEW best_current_odds")
    op.execute(BEST_CURRENT_ODDS_0002)
    op.execute("DROP FUNCTION market_label(integer, text)")
    op.execute("DROP FUNCTION render_name(text, text, text, text)")
    op.execute("DROP TABLE market_outcomes")
    op.execute("DROP TABLE markets")
