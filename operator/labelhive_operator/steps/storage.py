"""Step 1, StorageReady: source and target buckets (encrypted), and the project's own S3 identity limited
to them when the backend has a usable IAM API."""

from __future__ import annotations

from labelhive_operator import conditions as c
from labelhive_operator.project import Project
from labelhive_operator.provision import storage
from labelhive_operator.render import app_env
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps.common import fail

SCOPED_IDENTITY = "buckets ready; the project has its own S3 identity limited to its buckets"
NO_IAM = (
    "buckets ready; the S3 backend has no usable IAM API, so the project uses the credentialsSecret identity"
)
SHARED_IDENTITY = "buckets ready; the project uses the credentialsSecret identity"


def storage_step(
    project: Project,
    runtime: ProjectRuntime,
    existing_app: dict[str, str] | None,
    fresh: bool,
    s3_secret: dict[str, str],
) -> tuple[c.Condition, storage.S3Identity]:
    """The condition and the S3 identity the app gets. `fresh`: checked a moment ago, not again."""
    spec = project.spec
    admin = storage.S3Identity(s3_secret["accessKey"], s3_secret["secretKey"])
    identity = admin
    message = runtime.storage_message or SHARED_IDENTITY
    known = None
    if existing_app and existing_app.get(app_env.S3_ACCESS_KEY) not in (None, admin.access_key):
        known = storage.S3Identity(
            existing_app[app_env.S3_ACCESS_KEY], existing_app.get(app_env.S3_SECRET_KEY, "")
        )
    buckets = [project.source_bucket, project.target_bucket]
    if fresh and known is not None:
        identity = known
        message = SCOPED_IDENTITY
    elif not fresh:
        try:
            storage.ensure_buckets(
                spec.storage.endpoint,
                spec.storage.region,
                admin,
                buckets,
                spec.storage.server_side_encryption,
                spec.storage.kms_key_id,
            )
            if spec.storage.scoped_credentials != "Disabled":
                scoped = storage.ensure_scoped_identity(
                    spec.storage.endpoint,
                    spec.storage.region,
                    admin,
                    project.iam_user,
                    buckets,
                    known,
                    read_only=spec.storage.import_bucket_names,
                )
                if scoped is not None:
                    identity = scoped
                    message = SCOPED_IDENTITY
                elif spec.storage.scoped_credentials == "Required":
                    raise fail(
                        c.STORAGE_READY,
                        "NoIAMAPI",
                        "scopedCredentials is Required but the S3 backend has no usable IAM API",
                    )
                else:
                    message = NO_IAM
        except storage.StorageError as exc:
            raise fail(c.STORAGE_READY, exc.reason, str(exc)) from None
        runtime.storage_message = message
    return c.Condition(c.STORAGE_READY, True, "BucketsReady", message), identity
