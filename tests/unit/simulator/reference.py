"""Reference readers of the three payload formats, written from docs/FORMATS.md only.

They turn a rendered payload back into ``{(UOF market id, line key): {outcome id: price}}``
so the tests can compare it with ``World.truth``. Deliberately independent of the
simulator's own tables (and of ``streams.adapters``): if the renderer and this reader
disagree, one of them misread the spec.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

Truth = dict[tuple[int, str], dict[str, float | None]]

# the markets the simulator models, per sport (SportyBet sport id); the rest of a board is
# filler with SportyBet's real ids, some of which are modelled ids of another sport
MODELLED_UOF = {
    "sr:sport:1": {1, 10, 11, 18, 16, 14, 29, 45, 47, 60, 68, 19, 20, 26, 8, 37, 166},
    "sr:sport:2": {219, 223, 225},
    "sr:sport:5": {186, 187, 189, 314},
}
MAPPED_UOF = set().union(*MODELLED_UOF.values())
CS_IDS = {f"{h}:{a}": str(274 + 2 * (a * 5 + h)) for h in range(5) for a in range(5)}
HTFT_IDS = {f"{i}/{j}": str(418 + 2 * (a * 3 + b)) for a, i in enumerate("1X2") for b, j in enumerate("1X2")}
RT_IDS = {(r, over): str(794 + 2 * (a * 2 + over)) for a, r in enumerate("1X2") for over in (0, 1)}


def dec(value: float | str) -> str:
    """Canonical decimal text: "2.50" -> "2.5", "2" -> "2", "+1.5" -> "1.5"."""
    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text


def score_hcp(home_handicap: int) -> str:
    return f"0:{-home_handicap}" if home_handicap < 0 else f"{home_handicap}:0"


def _canonical_specifier(spec: str) -> str:
    parts = []
    for pair in spec.split("|"):
        k, v = pair.split("=")
        parts.append(f"{k}={v if ':' in v else dec(v)}")
    return "|".join(sorted(parts))


def read_sportybet(doc: dict[str, Any]) -> Truth:
    out: Truth = {}
    modelled = MODELLED_UOF[doc["data"]["sport"]["id"]]
    for m in doc["data"]["markets"]:
        if int(m["id"]) not in modelled:
            continue
        key = (int(m["id"]), _canonical_specifier(m["specifier"]) if m.get("specifier") else "")
        assert key not in out, f"duplicate line {key}"
        out[key] = {o["id"]: float(o["odds"]) if o["isActive"] == 1 else None for o in m["outcomes"]}
    return out


# BetPawa marketType.id -> (UOF id, line kind, {price name -> UOF outcome id})
_WDL = {"1": "1", "X": "2", "2": "3"}
_12 = {"1": "4", "2": "5"}
_OU = {"Over": "12", "Under": "13"}
_AH = {"1": "1714", "2": "1715"}
PAWA: dict[str, tuple[int, str, dict[str, str]]] = {
    "3743": (1, "", _WDL),
    "4693": (10, "", {"1X": "9", "12": "10", "X2": "11"}),
    "4703": (11, "", _12),
    "5000": (18, "total", _OU),
    "3774": (16, "hcp", _AH),
    "4724": (14, "hcp3", {"1": "1711", "X": "1712", "2": "1713"}),
    "3795": (29, "", {"Yes": "74", "No": "76"}),
    "4429": (45, "", {}),
    "4706": (47, "", {}),
    "3668": (60, "", _WDL),
    "4958": (68, "total", _OU),
    "5006": (19, "total", _OU),
    "5003": (20, "total", _OU),
    "4833": (26, "", {"Odd": "70", "Even": "72"}),
    "28000224": (8, "goalnr", {"1": "6", "None": "7", "2": "8"}),  # no goal: "None"
    "1096755": (37, "total", {}),
    "1096783": (166, "total", _OU),
    "4791": (219, "", _12),
    "3777": (223, "hcp", _AH),
    "5009": (225, "total", _OU),
    "2043818": (186, "", _12),
    "3532590": (187, "hcp", _AH),
    "4895": (189, "total", _OU),
    "3597899": (314, "total", _OU),
}


def _pawa_outcome(uof: int, names: dict[str, str], name: str) -> str:
    if uof == 45:
        return "324" if name == "Other" else CS_IDS[name.replace("-", ":")]
    if uof == 47:
        return HTFT_IDS[name]
    if uof == 37:
        r, side = name.split(" - ")
        return RT_IDS[(r, int(side == "Over"))]
    return names[name]


def read_betpawa(doc: dict[str, Any]) -> Truth:
    out: Truth = {}
    for m in doc["markets"]:
        if m["marketType"]["id"] not in PAWA:
            continue
        uof, kind, names = PAWA[m["marketType"]["id"]]
        for row in m["row"]:
            line = (row["handicap"] or 0) / 4
            if kind == "":
                key = ""
            elif kind == "hcp3":
                key = f"hcp={score_hcp(int(line))}"
            elif kind == "goalnr":
                key = f"goalnr={int(line)}"
            else:
                key = f"{kind}={dec(line)}"
            bucket = out.setdefault((uof, key), {})
            for p in row["prices"]:
                bucket[_pawa_outcome(uof, names, p["name"])] = None if p["suspended"] else float(p["price"])
    return out


# Bet9ja key family -> (UOF id, line kind, {outcome code -> UOF outcome id})
_B9_OU = {"O": "12", "U": "13"}
B9: dict[str, tuple[int, str, dict[str, str]]] = {
    "1X2": (1, "", {"1": "1", "X": "2", "2": "3"}),
    "DC": (10, "", {"1X": "9", "12": "10", "X2": "11"}),
    "DNB": (11, "", {"1": "4", "2": "5"}),
    "OU": (18, "total", _B9_OU),
    "OUA": (18, "total", _B9_OU),
    "AH": (16, "hcp", {"1": "1714", "2": "1715"}),
    "1X2HND": (14, "hcp3", {"1H": "1711", "XH": "1712", "2H": "1713"}),
    "GGNG": (29, "", {"Y": "74", "N": "76"}),
    "CSFT": (45, "", {}),
    "HTFT": (47, "", {}),
    "1X21T": (60, "", {"1": "1", "X": "2", "2": "3"}),
    "OU1T": (68, "total", _B9_OU),
    "HAOU": (19, "total", {}),
    "OE": (26, "", {"OD": "70", "EV": "72"}),
    "1STGOAL": (8, "first", {"1": "6", "X": "7", "2": "8"}),
    "1X2OU": (37, "total", {}),
    "OUCORNERS": (166, "total", _B9_OU),
}
B9_SPORT = {
    "B": {
        "12": (219, "", {"1": "4", "2": "5"}),
        "H": (223, "hcp", {"1": "1714", "2": "1715"}),
        "OUN": (225, "total", _B9_OU),
    },
    "T": {
        "12": (186, "", {"1": "4", "2": "5"}),
        "GH": (187, "hcp", {"1": "1714", "2": "1715"}),
        "OUG": (189, "total", _B9_OU),
        "TS": (314, "total", _B9_OU),
    },
}
B9_KEY = re.compile(r"^([A-Z0-9_\-]+?)(?:@([^_]+))?_(.+)$")
B9_PREFIX = re.compile(r"^(?:LIVE)?([SBT])_")


def read_bet9ja(doc: dict[str, Any]) -> Truth:
    out: Truth = {}
    for raw, value in doc["D"]["O"].items():
        prefix = B9_PREFIX.match(raw)
        assert prefix, raw
        match = B9_KEY.match(raw[prefix.end() :])
        assert match, raw
        family, param, outcome = match.groups()
        table = B9 if prefix.group(1) == "S" else B9_SPORT[prefix.group(1)]
        if family not in table:
            continue
        uof, kind, names = table[family]
        if family == "HAOU":
            uof = 19 if outcome.endswith("H") else 20
            oid = _B9_OU[outcome[0]]
        elif uof == 45:
            oid = "324" if outcome == "OTH" else CS_IDS[outcome]
        elif uof == 47:
            oid = HTFT_IDS[outcome]
        elif uof == 37:
            oid = RT_IDS[(outcome[0], int(outcome[1] == "O"))]
        else:
            oid = names[outcome]
        if kind == "":
            key = ""
        elif kind == "first":
            key = "goalnr=1"
        elif kind == "hcp3":
            key = f"hcp={score_hcp(int(param))}"
        else:
            key = f"{kind}={dec(param)}"
        if isinstance(value, dict):
            price: float | None = float(value["v"])
        else:
            price = None if value in ("-", "") else float(value)
        out.setdefault((uof, key), {})[oid] = price
    return out


READERS = {"sportybet": read_sportybet, "betpawa": read_betpawa, "bet9ja": read_bet9ja}
