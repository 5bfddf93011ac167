"""Name templates: UOF's placeholders rendered for one event and one line (pure functions).

Contract
--------
* ``{$competitor1}`` / ``{$competitor2}``: the event's home / away name.
* ``{k}``: the value of specifier ``k`` as the line key writes it (``{total}`` → ``2.5``,
  ``{hcp}`` → ``-1.5`` or ``0:1``).
* ``{+k}``: a decimal with its sign, as quoted from the home side (``-1.5``, ``+0.5``, ``0``);
  ``{-k}``: the same negated, the away side (``+1.5``, ``-0.5``, ``0``).
* ``{!k}``: an ordinal (``{!setnr}`` → ``1st``).
* ``{+k}``/``{-k}`` of a value that is not a decimal, and ``{!k}`` of one that is not a whole
  number, give the value as is; a placeholder whose specifier the line lacks stays as written.

:func:`render` and :func:`market_label` are mirrored step for step by the SQL functions
``render_name`` and ``market_label`` (migration 0005) that the ``best_current_odds`` view
uses: specifiers in line-key order, each replacing ``{k}``, ``{+k}``, ``{-k}``, ``{!k}``;
then the two competitors. A test checks the view and these functions agree.
"""

from __future__ import annotations

import re

from streams.taxonomy.ids import ODDSFLOW_BASE, ODDSFLOW_END, SPORTYBET_BASE

HOME = "{$competitor1}"
AWAY = "{$competitor2}"
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ZERO = re.compile(r"-?0+(?:\.0+)?")
_WHOLE = re.compile(r"[0-9]+")


def is_decimal(value: str) -> bool:
    """A canonical decimal line value (``2.5``, ``-0.25``, ``0``), which ``{+k}``/``{-k}`` sign."""
    return _DECIMAL.fullmatch(value) is not None


def signed(value: str, negate: bool = False) -> str:
    """``{+k}`` (``negate=False``) or ``{-k}`` of a specifier value (see the module docstring)."""
    if not is_decimal(value):
        return value
    if _ZERO.fullmatch(value):
        return "0"
    negative = value.startswith("-")
    digits = value.lstrip("-")
    return ("+" if negative == negate else "-") + digits


def ordinal(value: str) -> str:
    """``{!k}`` of a specifier value: ``1`` → ``1st``, ``12`` → ``12th``, ``22`` → ``22nd``."""
    if not _WHOLE.fullmatch(value):
        return value
    n = int(value)
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render(template: str, line: str, home: str, away: str) -> str:
    """The template with the line's specifiers and the event's team names filled in."""
    out = template
    if line:
        for pair in line.split("|"):
            key, _, value = pair.partition("=")
            out = out.replace("{" + key + "}", value)
            out = out.replace("{+" + key + "}", signed(value))
            out = out.replace("{-" + key + "}", signed(value, negate=True))
            out = out.replace("{!" + key + "}", ordinal(value))
    return out.replace(HOME, home).replace(AWAY, away)


def market_label(market_id: int, line: str) -> str:
    """Name of a market without a template: its namespace and number (and the line key, if any).

    ``uof:123``, ``sportybet:60200`` (SportyBet's own id, without the namespace base),
    ``oddsflow:20000040``; ``market:<id>`` outside every namespace.
    """
    if 0 < market_id < SPORTYBET_BASE:
        label = f"uof:{market_id}"
    elif SPORTYBET_BASE <= market_id < ODDSFLOW_BASE:
        label = f"sportybet:{market_id - SPORTYBET_BASE}"
    elif ODDSFLOW_BASE <= market_id < ODDSFLOW_END:
        label = f"oddsflow:{market_id}"
    else:
        label = f"market:{market_id}"
    return label + (f" {line}" if line else "")
