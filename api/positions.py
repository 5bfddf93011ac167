"""SSE ids: a position in the snapshots topic, one next offset per partition.

``"0:120,1:98,2:0"`` means: every record of partition 0 below offset 120, of partition 1
below 98 … has been seen (delivered or filtered out), nothing at or after. A client that
reconnects with it as ``Last-Event-ID`` resumes exactly after the last change it saw: the
id of a change is the position *after* that change. Every partition of the topic is in
every id, so a resume needs nothing else.
"""

from __future__ import annotations

import re

from api.errors import ApiError

Position = dict[int, int]

_PART = re.compile(r"^(\d{1,6}):(\d{1,19})$")
MAX_OFFSET = 2**63 - 1


def encode(position: Position) -> str:
    return ",".join(f"{p}:{o}" for p, o in sorted(position.items()))


def decode(text: str) -> Position:
    """Parse an id; :class:`ApiError` 400 ``invalid_position`` when it is not one."""
    position: Position = {}
    for part in text.strip().split(","):
        m = _PART.match(part.strip())
        if m is None or int(m[2]) > MAX_OFFSET or int(m[1]) in position:
            raise ApiError(
                400, "invalid_position", "Last-Event-ID must look like '0:120,1:98' (partition:offset)"
            )
        position[int(m[1])] = int(m[2])
    return position
