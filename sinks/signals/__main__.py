"""``python -m sinks.signals``: the signals sink (``oddsflow signals-sink``), without the entry point."""

from sinks.signals.sink import signals_sink_command

if __name__ == "__main__":
    signals_sink_command(prog_name="oddsflow signals-sink")
