"""``python -m api [--host H] [--port P]``: the same as ``oddsflow api``."""

from api.cli import api_command

api_command(prog_name="python -m api")
