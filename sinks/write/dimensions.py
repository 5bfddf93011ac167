"""Dimension ids for the sink: sports, tournaments, bookmakers, events, bookmaker event ids.

Resolution rules (one canonical event per Sportradar match id):

* a matched snapshot (``sportradar_id`` set) upserts ``events`` on ``sportradar_id``
  (``ON CONFLICT … DO UPDATE`` of the metadata: sport, tournament, teams, kickoff);
* a bookmaker-only snapshot finds its event through ``event_bookmakers (bookmaker_id,
  bookmaker_event_id)``; a new one gets a new event (``sportradar_id`` NULL); its metadata
  is updated when it changes;
* every snapshot attaches the bookmaker's own event id in ``event_bookmakers``. When a
  bookmaker event that was stored bookmaker-only becomes matched, its row stays with the
  bookmaker-only event until the match stage's merge record moves that event's rows into
  the matched one (:mod:`sinks.write.merges`); a row of another matched event moves;
* :meth:`Dimensions.clear` (after a batch that merged events) drops every cached id and
  bumps :attr:`Dimensions.generation`: ids a batch took from the cache earlier
  (:meth:`Dimensions.cached`) are not used by the writer when the generation moved.

Ids are cached in memory (:mod:`sinks.write.id_cache`). Lookups and new ids go to a layer that
the writer makes per transaction (and per savepoint while isolating a bad record); a layer
is merged into its parent only after its savepoint is released, and into the cache only
after the transaction commits — a rollback simply drops the layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sinks.write.id_cache import Maps, Meta
from sinks.write.records import Capture, Lifecycle
from streams.contracts.lifecycle import EventLifecycleV1
from streams.observe import metrics

Connection = Any  # asyncpg.Connection (no type stubs)


class Dimensions:
    """Resolves the dimension ids of captures; see module docstring for the rules."""

    def __init__(self) -> None:
        self.cache = Maps()
        self.generation = 0

    def stage(self) -> Maps:
        """A layer for one transaction; ``merge_into_parent`` it after COMMIT."""
        return self.cache.child()

    def clear(self) -> None:
        self.cache = Maps()
        self.generation += 1
        self._export()

    def committed(self, records: Sequence[Lifecycle]) -> None:
        """After a batch's transaction committed (its layer merged), with the lifecycle records
        it applied: drop the closed events' ids from the cache (:meth:`Maps.forget`), so it
        holds the open events only, and export the cache's size."""
        for item in records:
            event = item.event
            if isinstance(event, EventLifecycleV1) and event.state == "closed":
                self.cache.forget(event.sportradar_id, event.bookmakers)
        self._export()

    def _export(self) -> None:
        for name, size in self.cache.sizes().items():
            metrics.SINK_ID_CACHE.labels(name).set(size)

    def cached(self, captures: Sequence[Capture]) -> list[tuple[int, int] | None]:
        """Ids the committed cache already knows (no I/O; the sink calls it when a batch
        closes, so that the write has less to do). ``None`` where :meth:`resolve` must work."""
        resolved = self.cache.resolved
        out: list[tuple[int, int] | None] = []
        for c in captures:
            s = c.snap
            hit = resolved.get((s.event.sportradar_id, s.bookmaker, s.bookmaker_event_id))
            out.append((hit[1], hit[2]) if hit is not None and hit[0] == s.event else None)
        return out

    async def resolve(
        self,
        conn: Connection,
        layer: Maps,
        captures: Sequence[Capture],
        known: Sequence[tuple[int, int] | None] | None = None,
    ) -> list[tuple[int, int]]:
        """``(event_id, bookmaker_id)`` per capture, writing missing dimension rows in ``conn``.

        ``known``: ids from :meth:`cached` (same order). A capture whose event, bookmaker and
        metadata were resolved before costs a few dict lookups; only the others go through
        the rules (and Postgres).
        """
        out: list[tuple[int, int] | None] = []
        misses: list[int] = []
        for i, c in enumerate(captures):
            if known is not None and known[i] is not None:
                out.append(known[i])
                continue
            s = c.snap
            hit = layer.get("resolved", (s.event.sportradar_id, s.bookmaker, s.bookmaker_event_id))
            if hit is not None and hit[0] == s.event:
                out.append((hit[1], hit[2]))
            else:
                out.append(None)
                misses.append(i)
        if misses:
            slow = await self._resolve([captures[i] for i in misses], conn, layer)
            for i, ids in zip(misses, slow, strict=True):
                out[i] = ids
        return [ids for ids in out if ids is not None]

    async def _resolve(
        self, captures: Sequence[Capture], conn: Connection, layer: Maps
    ) -> list[tuple[int, int]]:
        await self._simple(conn, layer, "sports", "sports", {c.snap.event.sport for c in captures})
        await self._simple(conn, layer, "bookmakers", "bookmakers", {c.snap.bookmaker for c in captures})
        await self._tournaments(conn, layer, captures)
        metas = [self._meta(layer, c) for c in captures]
        bms = [int(layer.get("bookmakers", c.snap.bookmaker)) for c in captures]
        await self._matched(conn, layer, captures, metas, bms)
        await self._unmatched(conn, layer, captures, metas, bms)
        out = []
        for c, bm in zip(captures, bms, strict=True):
            s = c.snap
            sr = s.event.sportradar_id
            if sr is not None:
                event_id = int(layer.get("by_sportradar", sr)[0])
            else:
                event_id = int(layer.get("by_bookmaker_event", (bm, s.bookmaker_event_id)))
            layer.resolved[(sr, s.bookmaker, s.bookmaker_event_id)] = (s.event, event_id, bm)
            out.append((event_id, bm))
        return out

    @staticmethod
    def _meta(layer: Maps, c: Capture) -> Meta:
        ev = c.snap.event
        sport_id = int(layer.get("sports", ev.sport))
        tournament_id = None
        if ev.tournament is not None:
            tournament_id = layer.get("tournaments", (sport_id, ev.category or "", ev.tournament))
        return (sport_id, tournament_id, ev.home, ev.away, ev.kickoff)

    @staticmethod
    async def _simple(conn: Connection, layer: Maps, table: str, name: str, keys: Iterable[str]) -> None:
        missing = sorted(k for k in keys if layer.get(name, k) is None)
        if not missing:
            return
        # DO UPDATE (not DO NOTHING) so RETURNING yields existing rows too; misses are rare
        rows = await conn.fetch(
            f"INSERT INTO {table} (key) SELECT unnest($1::text[]) "
            "ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id, key",
            missing,
        )
        getattr(layer, name).update({r["key"]: r["id"] for r in rows})

    @staticmethod
    async def _tournaments(conn: Connection, layer: Maps, captures: Sequence[Capture]) -> None:
        keys = set()
        for c in captures:
            ev = c.snap.event
            if ev.tournament is not None:
                key = (int(layer.get("sports", ev.sport)), ev.category or "", ev.tournament)
                if layer.get("tournaments", key) is None:
                    keys.add(key)
        if not keys:
            return
        sport_ids, categories, names = zip(*sorted(keys), strict=True)
        rows = await conn.fetch(
            "INSERT INTO tournaments (sport_id, category, name) "
            "SELECT * FROM unnest($1::smallint[], $2::text[], $3::text[]) "
            "ON CONFLICT (sport_id, category, name) DO UPDATE SET name = EXCLUDED.name "
            "RETURNING id, sport_id, category, name",
            list(sport_ids),
            list(categories),
            list(names),
        )
        layer.tournaments.update({(r["sport_id"], r["category"], r["name"]): r["id"] for r in rows})

    @staticmethod
    async def _matched(
        conn: Connection, layer: Maps, captures: Sequence[Capture], metas: list[Meta], bms: list[int]
    ) -> None:
        upsert: dict[int, Meta] = {}
        for c, meta in zip(captures, metas, strict=True):
            sr = c.snap.event.sportradar_id
            if sr is not None:
                known = layer.get("by_sportradar", sr)
                if known is None or known[1] != meta:
                    upsert[sr] = meta  # the batch's last metadata wins
        if upsert:
            srs = list(upsert)
            cols = list(zip(*upsert.values(), strict=True))
            rows = await conn.fetch(
                """INSERT INTO events (sportradar_id, sport_id, tournament_id, home, away, kickoff)
                   SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::text[], $5::text[],
                                        $6::timestamptz[])
                   ON CONFLICT (sportradar_id) DO UPDATE
                      SET sport_id = EXCLUDED.sport_id, tournament_id = EXCLUDED.tournament_id,
                          home = EXCLUDED.home, away = EXCLUDED.away, kickoff = EXCLUDED.kickoff,
                          updated_at = now()
                   RETURNING id, sportradar_id""",
                srs,
                *map(list, cols),
            )
            for r in rows:
                sr = r["sportradar_id"]
                layer.by_sportradar[sr] = (r["id"], upsert[sr])
                layer.meta[r["id"]] = upsert[sr]
        attach: dict[tuple[int, str], int] = {}
        for c, bm in zip(captures, bms, strict=True):
            sr = c.snap.event.sportradar_id
            if sr is not None:
                event_id = layer.get("by_sportradar", sr)[0]
                key = (bm, c.snap.bookmaker_event_id)
                if layer.get("by_bookmaker_event", key) != event_id:
                    attach[key] = event_id
        if attach:
            keys = list(attach)
            # a row of a bookmaker-only event stays until its merge record (module docstring)
            rows = await conn.fetch(
                """INSERT INTO event_bookmakers AS eb (bookmaker_id, bookmaker_event_id, event_id)
                   SELECT * FROM unnest($1::smallint[], $2::text[], $3::bigint[])
                   ON CONFLICT (bookmaker_id, bookmaker_event_id) DO UPDATE SET event_id = EXCLUDED.event_id
                   WHERE eb.event_id <> EXCLUDED.event_id
                     AND (SELECT o.sportradar_id FROM events o WHERE o.id = eb.event_id) IS NOT NULL
                   RETURNING bookmaker_id, bookmaker_event_id, event_id""",
                [k[0] for k in keys],
                [k[1] for k in keys],
                list(attach.values()),
            )
            owners = {(r["bookmaker_id"], r["bookmaker_event_id"]): r["event_id"] for r in rows}
            rest = [k for k in keys if k not in owners]
            if rest:  # unchanged rows: cache their actual owner
                rows = await conn.fetch(
                    """SELECT eb.bookmaker_id, eb.bookmaker_event_id, eb.event_id FROM event_bookmakers eb
                         JOIN unnest($1::smallint[], $2::text[]) AS k(b, e)
                           ON eb.bookmaker_id = k.b AND eb.bookmaker_event_id = k.e""",
                    [k[0] for k in rest],
                    [k[1] for k in rest],
                )
                owners.update({(r["bookmaker_id"], r["bookmaker_event_id"]): r["event_id"] for r in rows})
            layer.by_bookmaker_event.update(owners)

    @staticmethod
    async def _unmatched(
        conn: Connection, layer: Maps, captures: Sequence[Capture], metas: list[Meta], bms: list[int]
    ) -> None:
        wanted: dict[tuple[int, str], Meta] = {}
        for c, meta, bm in zip(captures, metas, bms, strict=True):
            if c.snap.event.sportradar_id is None:
                wanted[(bm, c.snap.bookmaker_event_id)] = meta
        if not wanted:
            return
        unknown = [k for k in wanted if layer.get("by_bookmaker_event", k) is None]
        if unknown:
            rows = await conn.fetch(
                """SELECT eb.bookmaker_id, eb.bookmaker_event_id, eb.event_id
                     FROM event_bookmakers eb
                     JOIN unnest($1::smallint[], $2::text[]) AS k(b, e)
                       ON eb.bookmaker_id = k.b AND eb.bookmaker_event_id = k.e""",
                [k[0] for k in unknown],
                [k[1] for k in unknown],
            )
            layer.by_bookmaker_event.update(
                {(r["bookmaker_id"], r["bookmaker_event_id"]): r["event_id"] for r in rows}
            )
            new = [k for k in unknown if layer.get("by_bookmaker_event", k) is None]
            if new:
                await _insert_bookmaker_only(conn, layer, new, [wanted[k] for k in new])
        update = {}
        for key, meta in wanted.items():
            event_id = int(layer.get("by_bookmaker_event", key))
            if layer.get("meta", event_id) != meta:
                update[event_id] = meta
        if update:
            cols = list(zip(*update.values(), strict=True))
            await conn.execute(
                """UPDATE events e SET sport_id = u.s, tournament_id = u.t, home = u.h, away = u.a,
                          kickoff = u.k, updated_at = now()
                     FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::text[], $5::text[],
                                 $6::timestamptz[]) AS u(id, s, t, h, a, k)
                    WHERE e.id = u.id AND e.sportradar_id IS NULL""",
                list(update),
                *map(list, cols),
            )
            layer.meta.update(update)


async def _insert_bookmaker_only(
    conn: Connection, layer: Maps, keys: list[tuple[int, str]], metas: list[Meta]
) -> None:
    """New events for bookmaker-only ids; ids drawn first so each key knows its event."""
    ids = [
        r[0]
        for r in await conn.fetch(
            "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, $1)", len(keys)
        )
    ]
    cols = list(zip(*metas, strict=True))
    await conn.execute(
        """INSERT INTO events (id, sport_id, tournament_id, home, away, kickoff)
           SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::text[], $5::text[],
                                $6::timestamptz[])""",
        ids,
        *map(list, cols),
    )
    await conn.execute(
        """INSERT INTO event_bookmakers (bookmaker_id, bookmaker_event_id, event_id)
           SELECT * FROM unnest($1::smallint[], $2::text[], $3::bigint[])""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        ids,
    )
    layer.by_bookmaker_event.update(dict(zip(keys, ids, strict=True)))
    layer.meta.update(dict(zip(ids, metas, strict=True)))
