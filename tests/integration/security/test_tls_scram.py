"""Producer, worker and sink over TLS + SASL/SCRAM-SHA-512, and their secrets stay secret.

One Apache Kafka node of this test's own listens only on ``SASL_SSL`` (mutual TLS: clients
present a certificate whose key is encrypted with a key password; SCRAM-SHA-512 user
``alice``). The certificates are made here. The test shows that security is on (plaintext,
a wrong password and a missing client certificate are refused), that ``oddsflow produce``,
``oddsflow worker`` and ``oddsflow sink`` carry captures through it into Postgres, and that
neither the SCRAM password nor the key password appears in any process's log, in
``oddsflow settings`` or on the metrics and probe pages — while the same search does find
them where they must be (the processes' environment, the broker's JAAS properties).
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from streams.embedded.kafka import KafkaCluster
from streams.embedded.kafka_security import KafkaSecurity
from streams.embedded.subprocesses import free_port
from streams.settings import KafkaSettings
from tests.integration.replay.pipeline import Pipeline, start_worker_cmd
from tests.integration.streams.harness import FIXTURES, Harness

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

BOOKMAKERS = ("betpawa", "sportybet", "bet9ja")


@dataclass(frozen=True)
class Pki:
    """PEM files: a CA, the broker's key + chain, alice's certificate and encrypted key."""

    ca: Path
    broker: Path
    client_cert: Path
    client_key: Path
    key_password: str


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(directory: Path, key_password: str) -> Pki:
    """A one-day CA, a broker certificate for 127.0.0.1/localhost and a client certificate."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("oddsflow test CA"))
        .issuer_name(_name("oddsflow test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(cn: str, san: list[x509.GeneralName]) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            # brokers are clients of each other too (inter-broker traffic on the same listener)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    pki = Pki(
        directory / "ca.pem",
        directory / "broker.pem",
        directory / "alice.pem",
        directory / "alice.key",
        key_password,
    )
    pki.ca.write_bytes(ca_pem)
    broker_key, broker_cert = leaf(
        "127.0.0.1", [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    )
    pkcs8 = serialization.PrivateFormat.PKCS8
    pki.broker.write_bytes(
        broker_key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())
        + broker_cert
        + ca_pem
    )
    client_key, client_cert = leaf("alice", [])
    encrypted = serialization.BestAvailableEncryption(key_password.encode())
    pki.client_key.write_bytes(client_key.private_bytes(serialization.Encoding.PEM, pkcs8, encrypted))
    pki.client_cert.write_bytes(client_cert)
    return pki


@dataclass(frozen=True)
class Secured:
    cluster: KafkaCluster
    pki: Pki
    password: str  # alice's SCRAM password
    broker_password: str

    @property
    def env(self) -> dict[str, str]:
        """The oddsflow settings of a client logging in as alice (environment twins)."""
        return {
            "ODDS_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
            "ODDS_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
            "ODDS_KAFKA__SASL_USERNAME": "alice",
            "ODDS_KAFKA__SASL_PASSWORD": self.password,
            "ODDS_KAFKA__SSL_CAFILE": str(self.pki.ca),
            "ODDS_KAFKA__SSL_CERTFILE": str(self.pki.client_cert),
            "ODDS_KAFKA__SSL_KEYFILE": str(self.pki.client_key),
            "ODDS_KAFKA__SSL_KEY_PASSWORD": self.pki.key_password,
        }

    def kafka(self, **update: object) -> KafkaSettings:
        fields = {k[len("ODDS_KAFKA__") :].lower(): v for k, v in self.env.items()}
        return KafkaSettings.model_validate(
            {"bootstrap_servers": self.cluster.bootstrap_servers, **fields, **update}
        )

    @property
    def secrets(self) -> dict[str, str]:
        return {"SCRAM password": self.password, "key password": self.pki.key_password}


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Secured]:
    # distinctive values: a hit can only be this secret, never a coincidence
    password = f"scram-{secrets.token_urlsafe(24)}"
    broker_password = f"broker-{secrets.token_urlsafe(24)}"
    pki = make_pki(tmp_path, key_password=f"keypw-{secrets.token_urlsafe(24)}")
    security = KafkaSecurity(
        pki.broker, pki.ca, broker_password, users={"alice": password}, client_auth="required"
    )
    cluster = KafkaCluster(1, directory=tmp_path / "kafka", **security.cluster_kwargs())
    cluster.start()
    try:
        yield Secured(cluster, pki, password, broker_password)
    finally:
        cluster.stop()


def leaks(text: str, wanted: dict[str, str]) -> list[str]:
    """Names of the secrets found in ``text``."""
    return [name for name, value in wanted.items() if value in text]


async def refused(kafka: KafkaSettings) -> None:
    producer = AIOKafkaProducer(**kafka.client_kwargs(), request_timeout_ms=5000)
    try:
        with pytest.raises(KafkaConnectionError):
            await producer.start()
    finally:
        await producer.stop()


async def broker_logged(cluster: KafkaCluster, text: str, times: int = 1, timeout_s: float = 10.0) -> None:
    """Until the broker's log holds ``text`` ``times`` times (it logs every refused login)."""
    deadline = time.monotonic() + timeout_s
    while cluster.node(1).log_path.read_text(errors="replace").count(text) < times:
        assert time.monotonic() < deadline, f"broker never logged {text!r} x{times}:\n{cluster.logs()}"
        await asyncio.sleep(0.1)


def http_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode(errors="replace")  # type: ignore[no-any-return]


def spawn(cmd: list[str], env: dict[str, str], out: Path) -> subprocess.Popen[bytes]:
    """``cmd`` in the directory of ``out``, stdout and stderr into ``out``."""
    with open(out, "wb") as fh:
        return subprocess.Popen(cmd, env=env, cwd=out.parent, stdout=fh, stderr=subprocess.STDOUT)


def environ(pid: int) -> str:
    return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")


async def test_pipeline_over_sasl_ssl_keeps_secrets_out_of_logs_settings_and_metrics(
    secured: Secured, migrated_db: str, tmp_path: Path
) -> None:
    cluster = secured.cluster

    # security is on: no plaintext, no wrong password, no client certificate
    await refused(secured.kafka(security_protocol="PLAINTEXT"))
    await broker_logged(cluster, "(SSL handshake failed)")
    await refused(secured.kafka(sasl_password="not-" + secured.password))
    await broker_logged(cluster, "due to invalid credentials with SASL mechanism SCRAM-SHA-512")
    await refused(secured.kafka(ssl_certfile=None, ssl_keyfile=None, ssl_key_password=None))
    await broker_logged(cluster, "(SSL handshake failed)", times=2)

    worker_port, sink_port = free_port("127.0.0.1"), free_port("127.0.0.1")
    workdir = tmp_path / "run"
    workdir.mkdir()
    harness = Harness(cluster.bootstrap_servers, workdir, partitions=2, extra_env=secured.env)
    pipeline = Pipeline(harness, migrated_db)
    producers: dict[Path, subprocess.Popen[bytes]] = {}
    try:
        await harness.create_topics()
        worker = start_worker_cmd(
            harness,
            [sys.executable, "-m", "streams", "worker"],
            # DEBUG: aiokafka's and faust's connection chatter is in the log too
            {"ODDS_LOG_LEVEL": "DEBUG", "ODDS_MONITOR__WORKER_PORT": str(worker_port)},
        )
        pipeline.start_sink(extra_env={"ODDS_MONITOR__SINK_PORT": str(sink_port)})
        env = pipeline.env
        for bookmaker in BOOKMAKERS:
            fixture = FIXTURES / bookmaker / "soccer_prematch.json"
            out = workdir / f"produce-{bookmaker}.log"
            producers[out] = spawn(
                [sys.executable, "-m", "streams", "produce", "-b", bookmaker, str(fixture)], env, out
            )
        settings_out = workdir / "settings.out"
        shown = spawn([sys.executable, "-m", "streams", "settings"], env, settings_out)

        # the positive control: the secrets did reach the processes whose output is searched
        assert leaks(environ(worker.pid), secured.secrets) == list(secured.secrets)

        for out, proc in producers.items():
            code = await asyncio.to_thread(proc.wait, 60)
            assert code == 0, out.read_text(errors="replace")[-3000:]
            assert "published 1, refused 0" in out.read_text(errors="replace")
        assert await asyncio.to_thread(shown.wait, 60) == 0, settings_out.read_text()

        deadline = time.monotonic() + 90
        while (await pipeline.fetch("SELECT count(*) AS n FROM snapshots"))[0]["n"] < len(BOOKMAKERS):
            for proc, log in zip(
                [worker, *pipeline.sinks], [*harness.logs, *pipeline.sink_logs], strict=True
            ):
                assert proc.poll() is None, f"{log.name} exited:\n{log.read_text(errors='replace')[-3000:]}"
            assert time.monotonic() < deadline, "rows did not arrive:\n" + harness.log_text(0)[-3000:]
            await asyncio.sleep(0.3)
        odds = await pipeline.fetch("SELECT count(*) AS n FROM odds_history")
        assert odds[0]["n"] > 0

        pages = {
            f"{name} {page}": await asyncio.to_thread(http_text, f"http://127.0.0.1:{port}{page}")
            for name, port in (("worker", worker_port), ("sink", sink_port))
            for page in ("/metrics", "/healthz", "/readyz")
        }
        assert "oddsflow_records_out_total" in pages["worker /metrics"]
        assert "oddsflow_sink_rows_total" in pages["sink /metrics"]
    finally:
        pipeline.stop_all()
        for proc in producers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)

    settings_text = settings_out.read_text()
    assert '"security_protocol": "SASL_SSL"' in settings_text and '"alice"' in settings_text
    assert settings_text.count('"**********"') >= 3, settings_text  # password, key password, DB URL

    logs = {str(p): p.read_text(errors="replace") for p in [*harness.logs, *pipeline.sink_logs, *producers]}
    for where, text in logs.items():  # every client process logged in over SCRAM
        assert "Authenticated as alice via SCRAM-SHA-512" in text, where
    assert " [DEBUG] " in logs[str(harness.logs[0])]
    searched = logs | pages | {str(settings_out): settings_text}
    broker_output = [*cluster.directory.glob("*.log"), *cluster.directory.glob("*.out")]  # not *.properties
    searched |= {str(p): p.read_text(errors="replace") for p in broker_output}
    everything = secured.secrets | {"broker password": secured.broker_password}
    found = {where: hit for where, text in searched.items() if (hit := leaks(text, everything))}
    assert found == {}

    # ...and the same search finds a secret where it is meant to be
    jaas = cluster.node(1).properties_path.read_text()
    assert leaks(jaas, everything) == ["broker password"]
