"""The environment the operator renders is exactly the contract's, secrets only by reference, pools bounded."""

import base64
import re
from pathlib import Path

import pytest
from labelhive_operator.render import app_env
from labelhive_operator.render.app_env import ConnectionLimitTooLow, PoolPlan, plan_pool
from operator_samples import REPO, sample_project

CONTRACT = (REPO / "contracts" / "README.md").read_text()
CONTRACT_VARS = set(re.findall(r"LABELHIVE_[A-Z0-9_]*[A-Z0-9]", CONTRACT))


def _names(env):
    return [e["name"] for e in env]


def test_api_env_is_the_contract():
    env = app_env.build_api_env(sample_project(), PoolPlan(3, 3))
    names = _names(env)
    assert len(names) == len(set(names)), "no variable twice"
    assert set(names) <= CONTRACT_VARS, set(names) - CONTRACT_VARS
    values = {e["name"]: e.get("value") for e in env}
    assert values["LABELHIVE_ENVIRONMENT"] == "production"
    assert values["LABELHIVE_STORAGE_BACKEND"] == "s3"
    assert values["LABELHIVE_DATABASE_SCHEMA"] == "lh_factory_a_weld_defects"
    assert values["LABELHIVE_DATABASE_POOL_SIZE"] == "3"
    assert (
        values["LABELHIVE_PUBLIC_URLS"]
        == "http://weld.factory-a.example.com,http://weld.intranet.factory-a.local"
    )
    assert values["LABELHIVE_S3_PUBLIC_ENDPOINTS"] == "https://s3.factory-a.example.com,http://10.0.0.5:8333"
    assert values["LABELHIVE_BOOTSTRAP_ADMIN_EMAIL"] == "lead@factory-a.example.com"
    assert (
        values["LABELHIVE_INTERACTIVE_URL"]
        == "http://weld-defects-interactive.factory-a.svc.cluster.local:8090"
    )
    assert values["LABELHIVE_PRELABEL_QUEUE"] == "labelhive.factory-a.weld-defects.prelabel"
    worker_token = next(e for e in env if e["name"] == "LABELHIVE_WORKER_TOKEN")
    assert worker_token["valueFrom"]["secretKeyRef"]["key"] == "LABELHIVE_API_TOKEN", "the worker's token"


@pytest.mark.parametrize(
    "build",
    [
        lambda p: app_env.build_api_env(p, PoolPlan(1, 1)),
        lambda p: app_env.build_worker_env(p, "cluster.local"),
        app_env.build_migration_env,
    ],
)
def test_secrets_reach_pods_only_by_reference(build):
    env = build(sample_project())
    for entry in env:
        if entry["name"] in app_env.SECRET_KEYS or entry["name"] == app_env.WORKER_TOKEN:
            assert "value" not in entry
            ref = entry["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "weld-defects-app"
            assert ref["key"] == (
                app_env.API_TOKEN if entry["name"] == app_env.WORKER_TOKEN else entry["name"]
            )


def test_worker_env_is_the_contract():
    env = app_env.build_worker_env(sample_project(), "cluster.local")
    names = set(_names(env))
    assert names <= CONTRACT_VARS
    assert {
        "LABELHIVE_AMQP_URL",
        "LABELHIVE_PRELABEL_QUEUE",
        "LABELHIVE_API_URL",
        "LABELHIVE_API_TOKEN",
    } <= names
    assert "LABELHIVE_DATABASE_URL" not in names, "workers talk to the API, never to the database"
    values = {e["name"]: e.get("value") for e in env}
    assert values["LABELHIVE_DEVICE"] == "cuda"
    assert values["LABELHIVE_MODEL"] == "mobile-sam"
    assert values["LABELHIVE_API_URL"] == "http://weld-defects-api.factory-a.svc.cluster.local:8000"
    assert "LABELHIVE_MODEL_CHECKPOINT" not in values


def test_official_sam_gets_its_checkpoint_path_and_cpu_workers_say_cpu():
    project = sample_project(
        prelabel={
            "model": "sam-vit-b",
            "checkpoint": {"claimName": "sam", "path": "sam_vit_b.pth"},
            "gpu": {"count": 0},
        }
    )
    values = {e["name"]: e.get("value") for e in app_env.build_worker_env(project, "cluster.local")}
    assert values["LABELHIVE_MODEL_CHECKPOINT"] == "/models/sam_vit_b.pth"
    assert values["LABELHIVE_DEVICE"] == "cpu"


def test_the_model_runtime_is_rendered_only_when_the_manifest_names_it():
    default = {e["name"] for e in app_env.build_worker_env(sample_project(), "cluster.local")}
    assert "LABELHIVE_MODEL_RUNTIME" not in default, "the image's own default applies"
    project = sample_project(prelabel={"runtime": "onnx", "gpu": {"count": 0}})
    for env in (
        app_env.build_worker_env(project, "cluster.local"),
        app_env.build_interactive_env(project, "cluster.local"),
    ):
        values = {e["name"]: e.get("value") for e in env}
        assert set(values) <= CONTRACT_VARS, set(values) - CONTRACT_VARS
        assert (values["LABELHIVE_MODEL_RUNTIME"], values["LABELHIVE_DEVICE"]) == ("onnx", "cpu")


def test_onnx_on_a_gpu_is_refused():
    for prelabel in (
        {"runtime": "onnx"},
        {"runtime": "onnx", "gpu": {"count": 0}, "interactive": {"gpu": True}},
    ):
        with pytest.raises(ValueError, match="onnx runtime runs on CPU only"):
            sample_project(prelabel=prelabel)


def test_kms_key_only_with_kms():
    project = sample_project(
        storage={
            "endpoint": "https://s3",
            "credentialsSecret": "s",
            "serverSideEncryption": "aws:kms",
            "kmsKeyId": "k1",
        }
    )
    values = {e["name"]: e.get("value") for e in app_env.build_api_env(project, PoolPlan(1, 0))}
    assert values["LABELHIVE_S3_SSE"] == "aws:kms"
    assert values["LABELHIVE_S3_SSE_KMS_KEY_ID"] == "k1"
    assert values["LABELHIVE_S3_PUBLIC_ENDPOINTS"] == "https://s3", "public endpoints default to the endpoint"


def test_app_secret_holds_every_key_base64_and_refuses_gaps():
    values = {key: f"value-of-{key}" for key in app_env.SECRET_KEYS}
    secret = app_env.build_app_secret(sample_project(), values)
    assert secret["metadata"]["name"] == "weld-defects-app"
    assert secret["metadata"]["ownerReferences"][0]["kind"] == "LabelingProject"
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == values
    with pytest.raises(ValueError, match="LABELHIVE_SECRET_KEY"):
        app_env.build_app_secret(sample_project(), {**values, app_env.SECRET_KEY: ""})


@pytest.mark.parametrize("limit", [3, 4, 5, 10, 20, 21, 100, 1000])
@pytest.mark.parametrize("replicas", [1, 2, 3, 5, 10])
def test_pool_times_replicas_stays_under_the_connection_limit(limit, replicas):
    try:
        plan = plan_pool(limit, replicas)
    except ConnectionLimitTooLow as exc:
        assert limit - 2 < replicas + 1
        assert "connectionLimit" in str(exc)
        return
    assert plan.pool_size >= 1 and plan.max_overflow >= 0
    # every replica plus one surging during a rollout, the migration Job and one admin session
    assert plan.per_process * (replicas + 1) + 2 <= limit


def test_contract_file_is_where_the_test_reads_it():
    assert Path(REPO / "contracts" / "README.md").is_file() and "LABELHIVE_PUBLIC_URLS" in CONTRACT_VARS


def test_proxies_import_buckets_and_outbound_allow_reach_the_app_and_workers():
    default = {e["name"]: e.get("value", "") for e in app_env.build_api_env(sample_project(), PoolPlan(1, 1))}
    assert default["LABELHIVE_TRUSTED_PROXIES"] == "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8"
    assert default["LABELHIVE_S3_IMPORT_BUCKETS"] == "" and default["LABELHIVE_OUTBOUND_ALLOW"] == ""
    project = sample_project(
        ingress={"host": "weld.factory-a.example.com", "trustedProxies": ["10.42.0.0/16"]},
        storage={
            "endpoint": "http://seaweedfs.storage:8333",
            "credentialsSecret": "s3-admin",
            "importBuckets": ["line-cameras", "shared/weld/"],
        },
        outboundAllow=["10.0.5.0/24", "minio.storage.svc"],
    )
    api = {e["name"]: e.get("value") for e in app_env.build_api_env(project, PoolPlan(1, 1))}
    worker = {e["name"]: e.get("value") for e in app_env.build_worker_env(project, "cluster.local")}
    assert api["LABELHIVE_TRUSTED_PROXIES"] == "10.42.0.0/16"
    assert api["LABELHIVE_S3_IMPORT_BUCKETS"] == "line-cameras,shared/weld/"
    assert (
        api["LABELHIVE_OUTBOUND_ALLOW"]
        == worker["LABELHIVE_OUTBOUND_ALLOW"]
        == "10.0.5.0/24,minio.storage.svc"
    )
    assert project.spec.storage.import_bucket_names == ["line-cameras", "shared"]


def test_the_scoped_identity_may_only_read_the_import_buckets():
    from labelhive_operator.provision.storage import bucket_policy

    assert bucket_policy(["a-src", "a-tgt"]) == bucket_policy(
        ["a-src", "a-tgt"], ()
    )  # unchanged without imports
    policy = bucket_policy(["a-src", "a-tgt"], ["cams", "a-src"])
    own, imports = policy["Statement"]
    assert own["Action"] == ["s3:*"] and "arn:aws:s3:::cams" not in own["Resource"]
    assert imports["Action"] == ["s3:GetObject", "s3:ListBucket"]
    assert imports["Resource"] == ["arn:aws:s3:::cams", "arn:aws:s3:::cams/*"]


def test_every_manifest_field_for_the_app_is_rendered():
    project = sample_project(
        displayName="A厂焊缝缺陷",
        locale="en",
        auth={"signup": "open", "admins": ["lead@a.example.com", "qa@a.example.com"]},
    )
    values = {e["name"]: e.get("value") for e in app_env.build_api_env(project, PoolPlan(1, 1))}
    assert values["LABELHIVE_DISPLAY_NAME"] == "A厂焊缝缺陷"
    assert values["LABELHIVE_DEFAULT_LOCALE"] == "en"
    assert values["LABELHIVE_SIGNUP"] == "open"
    assert values["LABELHIVE_BOOTSTRAP_ADMIN_EMAILS"] == "lead@a.example.com,qa@a.example.com"


def test_interactive_off_means_no_url():
    project = sample_project(prelabel={"interactive": {"replicas": 0}})
    names = _names(app_env.build_api_env(project, PoolPlan(1, 1)))
    assert "LABELHIVE_INTERACTIVE_URL" not in names


def test_interactive_env_is_the_contract_and_holds_no_broker_credentials():
    env = app_env.build_interactive_env(sample_project(), "cluster.local")
    names = set(_names(env))
    assert names <= CONTRACT_VARS
    assert {"LABELHIVE_API_TOKEN", "LABELHIVE_MODEL", "LABELHIVE_INTERACTIVE_PORT"} <= names
    assert "LABELHIVE_AMQP_URL" not in names


def test_empty_values_are_rendered_as_the_api_server_stores_them():
    env = app_env.build_api_env(sample_project(), PoolPlan(1, 1))
    empty = [e for e in env if e.get("value") == ""]
    assert empty == [], "an empty value is stored without `value`: rendering one would rewrite the Deployment"
    assert {"name": "LABELHIVE_OUTBOUND_ALLOW"} in env
