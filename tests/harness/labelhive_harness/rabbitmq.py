"""A private RabbitMQ broker on loopback (Debian's rabbitmq-server), or the one in the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from labelhive_harness.common import (
    HarnessError,
    ensure_debian_packages,
    free_port,
    port_bindable,
    port_open,
    run_dir,
    stop_process,
    wait_for,
)

ENV_URL = "LABELHIVE_TEST_AMQP_URL"
ENV_MANAGEMENT_URL = "LABELHIVE_TEST_RABBITMQ_MANAGEMENT_URL"
SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


@dataclass
class RabbitMQ:
    """`url` is an AMQP URL; `management_url` the HTTP API (queue depth) with the same credentials."""

    url: str
    management_url: str
    user: str
    password: str
    port: int
    log: Path | None = None
    host: str = "127.0.0.1"
    _env: dict[str, str] = field(default_factory=dict, repr=False)
    _prefix: list[str] = field(default_factory=list, repr=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """(Re)start the broker on the same ports and data: durable queues survive a restart."""
        if not self._env:
            raise HarnessError("this RabbitMQ was not started by the harness; it cannot be restarted")
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [*self._prefix, "env", *[f"{k}={v}" for k, v in self._env.items()], SERVER],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._amqp_ready, what="RabbitMQ", timeout=300, log=self.log, process=self._process)

    def _amqp_ready(self) -> bool:
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1"))
        connection.close()
        return True

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process, timeout=30)
            # A restart reuses the port: wait until the old listener has really let go of it.
            wait_for(
                lambda: port_bindable(self.port, self.host),
                what="RabbitMQ shutdown",
                timeout=60,
                log=self.log,
            )

    def close(self) -> None:
        """Stop the broker for good, with the epmd daemon Erlang started beside it."""
        self.stop()
        if self._env:
            subprocess.run(
                [*self._prefix, "env", f"ERL_EPMD_PORT={self._env['ERL_EPMD_PORT']}", "epmd", "-kill"],
                capture_output=True,
                check=False,
            )


def start_rabbitmq(host: str = "127.0.0.1") -> RabbitMQ:
    if url := os.environ.get(ENV_URL):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return RabbitMQ(
            url=url,
            management_url=os.environ.get(ENV_MANAGEMENT_URL, ""),
            user=parts.username or "guest",
            password=parts.password or "guest",
            port=parts.port or 5672,
        )
    ensure_debian_packages({SERVER: "rabbitmq-server"})
    # Free ports are picked before the broker binds them; another process may take one meanwhile.
    for attempt in range(3):
        try:
            return _start_private_broker(host)
        except HarnessError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_private_broker(host: str) -> RabbitMQ:
    data = run_dir("rabbitmq")
    user, password = "labelhive", secrets.token_hex(12)
    amqp, dist, epmd, mgmt = free_port(), free_port(), free_port(), free_port()
    (data / "rabbitmq.conf").write_text(
        "\n".join(
            [
                f"default_user = {user}",
                f"default_pass = {password}",
                "loopback_users = none",
                f"listeners.tcp.1 = {host}:{amqp}",
                f"management.tcp.port = {mgmt}",
                f"management.tcp.ip = {host}",
                "disk_free_limit.absolute = 50MB",
                "",
            ]
        )
    )
    (data / "enabled_plugins").write_text("[rabbitmq_management].\n")
    env = {
        "HOME": str(data),
        "RABBITMQ_NODENAME": f"lh{amqp}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": host,
        "RABBITMQ_NODE_PORT": str(amqp),
        "RABBITMQ_DIST_PORT": str(dist),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "ERL_EPMD_PORT": str(epmd),
        "RABBITMQ_CONFIG_FILE": str(data / "rabbitmq.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(data / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(data / "mnesia"),
        "RABBITMQ_LOG_BASE": str(data / "log"),
        "RABBITMQ_LOGS": str(data / "log" / "rabbit.log"),
        "RABBITMQ_PID_FILE": str(data / "rabbit.pid"),
        "RABBITMQ_SERVER_ERL_ARGS": "+S 2:2 +A 8",
    }
    prefix: list[str] = []
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(data)], check=True)
        prefix = ["runuser", "-u", "rabbitmq", "--"]
    broker = RabbitMQ(
        url=f"amqp://{user}:{password}@{host}:{amqp}/%2F",
        management_url=f"http://{user}:{password}@{host}:{mgmt}",
        user=user,
        password=password,
        port=amqp,
        host=host,
        log=data / "startup.log",
        _env=env,
        _prefix=prefix,
    )
    try:
        broker.start()
        wait_for(lambda: port_open(mgmt, host), what="RabbitMQ management API", timeout=60, log=broker.log)
    except HarnessError:
        broker.close()
        raise
    return broker
