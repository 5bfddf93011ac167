"""Build ``data/names.json``: the name templates of every market the reference names.

Run by ``python -m streams.taxonomy.generate`` with the mapping tables (``--check`` compares
with the committed file). :func:`build` is pure: ``docs/markets.json`` plus the curation
(``data/oddsflow.json``) → ``{market id: {"sport", "name", "outcomes"}}``; placeholders as
in :mod:`streams.taxonomy.templates`.

Rules
-----
* UOF and SportyBet-namespace markets take SportyBet's names from the reference: the
  market's display name of its first line (``name``) and its outcome labels. The event's
  team names and the words ``Home Team``/``Home``/``Away Team``/``Away`` become
  ``{$competitor1}``/``{$competitor2}``. A specifier value becomes a placeholder where it
  stands as a whole token (not inside a number, range or score): a ``…nr`` value as an
  ordinal before the word it counts (``goalnr=1``: ``1st Goal`` → ``{!goalnr} Goal``, but
  not ``1st Half``) → ``{!k}``; in an outcome label only ``total`` and ``hcp``, a decimal
  with its sign → ``{+k}``, negated → ``{-k}``; else → ``{k}``. The market name reads the
  first line's values; an outcome label those of the first line whose values it shows
  (labels come from several lines). A line specifier the market name still lacks is
  appended (``Over/Under`` → ``Over/Under {total}``), except ``variant`` and ``type``
  (they name the outcome set, not the line). Each template must render back to the text
  it came from, else :func:`build` raises.
* A market seen in several sports keeps the first sport's names (soccer, tennis,
  basketball) and gets sport ``None``.
* oddsflow markets: ``name`` from the curation with its specifiers appended likewise;
  outcome names from the labels of the native markets read into them (Bet9ja ``label``,
  BetPawa ``display``), with ``Home``/``Away`` as above and a bare ``1``/``X``/``2`` as
  home/draw/away.
* The curation's ``names`` section (``{"<id>": {"name": …, "outcomes": {…}}}``) overrides
  any of these, for names the rules get wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

from streams.taxonomy.ids import outcome_order, sportybet_market_id
from streams.taxonomy.templates import AWAY, HOME, is_decimal, ordinal, render, signed

SPORTYBET_SPORTS = {"prematch": "soccer", "live": "soccer", "tennis": "tennis", "basketball": "basketball"}
NOT_IN_NAMES = ("variant", "type")
#: specifiers whose value an outcome name shows (``Over 2.5``, ``Lyon (-1.5)``, ``Draw (0:1)``)
IN_OUTCOMES = ("total", "hcp")
_PLACEHOLDER = re.compile(r"(\{[^{}]*\})")
_WORDS = ((re.compile(r"\bHome Team\b|\bHome\b"), HOME), (re.compile(r"\bAway Team\b|\bAway\b"), AWAY))
_BARE = {
    "1": HOME,
    "X": "Draw",
    "2": AWAY,
    "1X": f"{HOME} or Draw",
    "12": f"{HOME} or {AWAY}",
    "X2": f"Draw or {AWAY}",
}

Doc = dict[str, Any]


def _outside(text: str, pattern: re.Pattern[str], replacement: str) -> str:
    """``pattern`` replaced in the parts of ``text`` outside ``{…}`` placeholders."""
    parts = _PLACEHOLDER.split(text)
    return "".join(p if i % 2 else pattern.sub(replacement, p) for i, p in enumerate(parts))


def _token(text: str) -> re.Pattern[str]:
    """``text`` as a whole token: not inside a number, word, range (``1-10``) or score."""
    return re.compile(r"(?<![\w.:+\-])" + re.escape(text) + r"(?![\w.:]|-\d)")


def competitors(text: str, home: str | None = None, away: str | None = None) -> str:
    """Team names and the words Home/Away as ``{$competitor1}``/``{$competitor2}``."""
    for name, placeholder in ((home, HOME), (away, AWAY)):
        if name:
            text = text.replace(name, placeholder)
    for pattern, placeholder in _WORDS:
        text = _outside(text, pattern, placeholder)
    return text


def _line(specifier: str) -> list[tuple[str, str]]:
    return [(k, v) for k, sep, v in (p.partition("=") for p in specifier.split("|")) if sep]


def _ordinal_token(value: str, key: str) -> re.Pattern[str]:
    """``1st`` before the word the ``…nr`` key counts (``goalnr``: ``1st Goal``, not ``1st Half``)."""
    unit = re.escape(key.removesuffix("nr"))
    return re.compile(r"(?<![\w.])" + re.escape(ordinal(value)) + r"(?=\s+(?i:" + unit + r"))")


def with_values(text: str, line: list[tuple[str, str]], outcome: bool) -> str:
    """The line's specifier values in ``text`` as placeholders (see the module docstring)."""
    for key, value in line:
        if key in NOT_IN_NAMES or (outcome and key not in IN_OUTCOMES):
            continue
        forms: list[tuple[re.Pattern[str], str]] = []
        if key.endswith("nr") and ordinal(value) != value:
            forms.append((_ordinal_token(value, key), "{!" + key + "}"))
        numeric = is_decimal(value)
        if numeric and signed(value) == "0" and outcome:
            raise ValueError(f"{key}={value} in {text!r}: a zero line cannot tell the sign")
        if numeric and outcome:
            forms += [
                (_token(signed(value)), "{+" + key + "}"),
                (_token(signed(value, True)), "{-" + key + "}"),
            ]
        forms.append((_token(value), "{" + key + "}"))
        if numeric and not outcome:
            forms.append((_token(signed(value, negate=True)), "{-" + key + "}"))
        for pattern, placeholder in forms:
            text = _outside(text, pattern, placeholder)
    return text


def _template(text: str, lines: list[list[tuple[str, str]]], home: str, away: str, outcome: bool) -> str:
    """Template of ``text`` with the values of the first of ``lines`` that appears in it."""
    named = competitors(" ".join(text.split()), home, away)
    for line in lines or [[]]:
        out = with_values(named, line, outcome)
        spec = "|".join(f"{k}={v}" for k, v in line)
        if render(out, spec, HOME, AWAY) != render(named, "", HOME, AWAY):
            raise ValueError(f"template {out!r} does not render back to {named!r} for {spec!r}")
        if out != named:
            return out
    return named


def _append_specifiers(name: str, keys: list[str]) -> str:
    for key in keys:
        if key not in NOT_IN_NAMES and not any(f"{{{s}{key}}}" in name for s in ("", "+", "-", "!")):
            name += f" {{{key}}}"
    return name


def _sportybet(reference: Doc, out: dict[int, Doc]) -> None:
    for state, sport in SPORTYBET_SPORTS.items():
        capture = reference["bookmakers"]["sportybet"][state]
        home, away = capture["event"]["home"], capture["event"]["away"]
        for m in capture["markets"]:
            market_id = sportybet_market_id(int(m["id"]), genius=m.get("source") == "BET_GENIUS")
            if market_id is None:
                raise ValueError(f"SportyBet market {m['id']} has no canonical id")
            if market_id in out:
                if out[market_id]["sport"] != sport:
                    out[market_id]["sport"] = None
                continue
            lines = [_line(spec) for spec in m["specifiers"]]
            name = _template(m["name"], lines[:1], home, away, outcome=False)
            outcomes = {
                o["id"]: _template(o["label"], lines, home, away, outcome=True)
                for o in m["outcomes"]
                if "<" not in o["id"]
            }
            out[market_id] = {
                "sport": sport,
                "name": _append_specifiers(name, m["specifier_keys"]),
                "outcomes": outcomes,
            }


def _native_labels(reference: Doc, bookmaker: str, native: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for capture in reference["bookmakers"][bookmaker].values():
        for m in capture["markets"]:
            if (m.get("id") or m.get("code")) != native:
                continue
            for o in m.get("outcomes", []):
                if isinstance(o, dict) and bookmaker == "bet9ja" and "key" in o:
                    labels.setdefault(o["key"], o.get("label") or o["key"])
                elif isinstance(o, dict) and "<" not in o.get("name", "<"):
                    labels.setdefault(o["name"], o.get("display") or o["name"])
    return labels


def _oddsflow(reference: Doc, curation: Doc, out: dict[int, Doc]) -> None:
    natives: dict[int, list[tuple[str, str]]] = {}
    for bookmaker, by_key in curation.get("sources", {}).items():
        entries = by_key.items() if bookmaker == "bet9ja" else [e for s in by_key.values() for e in s.items()]
        for native, source in entries:
            natives.setdefault(int(source["market"]), []).append((bookmaker, native))
    for key, m in curation["markets"].items():
        outcomes: dict[str, str] = {}
        for bookmaker, native in natives.get(int(key), []):
            for oid, label in _native_labels(reference, bookmaker, native).items():
                outcomes.setdefault(oid, _BARE.get(label, competitors(" ".join(label.split()))))
        out[int(key)] = {
            "sport": m["sport"],
            "name": _append_specifiers(m["name"], list(m.get("specifiers", []))),
            "outcomes": outcomes,
        }


def build(reference: Doc, curation: Doc) -> dict[int, Doc]:
    """``{market id: {"sport", "name", "outcomes"}}`` (see the module docstring)."""
    out: dict[int, Doc] = {}
    _sportybet(reference, out)
    _oddsflow(reference, curation, out)
    for key, override in curation.get("names", {}).items():
        entry = out.setdefault(int(key), {"sport": override.get("sport"), "name": "", "outcomes": {}})
        entry["name"] = override.get("name", entry["name"])
        entry["outcomes"].update(override.get("outcomes", {}))
    return {
        market_id: {
            "sport": entry["sport"],
            "name": entry["name"],
            "outcomes": dict(sorted(entry["outcomes"].items(), key=lambda kv: outcome_order(kv[0]))),
        }
        for market_id, entry in sorted(out.items())
    }


def render_file(names: dict[int, Doc]) -> str:
    """The text of ``data/names.json``."""
    doc = {
        "about": "Name templates per canonical market (placeholders: streams/taxonomy/templates.py). "
        "Generated from docs/markets.json and data/oddsflow.json by `python -m streams.taxonomy.generate`: "
        "do not edit by hand; fix names in the 'names' section of data/oddsflow.json.",
        "markets": {str(k): v for k, v in names.items()},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
