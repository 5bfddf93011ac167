"""The stream stages (faust agents), raw → canonical → snapshots:

* :mod:`streams.stages.normalize` — decode a raw capture, run its bookmaker's adapter;
* :mod:`streams.stages.match` — match events across bookmakers, diff boards, emit snapshots.

Each stage keeps its pure logic in ``logic.py`` and its faust agent in ``agents.py``.
"""
