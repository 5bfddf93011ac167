"""TLS and SASL/SCRAM for a :class:`~streams.embedded.kafka.KafkaCluster` (tests of secured clients).

    security = KafkaSecurity(keystore, truststore, broker_password, users={"alice": password})
    cluster = KafkaCluster(1, **security.cluster_kwargs())

The client listener becomes ``SASL_SSL`` with one SCRAM mechanism; brokers also talk to
each other on it, authenticating as ``broker_user``. SCRAM credentials of every user (and
of the broker user) are written into the metadata log when storage is formatted
(``kafka-storage format --add-scram``), so they exist before the first node starts. The
KRaft ``CONTROLLER`` listener stays ``PLAINTEXT`` on its own port: clients never use it.

Key material is PEM (``ssl.keystore.type=PEM``, no keytool): ``keystore`` holds the
brokers' unencrypted PKCS#8 private key followed by their certificate chain, whose
certificate must name the cluster's host (a SAN IP ``127.0.0.1``); ``truststore`` holds the
CA certificates brokers trust, for each other and, with ``client_auth="required"``, for
clients' certificates. Passwords are written in clear into the nodes' properties files and
the format command line: this is test infrastructure, not a deployment recipe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: characters a SCRAM name or password may use here: they are embedded unquoted in
#: ``--add-scram 'MECH=[name=…,password=…]'`` and quoted in a JAAS line
_SAFE = re.compile(r"^[A-Za-z0-9_.~-]+$")


@dataclass(frozen=True)
class KafkaSecurity:
    """A ``SASL_SSL`` client listener with SCRAM users and PEM key material."""

    keystore: Path
    truststore: Path
    broker_password: str
    users: Mapping[str, str] = field(default_factory=dict)
    broker_user: str = "broker"
    mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    client_auth: Literal["none", "requested", "required"] = "none"

    listener = "SASL_SSL"

    @property
    def logins(self) -> dict[str, str]:
        """Every SCRAM user (name → password), the brokers' own included."""
        return {**self.users, self.broker_user: self.broker_password}

    def __post_init__(self) -> None:
        for name, password in self.logins.items():
            if not _SAFE.match(name) or not _SAFE.match(password):
                raise ValueError(f"SCRAM user {name!r}: names and passwords may use only [A-Za-z0-9_.~-]")

    def properties(self) -> dict[str, str]:
        """Broker properties: SASL mechanism, the broker's own JAAS login, PEM stores."""
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{self.broker_user}" password="{self.broker_password}";'
        )
        prefix = f"listener.name.{self.listener.lower()}.{self.mechanism.lower()}"
        return {
            "sasl.enabled.mechanisms": self.mechanism,
            "sasl.mechanism.inter.broker.protocol": self.mechanism,
            f"{prefix}.sasl.jaas.config": jaas,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.truststore),
            # KIP-684: a SASL_SSL listener ignores the broker-wide ssl.client.auth
            f"listener.name.{self.listener.lower()}.ssl.client.auth": self.client_auth,
        }

    def format_args(self) -> list[str]:
        """``--add-scram`` arguments of ``kafka-storage format``: every user and the broker."""
        args: list[str] = []
        for name, password in self.logins.items():
            args += ["--add-scram", f"{self.mechanism}=[name={name},password={password}]"]
        return args

    def cluster_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`~streams.embedded.kafka.KafkaCluster` for this security."""
        return {
            "listener": self.listener,
            "extra_properties": self.properties(),
            "format_args": self.format_args(),
        }
