"""asyncpg access to ``team_aliases`` and ``match_reviews`` (migration 0010).

* :func:`load_aliases` — ``{alias: canonical}`` for one sport (its rows and the ``*`` rows;
  a sport's own row wins), what :class:`streams.matching.NameIndex` takes.
* :func:`queue_review` — files a ``review`` decision by hand (tools and tests); the pipeline
  files them through the sink (:mod:`sinks.matching.reviews`). The same capture × candidate
  is filed once (``ON CONFLICT DO NOTHING``), so a redelivered capture adds nothing.
* :func:`list_reviews`, :func:`reject` — the queue as a person sees it; accepting goes
  through :func:`sinks.matching.merge.request_merge`.
"""

from __future__ import annotations

from typing import Any

from streams.matching import Decision


async def load_aliases(conn: Any, sport: str = "*") -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT alias, canonical FROM team_aliases WHERE sport IN ('*', $1) ORDER BY (sport = '*') DESC, id",
        sport,
    )
    return {r["alias"]: r["canonical"] for r in rows}


async def add_alias(conn: Any, alias: str, canonical: str, sport: str = "*") -> None:
    await conn.execute(
        "INSERT INTO team_aliases (sport, alias, canonical, source) VALUES ($1, $2, $3, 'cli')"
        " ON CONFLICT (sport, alias) DO UPDATE SET canonical = EXCLUDED.canonical, source = 'cli'",
        sport,
        alias,
        canonical,
    )


async def queue_review(
    conn: Any,
    bookmaker: str,
    bookmaker_event_id: str,
    sport: str,
    home: str,
    away: str,
    kickoff: Any,
    decision: Decision,
) -> bool:
    """File one ``review`` decision; True when it was new."""
    c = decision.candidate
    if decision.status != "review" or c is None:
        raise ValueError(f"only review decisions with a candidate are queued, got {decision.status}")
    new = await conn.fetchval(
        """INSERT INTO match_reviews (bookmaker, bookmaker_event_id, sport, home, away, kickoff,
               candidate_key, candidate_sportradar_id, candidate_home, candidate_away, candidate_kickoff,
               score, home_score, away_score, runner_up, swapped)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           ON CONFLICT (bookmaker, bookmaker_event_id, candidate_key) DO NOTHING RETURNING id""",
        bookmaker,
        bookmaker_event_id,
        sport,
        home,
        away,
        kickoff,
        c.event_key,
        c.sportradar_id,
        c.home,
        c.away,
        c.kickoff,
        decision.score,
        decision.home_score,
        decision.away_score,
        decision.runner_up,
        decision.swapped,
    )
    return new is not None


async def list_reviews(conn: Any, status: str | None = "pending", limit: int = 50) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT * FROM match_reviews WHERE ($1::text IS NULL OR status = $1)"
        " ORDER BY score DESC, id LIMIT $2",
        status,
        limit,
    )
    return [dict(r) for r in rows]


async def reject(conn: Any, review_id: int) -> bool:
    done = await conn.fetchval(
        "UPDATE match_reviews SET status = 'rejected', decided_at = now()"
        " WHERE id = $1 AND status = 'pending' RETURNING id",
        review_id,
    )
    return done is not None
