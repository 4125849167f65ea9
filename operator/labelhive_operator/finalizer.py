"""What happens outside Kubernetes when a LabelingProject is deleted: per spec.deletionPolicy, the buckets,
schema and role, and the project's RabbitMQ vhost and user, are kept (Retain, the default) or removed (Delete).
The admin Secrets are read from the operator's namespace, as in every reconcile. Kubernetes children need nothing here:
their owner references let the garbage collector remove them.

Never deletes on doubt: a missing admin Secret keeps the data (and says so); an unreachable service is retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelhive_operator.context import Context
from labelhive_operator.project import Project
from labelhive_operator.provision import broker, database, storage
from labelhive_operator.provision.queue import QueueError


class RetryLater(RuntimeError):
    pass


@dataclass(frozen=True)
class Released:
    deleted: bool
    message: str


def release(ctx: Context, project: Project) -> Released:
    kept = (
        f"buckets {project.source_bucket}, {project.target_bucket}, schema {project.schema} "
        f"and role {project.role}"
    )
    if project.spec.deletion_policy == "Retain":
        return Released(False, f"{kept} are kept (deletionPolicy Retain)")
    spec = project.spec
    s3 = ctx.read_secret(ctx.config.namespace, spec.storage.credentials_secret) or {}
    pg = ctx.read_secret(ctx.config.namespace, spec.database.admin_secret) or {}
    amqp = ctx.read_secret(ctx.config.namespace, spec.queue.amqp_secret) or {}
    if not (s3.get("accessKey") and s3.get("secretKey") and pg.get("url")):
        return Released(False, f"{kept} are kept: the admin Secrets needed to delete them are gone")
    admin = storage.S3Identity(s3["accessKey"], s3["secretKey"])
    try:
        # Both services must answer before anything is deleted: no half-deleted project.
        storage.ping(spec.storage.endpoint, spec.storage.region, admin)
        database.ping(pg["url"])
        storage.delete_buckets(
            spec.storage.endpoint, spec.storage.region, admin, [project.source_bucket, project.target_bucket]
        )
        storage.delete_scoped_identity(spec.storage.endpoint, spec.storage.region, admin, project.iam_user)
        database.drop_role_and_schema(pg["url"], project.role, project.schema)
        if amqp.get("managementUrl"):
            broker.delete_project_broker(amqp["managementUrl"], project.broker_vhost, project.broker_vhost)
    except (storage.StorageError, database.DatabaseError, QueueError) as exc:
        raise RetryLater(f"{exc.reason}: {exc}") from None
    return Released(True, f"{kept} were deleted (deletionPolicy Delete)")
