"""Worker settings from LABELHIVE_* environment variables, checked once at startup (one line per error)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from labelhive_outbound import OutboundPolicy
from labelhive_outbound.policy import ENV_ALLOW, ENV_PUBLIC, public_from_env

from labelhive_worker.errors import ConfigError
from labelhive_worker.queues import DELIVERY_LIMIT

MODELS = ("mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h")
MOBILE_SAM_SHA256 = "6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f"
# Official checkpoints carry the first hex digits of their sha256 in the file name (torch.hub convention).
OFFICIAL_SHA256_PREFIX = {"sam-vit-b": "01ec64", "sam-vit-l": "0b3195", "sam-vit-h": "4b8939"}
DEVICES = ("auto", "cpu", "cuda")
# torch: model_handler.SamModel on the .pt checkpoint; onnx: onnx_model.OnnxSamModel on an ONNX export directory.
RUNTIMES = ("torch", "onnx")
ONNX_EXPORT_DIR = {
    "mobile-sam": "mobile_sam-onnx"
}  # default export directories under $LABELHIVE_CACHE/models


def default_checkpoint_dir() -> Path:
    base = os.environ.get("LABELHIVE_CACHE") or str(Path.home() / ".cache" / "labelhive")
    return Path(base) / "models"


@dataclass(frozen=True)
class S3Settings:
    endpoint: str | None
    access_key: str | None
    secret_key: str | None
    region: str
    source_bucket: str | None
    target_bucket: str | None


@dataclass(frozen=True)
class WorkerSettings:
    amqp_url: str
    queue: str
    model: str
    checkpoint: Path
    checkpoint_sha256: str | None
    device: str
    max_image_pixels: int
    api_url: str
    api_token: str
    s3: S3Settings
    max_retries: int = 3
    max_redeliveries: int = 3
    batch_size: int = 1
    retry_backoff_s: float = 2.0
    image_timeout_s: float = 30.0
    metrics_port: int = 9808
    interactive_port: int = 8090
    embedding_cache: bool = True
    runtime: str = "torch"
    # LABELHIVE_OUTBOUND_ALLOW: private networks / hosts image URLs may reach (the API's same setting).
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}.dead"

    @property
    def results_url(self) -> str:
        return self.api_url.rstrip("/") + "/api/v1/prelabel/results"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be >= {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise ConfigError(f"{name}={value} must be >= 0")
    return value


def load_settings(env: Mapping[str, str] | None = None, *, need_broker: bool = True) -> WorkerSettings:
    """Read and check the settings; raises ConfigError with one line on the first problem."""
    env = os.environ if env is None else env
    model = env.get("LABELHIVE_MODEL", "mobile-sam").strip()
    if model not in MODELS:
        raise ConfigError(f"LABELHIVE_MODEL={model!r} is not a known model ({', '.join(MODELS)})")
    device = env.get("LABELHIVE_DEVICE", "auto").strip() or "auto"
    if device not in DEVICES:
        raise ConfigError(f"LABELHIVE_DEVICE={device!r} must be one of {', '.join(DEVICES)}")

    runtime = env.get("LABELHIVE_MODEL_RUNTIME", "torch").strip() or "torch"
    if runtime not in RUNTIMES:
        raise ConfigError(f"LABELHIVE_MODEL_RUNTIME={runtime!r} must be one of {', '.join(RUNTIMES)}")
    if runtime == "onnx" and device == "cuda":
        raise ConfigError(
            "LABELHIVE_DEVICE=cuda: the onnx runtime (LABELHIVE_MODEL_RUNTIME=onnx) runs on CPU only"
        )

    raw_ckpt = env.get("LABELHIVE_MODEL_CHECKPOINT", "").strip()
    if raw_ckpt:
        checkpoint = Path(raw_ckpt)
    elif runtime == "onnx" and model in ONNX_EXPORT_DIR:
        checkpoint = default_checkpoint_dir() / ONNX_EXPORT_DIR[model]
    elif runtime == "torch" and model == "mobile-sam":
        checkpoint = default_checkpoint_dir() / "mobile_sam.pt"
    else:
        what = "an ONNX export directory" if runtime == "onnx" else "a mounted checkpoint file"
        raise ConfigError(f"LABELHIVE_MODEL_CHECKPOINT is required for {model} ({what})")
    if runtime == "torch" and not checkpoint.is_file():
        raise ConfigError(f"LABELHIVE_MODEL_CHECKPOINT: checkpoint file {checkpoint} does not exist")
    if runtime == "onnx" and not (checkpoint / "manifest.json").is_file():
        raise ConfigError(
            f"LABELHIVE_MODEL_CHECKPOINT: {checkpoint} is not an ONNX export directory with a manifest.json"
            " (LABELHIVE_MODEL_RUNTIME=onnx)"
        )
    sha = env.get("LABELHIVE_MODEL_CHECKPOINT_SHA256", "").strip().lower() or None
    if model == "mobile-sam":
        sha = sha or MOBILE_SAM_SHA256

    amqp_url = env.get("LABELHIVE_AMQP_URL", "").strip()
    queue = env.get("LABELHIVE_PRELABEL_QUEUE", "").strip()
    if need_broker:
        if not amqp_url.startswith(("amqp://", "amqps://")):
            raise ConfigError("LABELHIVE_AMQP_URL must be an amqp:// or amqps:// URL")
        if not queue:
            raise ConfigError("LABELHIVE_PRELABEL_QUEUE is required (the project's pre-label queue)")
    api_url = env.get("LABELHIVE_API_URL", "").strip()
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("LABELHIVE_API_URL must be the API's http(s) base URL (results are POSTed there)")
    api_token = env.get("LABELHIVE_API_TOKEN", "").strip()
    if not api_token:
        raise ConfigError("LABELHIVE_API_TOKEN is required (bearer token for the results endpoint)")

    cache = env.get("LABELHIVE_EMBEDDING_CACHE", "s3").strip() or "s3"
    if cache not in ("s3", "off"):
        raise ConfigError(f"LABELHIVE_EMBEDDING_CACHE={cache!r} must be s3 or off")
    s3 = S3Settings(
        endpoint=env.get("LABELHIVE_S3_ENDPOINT") or None,
        access_key=env.get("LABELHIVE_S3_ACCESS_KEY") or None,
        secret_key=env.get("LABELHIVE_S3_SECRET_KEY") or None,
        region=env.get("LABELHIVE_S3_REGION") or "us-east-1",
        source_bucket=env.get("LABELHIVE_S3_SOURCE_BUCKET") or None,
        target_bucket=env.get("LABELHIVE_S3_TARGET_BUCKET") or None,
    )
    if cache == "s3" and not s3.target_bucket:
        raise ConfigError(
            "LABELHIVE_S3_TARGET_BUCKET is required for the embedding cache (or set LABELHIVE_EMBEDDING_CACHE=off)"
        )
    return WorkerSettings(
        amqp_url=amqp_url,
        queue=queue,
        model=model,
        checkpoint=checkpoint,
        checkpoint_sha256=sha,
        device=device,
        max_image_pixels=_int(env, "LABELHIVE_MAX_IMAGE_PIXELS", 100_000_000, minimum=1),
        api_url=api_url.rstrip("/"),
        api_token=api_token,
        s3=s3,
        max_retries=_int(env, "LABELHIVE_MAX_RETRIES", 3),
        max_redeliveries=_redeliveries(env),
        batch_size=_int(env, "LABELHIVE_BATCH_SIZE", 1, minimum=1),
        retry_backoff_s=_float(env, "LABELHIVE_RETRY_BACKOFF_S", 2.0),
        image_timeout_s=_float(env, "LABELHIVE_IMAGE_TIMEOUT_S", 30.0),
        metrics_port=_int(env, "LABELHIVE_METRICS_PORT", 9808),
        interactive_port=_int(env, "LABELHIVE_INTERACTIVE_PORT", 8090),
        embedding_cache=cache == "s3",
        runtime=runtime,
        outbound=_outbound(env),
    )


def _redeliveries(env: Mapping[str, str]) -> int:
    value = _int(env, "LABELHIVE_MAX_REDELIVERIES", 3)
    if value >= DELIVERY_LIMIT:
        raise ConfigError(
            f"LABELHIVE_MAX_REDELIVERIES={value} must be below the queue's x-delivery-limit {DELIVERY_LIMIT}"
            " (else RabbitMQ dead-letters the message before the worker can report it)"
        )
    return value


def _outbound(env: Mapping[str, str]) -> OutboundPolicy:
    try:
        return OutboundPolicy.parse(env.get(ENV_ALLOW, ""), allow_public=public_from_env(env.get(ENV_PUBLIC)))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
