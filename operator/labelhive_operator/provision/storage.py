"""S3 side of a project: its two buckets (with default encryption) and, where the backend has an IAM API,
an identity allowed only those buckets. Idempotent; reads before it writes."""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

# Error codes meaning "this S3 has no (writable) IAM API", as opposed to a failure of one that exists.
NO_IAM_CODES = {"NotImplemented", "InvalidAction", "MethodNotAllowed", "AccessDenied", "404", "405", "501"}


class StorageError(RuntimeError):
    """reason (CamelCase, for the condition) and a message that never contains credentials."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class S3Identity:
    access_key: str
    secret_key: str


_clients_lock = threading.Lock()


@functools.lru_cache(maxsize=128)
def _cached_client(service: str, endpoint: str, region: str, access_key: str, secret_key: str) -> Any:
    # Building a client costs ~0.1 s of CPU (service model loading), and boto3's default session is not
    # thread-safe while building: build once per identity and endpoint, under a lock; clients are thread-safe.
    with _clients_lock:
        return boto3.session.Session().client(
            service,
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=20,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=32,
            ),
        )


def _boto(service: str, endpoint: str, region: str, identity: S3Identity) -> Any:
    return _cached_client(service, endpoint, region, identity.access_key, identity.secret_key)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) or str(
        exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
    )


def _wrap(what: str, exc: Exception) -> StorageError:
    if isinstance(exc, ClientError):
        code = _code(exc)
        reason = (
            "S3AccessDenied"
            if code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
            else "S3Error"
        )
        return StorageError(reason, f"{what}: {code}: {exc.response.get('Error', {}).get('Message', '')}")
    return StorageError("S3Unreachable", f"{what}: {type(exc).__name__}: {exc}")


def encryption_rule(sse: str, kms_key_id: str | None) -> dict[str, Any] | None:
    if sse == "none":
        return None
    default: dict[str, Any] = {"SSEAlgorithm": sse}
    if sse == "aws:kms" and kms_key_id:
        default["KMSMasterKeyID"] = kms_key_id
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}


def ensure_buckets(
    endpoint: str, region: str, admin: S3Identity, buckets: list[str], sse: str, kms_key_id: str | None
) -> list[str]:
    """Create missing buckets and set their default encryption; returns the buckets it created."""
    s3 = _boto("s3", endpoint, region, admin)
    created = []
    rule = encryption_rule(sse, kms_key_id)
    for bucket in buckets:
        try:
            try:
                s3.head_bucket(Bucket=bucket)
            except ClientError as exc:
                if _code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                    raise
                try:
                    s3.create_bucket(Bucket=bucket)
                    created.append(bucket)
                except ClientError as create_exc:
                    if _code(create_exc) == "BucketAlreadyExists":
                        raise StorageError(
                            "BucketTaken", f"bucket {bucket} belongs to someone else"
                        ) from None
                    if _code(create_exc) != "BucketAlreadyOwnedByYou":
                        raise
            if rule is not None and _current_encryption(s3, bucket) != rule["Rules"][0]:
                s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=rule)
        except StorageError:
            raise
        except (ClientError, BotoCoreError) as exc:
            raise _wrap(f"bucket {bucket}", exc) from None
    return created


def _current_encryption(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError:
        return None
    rule = dict(rules[0]) if rules else {}
    rule.pop("BucketKeyEnabled", None)
    return rule or None


def bucket_policy(buckets: list[str], read_only: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything on the project's own buckets; list and read on the admin's import buckets."""
    resources = [f"arn:aws:s3:::{b}" for b in buckets] + [f"arn:aws:s3:::{b}/*" for b in buckets]
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": ["s3:*"], "Resource": resources}]
    extra = sorted(set(read_only) - set(buckets))
    if extra:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{b}" for b in extra] + [f"arn:aws:s3:::{b}/*" for b in extra],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def normalized_policy(doc: Any) -> Any:
    """Backends echo a one-element Action or Resource list as a string; compare as sorted lists."""
    if not isinstance(doc, dict):
        return doc

    def as_list(value: Any) -> list[Any]:
        return sorted(value) if isinstance(value, list) else [value]

    statements = [
        {**st, "Action": as_list(st.get("Action")), "Resource": as_list(st.get("Resource"))}
        for st in doc.get("Statement") or []
    ]
    return {**doc, "Statement": statements}


def ensure_scoped_identity(
    endpoint: str,
    region: str,
    admin: S3Identity,
    user: str,
    buckets: list[str],
    known: S3Identity | None,
    read_only: list[str] | tuple[str, ...] = (),
) -> S3Identity | None:
    """An IAM user allowed only `buckets`, reusing `known` when it is still one of its keys.

    None when the backend has no usable IAM API (the caller decides whether that is acceptable).
    """
    iam = _boto("iam", endpoint, region, admin)
    policy = json.dumps(bucket_policy(buckets, read_only))
    try:
        try:
            iam.get_user(UserName=user)
        except ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise
            iam.create_user(UserName=user)
        try:
            current = iam.get_user_policy(UserName=user, PolicyName="labelhive-project")["PolicyDocument"]
            if isinstance(current, str):
                current = json.loads(current)
        except ClientError:
            current = None
        if normalized_policy(current) != normalized_policy(json.loads(policy)):
            iam.put_user_policy(UserName=user, PolicyName="labelhive-project", PolicyDocument=policy)
        keys = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user).get("AccessKeyMetadata", [])}
        if known is not None and known.access_key in keys:
            return known
        key = iam.create_access_key(UserName=user)["AccessKey"]
        return S3Identity(key["AccessKeyId"], key["SecretAccessKey"])
    except ClientError as exc:
        if _code(exc) in NO_IAM_CODES:
            return None
        raise _wrap(f"IAM user {user}", exc) from None
    except BotoCoreError as exc:
        raise _wrap(f"IAM user {user}", exc) from None


def delete_scoped_identity(endpoint: str, region: str, admin: S3Identity, user: str) -> None:
    iam = _boto("iam", endpoint, region, admin)
    try:
        for key in iam.list_access_keys(UserName=user).get("AccessKeyMetadata", []):
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName=user, PolicyName="labelhive-project")
        iam.delete_user(UserName=user)
    except ClientError as exc:
        if _code(exc) in NO_IAM_CODES | {"NoSuchEntity"}:
            return
        raise _wrap(f"IAM user {user}", exc) from None
    except BotoCoreError as exc:
        raise _wrap(f"IAM user {user}", exc) from None


def delete_buckets(endpoint: str, region: str, admin: S3Identity, buckets: list[str]) -> None:
    """Empty and delete the buckets (deletionPolicy Delete). Missing buckets are fine."""
    s3 = _boto("s3", endpoint, region, admin)
    for bucket in buckets:
        try:
            paginator = s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            s3.delete_bucket(Bucket=bucket)
        except ClientError as exc:
            if _code(exc) in {"404", "NoSuchBucket", "NotFound"}:
                continue
            raise _wrap(f"bucket {bucket}", exc) from None
        except BotoCoreError as exc:
            raise _wrap(f"bucket {bucket}", exc) from None


def ping(endpoint: str, region: str, admin: S3Identity) -> None:
    """Raises StorageError unless the S3 endpoint answers with these credentials."""
    try:
        _boto("s3", endpoint, region, admin).list_buckets()
    except (ClientError, BotoCoreError) as exc:
        raise _wrap("S3 endpoint", exc) from None
