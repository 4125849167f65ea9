"""The service skeleton answers its health probe."""

from fastapi.testclient import TestClient
from labelhive_api.app import create_app
from labelhive_api.settings import Settings


def test_healthz_answers_ok(tmp_path):
    app = create_app(
        Settings(environment="development", database_url=f"sqlite:///{tmp_path}/t.db", data_dir=tmp_path)
    )
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
