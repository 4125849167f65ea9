"""Names derived from a LabelingProject: valid for S3 and PostgreSQL, unique, stable."""

from labelhive_operator.project import Project
from operator_samples import sample_body


def test_sample_manifest_parses_with_defaults():
    project = Project(sample_body())
    assert project.spec.api.replicas == 2
    assert project.spec.ui.replicas == 1
    assert project.spec.storage.region == "us-east-1"
    assert project.spec.deletion_policy == "Retain"
    assert project.spec.queue.amqp_secret == "rabbitmq"
    assert project.spec.prelabel.gpu.resource == "nvidia.com/gpu"


def test_derived_names():
    project = Project(sample_body())
    assert project.source_bucket == "lh-factory-a-weld-defects-source"
    assert project.target_bucket == "lh-factory-a-weld-defects-target"
    assert project.schema == project.role == "lh_factory_a_weld_defects"
    assert project.queue == "labelhive.factory-a.weld-defects.prelabel"
    assert project.public_urls == [
        "http://weld.factory-a.example.com",
        "http://weld.intranet.factory-a.local",
    ]


def test_https_when_tls_secret_is_set():
    body = sample_body()
    body["spec"]["ingress"]["tlsSecret"] = "weld-tls"
    assert Project(body).public_urls[0] == "https://weld.factory-a.example.com"


def test_long_names_are_shortened_within_limits_and_stay_unique():
    def named(name: str) -> Project:
        body = sample_body()
        body["metadata"]["name"] = name
        body["metadata"]["namespace"] = "a-very-long-namespace-name-for-a-factory-team"
        return Project(body)

    a, b = named("x" * 60 + "-one"), named("x" * 60 + "-two")
    for p in (a, b):
        assert 3 <= len(p.source_bucket) <= 63 and p.source_bucket.endswith("-source")
        assert len(p.target_bucket) <= 63
        assert len(p.schema) <= 63
        assert len(p.iam_user) <= 64
    assert a.source_bucket != b.source_bucket
    assert a.schema != b.schema


def test_explicit_names_win():
    body = sample_body()
    body["spec"]["storage"].update(sourceBucket="images", targetBucket="exports")
    body["spec"]["database"]["schema"] = "weld"
    body["spec"]["queue"] = {"amqpSecret": "mq", "name": "prelabel.weld"}
    project = Project(body)
    assert (project.source_bucket, project.target_bucket, project.schema, project.queue) == (
        "images",
        "exports",
        "weld",
        "prelabel.weld",
    )
