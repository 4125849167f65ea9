"""A LabelingProject as the operator reads it: the spec with defaults applied, and the names derived from it.

Pure: no Kubernetes, no I/O. The CRD applies the same defaults on the server; repeating them here keeps
rendering correct for objects created before a default existed, and makes the renderers testable alone.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

GROUP = "labelhive.io"
VERSION = "v1alpha1"
KIND = "LabelingProject"
PLURAL = "labelingprojects"
API_VERSION = f"{GROUP}/{VERSION}"
FIELD_MANAGER = "labelhive-operator"
MANAGED_BY = "labelhive-operator"
LABEL_PROJECT = "labelhive.io/project"
LABEL_COMPONENT = "app.kubernetes.io/component"


# Where cluster pods (the ingress controller among them) usually live; a manifest can name its own.
DEFAULT_TRUSTED_PROXIES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8")


class _Spec(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class Ingress(_Spec):
    host: str
    extra_hosts: list[str] = Field(default_factory=list)
    class_name: str | None = None
    tls_secret: str | None = None
    annotations: dict[str, str] = Field(default_factory=dict)
    trusted_proxies: list[str] = Field(default_factory=lambda: list(DEFAULT_TRUSTED_PROXIES))
    # Uploads (images, zip archives) and slow exports pass the controller: rendered per known controller.
    max_body_size_mb: int = Field(1024, alias="maxBodySizeMB")
    timeout_seconds: int = 600

    @property
    def hosts(self) -> list[str]:
        return list(dict.fromkeys([self.host, *self.extra_hosts]))

    @property
    def scheme(self) -> str:
        return "https" if self.tls_secret else "http"


class Storage(_Spec):
    endpoint: str
    public_endpoints: list[str] = Field(default_factory=list)
    region: str = "us-east-1"
    credentials_secret: str
    server_side_encryption: Literal["none", "AES256", "aws:kms"] = "none"
    kms_key_id: str | None = None
    scoped_credentials: Literal["Auto", "Required", "Disabled"] = "Auto"
    image_delivery: Literal["presigned", "proxy"] = "presigned"
    source_bucket: str | None = None
    target_bucket: str | None = None
    import_buckets: list[str] = Field(default_factory=list)

    @property
    def import_bucket_names(self) -> list[str]:
        return sorted({entry.split("/", 1)[0] for entry in self.import_buckets if entry.strip()})


class Database(_Spec):
    admin_secret: str
    connection_limit: int = 20
    schema_: str | None = Field(None, alias="schema")


class Queue(_Spec):
    amqp_secret: str = "rabbitmq"
    name: str | None = None


class Component(_Spec):
    replicas: int = 1
    image: str | None = None


class ApiComponent(Component):
    replicas: int = 2


class Gpu(_Spec):
    resource: str = "nvidia.com/gpu"
    count: int = 1


class Checkpoint(_Spec):
    claim_name: str
    path: str


class Interactive(_Spec):
    """The click-to-segment endpoint (`labelhive-worker serve`): always on, CPU unless gpu is set."""

    replicas: int = 1
    gpu: bool = False


class Prelabel(_Spec):
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"] = "mobile-sam"
    checkpoint: Checkpoint | None = None
    image: str | None = None
    # LABELHIVE_MODEL_RUNTIME of the worker pods; None: the image's own (torch images torch, the CPU image onnx).
    runtime: Literal["torch", "onnx"] | None = None
    gpu: Gpu = Field(default_factory=Gpu)
    min_replicas: int = 0
    max_replicas: int = 4
    target_queue_length: int = 20
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[dict[str, Any]] = Field(default_factory=list)
    affinity: dict[str, Any] | None = None
    interactive: Interactive = Field(default_factory=Interactive)

    @model_validator(mode="after")
    def _onnx_on_cpu(self) -> Prelabel:
        if self.runtime == "onnx" and (self.gpu.count > 0 or self.interactive.gpu):
            raise ValueError("the onnx runtime runs on CPU only (gpu.count 0, interactive.gpu false)")
        return self


class Auth(_Spec):
    signup: Literal["invite-only", "open"] = "invite-only"
    admins: list[str] = Field(default_factory=list)


class ProjectSpec(_Spec):
    display_name: str | None = None
    outbound_allow: list[str] = Field(default_factory=list)
    locale: Literal["zh-CN", "en"] = "en"
    ingress: Ingress
    storage: Storage
    database: Database
    queue: Queue = Field(default_factory=Queue)
    api: ApiComponent = Field(default_factory=ApiComponent)
    ui: Component = Field(default_factory=Component)
    prelabel: Prelabel = Field(default_factory=Prelabel)
    auth: Auth = Field(default_factory=Auth)
    deletion_policy: Literal["Retain", "Delete"] = "Retain"


def _short(base: str, suffix: str, limit: int, sep: str) -> str:
    """base + suffix within limit characters; a hash of the full name keeps shortened names unique."""
    full = base + suffix
    if len(full) <= limit:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return base[: limit - len(suffix) - len(digest) - 1] + sep + digest + suffix


class Project:
    """One LabelingProject: identity (namespace, name, uid, generation) plus the parsed spec."""

    def __init__(self, body: dict[str, Any]) -> None:
        meta = body.get("metadata", {})
        self.namespace: str = meta["namespace"]
        self.name: str = meta["name"]
        self.uid: str = meta.get("uid", "")
        self.generation: int = int(meta.get("generation") or 0)
        self.spec = ProjectSpec.model_validate(body.get("spec") or {})
        self.status: dict[str, Any] = dict(body.get("status") or {})

    # Kubernetes children
    @property
    def app_secret(self) -> str:
        return f"{self.name}-app"

    def child(self, component: str) -> str:
        return f"{self.name}-{component}"

    @property
    def labels(self) -> dict[str, str]:
        return {
            "app.kubernetes.io/name": "labelhive",
            "app.kubernetes.io/instance": self.name,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            LABEL_PROJECT: self.name,
        }

    def selector(self, component: str) -> dict[str, str]:
        return {"app.kubernetes.io/instance": self.name, LABEL_COMPONENT: component}

    @property
    def owner_reference(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }

    # Things outside Kubernetes
    @property
    def source_bucket(self) -> str:
        return self.spec.storage.source_bucket or _bucket(self.namespace, self.name, "source")

    @property
    def target_bucket(self) -> str:
        return self.spec.storage.target_bucket or _bucket(self.namespace, self.name, "target")

    @property
    def schema(self) -> str:
        return self.spec.database.schema_ or _identifier(f"lh_{self.namespace}_{self.name}")

    @property
    def role(self) -> str:
        return self.schema

    @property
    def queue(self) -> str:
        return self.spec.queue.name or f"labelhive.{self.namespace}.{self.name}.prelabel"

    @property
    def broker_vhost(self) -> str:
        """The project's own RabbitMQ virtual host; its user has the same name."""
        return f"labelhive.{self.namespace}.{self.name}"

    @property
    def public_urls(self) -> list[str]:
        return [f"{self.spec.ingress.scheme}://{host}" for host in self.spec.ingress.hosts]

    @property
    def iam_user(self) -> str:
        return _short(f"labelhive-{self.namespace}-{self.name}", "", 64, "-")


def _bucket(namespace: str, name: str, kind: str) -> str:
    base = re.sub(r"[^a-z0-9-]", "-", f"lh-{namespace}-{name}".lower())
    return _short(base, f"-{kind}", 63, "-")


def _identifier(raw: str) -> str:
    return _short(re.sub(r"[^a-z0-9_]", "_", raw.lower()), "", 63, "_")
