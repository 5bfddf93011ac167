"""Build the ``full_*`` bookmaker fixtures: every market type of docs/MARKETS.md in the real shapes.

    .venv/bin/python scripts/market_fixtures.py [--reference docs/markets.json]

Writes ``tests/fixtures/bookmakers/<bookmaker>/full_<capture>.json`` for SportyBet, BetPawa
and Bet9ja × football prematch, football live, tennis, basketball. Each capture carries the
market types, lines (specifiers, BetPawa row handicaps × 4, Bet9ja ``@`` params) and
outcomes of the captures docs/markets.json describes, in the payload shapes of
docs/FORMATS.md and MARKETS.md §2: BetPawa rows laid out as the real ones (HT/FT 3 rows,
1X2-and-totals one row per side, correct score in rows), placeholders where the real
captures had them (BetPawa live suspended at 0.0/100.0, Bet9ja ``"1"`` and live
``{"v": 1}``, SportyBet ``isActive`` 0), Bet9ja ``MK``/``TRANS``/``AUX`` blocks. Prices are
made up (seeded, deterministic): the fixtures are for mapping and coverage, not for prices.

The SportyBet live capture of the reference had no markets (SportyBet empties a match at
90:00); its live fixture carries the SportyBet markets that BetPawa's live capture pairs
with, at BetPawa's live lines.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.taxonomy.generate import line_template  # noqa: E402  (the tables read it the same way)

OUT = ROOT / "tests" / "fixtures" / "bookmakers"
KICKOFF_MS = {"prematch": 1_778_065_200_000, "live": 1_778_058_000_000, "tennis": 1_779_102_600_000}
KICKOFF_MS["basketball"] = 1_778_086_800_000
SPORTS = {"prematch": "soccer", "live": "soccer", "tennis": "tennis", "basketball": "basketball"}


def _prices(rng: random.Random, n: int) -> list[float]:
    weights = [rng.uniform(0.3, 1.0) for _ in range(n)]
    total = sum(weights) / 1.07
    return [min(500.0, max(1.02, round(total / w, 2))) for w in weights]


def _players(n: int) -> list[tuple[str, str, int]]:
    """(sr:player id, 'First Last', team) of ``n`` made-up players."""
    return [(f"sr:player:{800_100 + 37 * k}", f"Player{k + 1} Surname{k + 1}", 1 + k % 2) for k in range(n)]


# -- SportyBet -------------------------------------------------------------------------------


def _sporty_outcomes(m: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for o in m["outcomes"]:
        if o["id"] == "sr:player:<n>":
            out += [
                (pid, f"{name.split()[1]}, {name.split()[0]} (Team {team})")
                for pid, name, team in _players(49)
            ]
        else:
            out.append((o["id"], o["label"]))
    return out


def _sporty_market(
    m: dict[str, Any], specifier: str | None, rng: random.Random, live: bool
) -> dict[str, Any]:
    outcomes = _sporty_outcomes(m)
    prices = _prices(rng, len(outcomes))
    market: dict[str, Any] = {"id": m["id"], "product": 1 if live else 3, "desc": m["name"]}
    if specifier:
        market["specifier"] = specifier
    market.update(
        status=0,
        group=m.get("group", "Main"),
        name=m.get("template_name", m["name"]),
        favourite=0,
        outcomes=[
            {
                "id": oid,
                "odds": f"{p:.2f}",
                "probability": f"{1 / p:.10f}",
                "isActive": 0 if rng.random() < 0.03 else 1,
                "desc": label,
            }
            for (oid, label), p in zip(outcomes, prices, strict=True)
        ],
        sourceType=m.get("source", "BET_RADAR"),
        lastOddsChangeTime=KICKOFF_MS["prematch"] - 3_600_000,
        marketExtendVOS=[],
    )
    return market


def sportybet(reference: dict[str, Any], capture: str) -> dict[str, Any]:
    book = reference["bookmakers"]["sportybet"]
    rng = random.Random(f"sportybet:{capture}")
    live = capture == "live"
    markets = []
    if live:
        by_id = {m["id"]: m for m in book["prematch"]["markets"]}
        for bp in reference["bookmakers"]["betpawa"]["live"]["markets"]:
            pairing = bp.get("pairing") or {}
            target = by_id.get(pairing.get("sportybet_market") or "")
            if target is None or pairing.get("confidence") == "unsure":
                continue
            fixed, line = line_template(pairing.get("line_to_specifier"))
            for value in bp["line_values"] or [None]:
                spec = dict(fixed)
                if line and value is not None:
                    name, fmt = line
                    spec[name] = (
                        (f"0:{value[1:]}" if value.startswith("-") else f"{value}:0")
                        if fmt == "score"
                        else value
                    )
                text = "|".join(f"{k}={v}" for k, v in reversed(list(spec.items())))  # SportyBet's own order
                markets.append(_sporty_market(target, text or None, rng, live))
        event = {"eventId": "sr:match:67645534", "home": "FC Tokyo", "away": "JEF United Chiba", "sport": "1"}
    else:
        for m in book[capture]["markets"]:
            for specifier in m["specifiers"] or [None]:
                markets.append(_sporty_market(m, specifier, rng, live))
        ev = book[capture]["event"]
        event = {"eventId": ev["event_id"], "home": ev["home"], "away": ev["away"], "sport": ev["sport"][9:]}
    sport_name = {"1": "Football", "2": "Basketball", "5": "Tennis"}[event["sport"]]
    data = {
        "eventId": event["eventId"],
        "gameId": "10101",
        "estimateStartTime": KICKOFF_MS[capture],
        "status": 1 if live else 0,
        "matchStatus": "H2" if live else "Not start",
        "homeTeamName": event["home"],
        "awayTeamName": event["away"],
        "sport": {
            "id": f"sr:sport:{event['sport']}",
            "name": sport_name,
            "category": {
                "id": "sr:category:1",
                "name": "International",
                "tournament": {"id": "sr:tournament:1", "name": "Cup"},
            },
        },
        "totalMarketSize": len(markets),
        "markets": markets,
    }
    if live:
        data |= {"setScore": "0:3", "playedSeconds": "88:00"}
    return {"bizCode": 10000, "message": "0#0", "data": data}


# -- BetPawa ---------------------------------------------------------------------------------


def _pawa_outcomes(m: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    if m["outcomes"] and m["outcomes"][0]["name"] == "<player name>":
        return [
            (name, str(9_100_000 + k), team) for k, (_, name, team) in enumerate(_players(m["outcome_count"]))
        ]
    return [(o["name"], o["typeId"], None) for o in m["outcomes"]]


def _pawa_market(m: dict[str, Any], rng: random.Random, live: bool) -> dict[str, Any]:
    outcomes = _pawa_outcomes(m)
    handicaps: list[int | None] = list(m["raw_row_handicap"]) or [None]
    per_line = max(1, m["rows"] // max(1, len(handicaps)))
    rows = []
    for handicap in handicaps:
        prices = _prices(rng, len(outcomes))
        size = -(-len(outcomes) // per_line)
        for k in range(per_line):
            chunk = list(zip(outcomes, prices, strict=True))[k * size : (k + 1) * size]
            if not chunk:
                continue
            row_prices = []
            for (name, type_id, team), price in chunk:
                suspended = live and rng.random() < 0.9
                text = None if handicap is None else f"{handicap / 4:g}"
                entry = {
                    "name": name,
                    "typeId": type_id,
                    "price": (0.0 if rng.random() < 0.95 else 100.0) if suspended else price,
                    "suspended": suspended,
                    "handicap": text,
                    "displayName": name,
                }
                if team is not None:
                    entry["team"] = team
                row_prices.append(entry)
            formatted = (
                None
                if handicap is None or m.get("handicap_type") not in ("EUROPEAN", "NUMBER_SPECIFIER")
                else f"{handicap / 4:g}"
            )
            rows.append({"handicap": handicap, "formattedHandicap": formatted, "prices": row_prices})
    return {
        "marketType": {
            "id": m["id"],
            "name": m["name"],
            "displayName": m.get("display_name") or m["name"],
            "handicapType": m.get("handicap_type") or "",
            "priceColumnCount": min(3, len(outcomes)),
        },
        "row": rows,
    }


def betpawa(reference: dict[str, Any], capture: str) -> dict[str, Any]:
    book = reference["bookmakers"]["betpawa"][capture]
    rng = random.Random(f"betpawa:{capture}")
    ev = book["event"]
    live = bool(ev["live"])
    home, away = ev["name"].split(" - ", 1)
    category = {"soccer": ("2", "Football"), "tennis": ("452", "Tennis"), "basketball": ("3", "Basketball")}
    cid, cname = category[SPORTS[capture]]
    start = {"prematch": "2026-05-06T11:00:00Z", "live": "2026-05-06T09:00:00Z"}
    return {
        "id": ev["event_id"],
        "name": ev["name"],
        "startTime": start.get(capture, "2026-05-18T11:10:00Z"),
        "participants": [{"id": "1", "name": home, "position": 1}, {"id": "2", "name": away, "position": 2}],
        "widgets": [
            {"id": sr, "type": "SPORTRADAR", "retention": "INPLAY" if live else "PREMATCH"}
            for sr in ev["sportradar_ids"]
        ]
        + [{"id": "g-123", "type": "GENIUSSPORTS", "retention": None}],
        "category": {"id": cid, "name": cname},
        "region": {"id": "r1", "name": "International"},
        "competition": {"id": "c1", "name": "Cup"},
        "additionalInfo": {"live": live},
        "totalMarketCount": ev["totalMarketCount"],
        "markets": [_pawa_market(m, rng, live) for m in book["markets"]],
        "version": 7,
    }


# -- Bet9ja ----------------------------------------------------------------------------------


def bet9ja(reference: dict[str, Any], capture: str) -> dict[str, Any]:
    book = reference["bookmakers"]["bet9ja"][capture]
    rng = random.Random(f"bet9ja:{capture}")
    live = capture == "live"
    odds: dict[str, Any] = {}
    mk, trans, aux = [], {}, {}
    for m in book["markets"]:
        code = m.get("id") or m["code"]
        keys = [o["key"] if isinstance(o, dict) else o for o in m["outcomes"]]
        for value in m["line_values"] or [None]:
            head = code if value is None else f"{code}@{value}"
            for key, price in zip(keys, _prices(rng, len(keys)), strict=True):
                if live:
                    odds[f"{head}_{key}"] = {"v": 1} if rng.random() < 0.7 else {"v": price}
                else:
                    odds[f"{head}_{key}"] = "1" if rng.random() < 0.02 else f"{price:g}"
        if live:
            continue
        name = m.get("name", code)
        mk.append(
            {
                "ID": code,
                "DS": name,
                "MDESC": f"{name}: rules.",
                "MARKETID": m.get("marketid", ""),
                "GCAT": m.get("category", ""),
                "CNT": m.get("cnt", ""),
                "SGNK": "|".join(keys),
            }
        )
        trans[f"M#{code}"] = {"NAME": name, "DESC": f"{name}."}
        for o in m["outcomes"]:
            trans[f"M#{code}_{o['key']}"] = o["label"]
        if m.get("aux_lines"):
            aux[code] = {line: 1 for line in m["aux_lines"]}
    ev = book["event"]
    if live:
        d: dict[str, Any] = {
            "A": {
                "EXTID": ev["sportradar_id"],
                "BRMATCHID": int(ev["sportradar_id"]),
                "SCORE": "0-3",
                "TIME": ev["minute"],
                "STATUS": ev["status"],
                "MKNUM": 0,
            },
            "AA": {
                "ID": 9_261_777,
                "DS": ev["name"],
                "STARTDATE": "2026-05-06 09:00:00",
                "S": "Soccer",
                "SID": 1,
                "GN": "J1 League",
                "SG": "Japan",
            },
            "O": odds,
        }
    else:
        sport = {"prematch": ("Soccer", 1), "tennis": ("Tennis", 5), "basketball": ("Basketball", 2)}[capture]
        start = {
            "prematch": "2026-05-06 11:00:00",
            "tennis": "2026-05-18 11:10:00",
            "basketball": "2026-05-06 17:00:00",
        }
        d = {"ID": ev["event_id"], "EXTID": ev["sportradar_id"], "DS": ev["name"],
             "STARTDATE": start[capture], "GN": "League", "SG": "International", "S": sport[0],
             "SID": sport[1], "O": odds, "MK": mk, "TRANS": trans, "AUX": aux}  # fmt: skip
    return {"R": "OK", "D": d}


BUILDERS = {"sportybet": sportybet, "betpawa": betpawa, "bet9ja": bet9ja}
CAPTURES = {
    "prematch": "soccer_prematch",
    "live": "soccer_live",
    "tennis": "tennis",
    "basketball": "basketball",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=ROOT / "docs" / "markets.json")
    args = parser.parse_args()
    reference = json.loads(args.reference.read_text())
    for bookmaker, build in BUILDERS.items():
        for capture, name in CAPTURES.items():
            path = OUT / bookmaker / f"full_{name}.json"
            path.write_text(json.dumps(build(reference, capture), indent=1, ensure_ascii=False) + "\n")
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
