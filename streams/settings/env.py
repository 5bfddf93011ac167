"""How settings are named in the environment, shared by every section module."""

from __future__ import annotations

ENV_PREFIX = "ODDS_"
MiB = 1024 * 1024


def env_name(loc: tuple[int | str, ...]) -> str:
    """``("kafka", "compression")`` → ``ODDS_KAFKA__COMPRESSION``."""
    return ENV_PREFIX + "__".join(str(part).upper() for part in loc)
