"""Workarounds for faust, aiokafka and broker bugs or gaps: one module per bug, each
docstring names the bug and the test that fails without the workaround."""
