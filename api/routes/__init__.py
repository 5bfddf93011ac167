"""HTTP routes, one module per resource: ``events`` (reads), ``stream`` (SSE), ``page`` (``/``).

Signals (#15) get their own module here (``signals.py``, a router over the signals tables)
registered in ``api.app.create_app`` next to the others.
"""
