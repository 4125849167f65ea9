"""What a browser gets: nosniff everywhere, a CSP without framing on the UI, sandboxed media; task images
only from http(s), or the project's storage (never data: or javascript:); invite tokens never logged;
cut-off images refused with a reason."""

from __future__ import annotations

import io
import json
import logging

from conftest import png
from PIL import Image


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((64, 48), 60).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def test_ui_and_api_answers_carry_security_headers(make_app, tmp_path):
    ui = tmp_path / "dist"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text(
        "<html><head><script>var x = 1</script></head><body>LabelHive</body></html>"
    )
    api = make_app(ui_dir=ui)
    page = api.client.get("/projects/1")
    assert page.status_code == 200 and "LabelHive" in page.text
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'sha256-" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    problem = api.client.get("/api/v1/projects")
    assert problem.status_code == 401 and problem.headers["x-content-type-options"] == "nosniff"


def test_media_is_sandboxed_and_not_sniffed(api):
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    created = api.client.post(
        f"/api/v1/projects/{project.id}/imports", headers=headers, files=[("files", ("a.png", png(8, 8)))]
    )
    api.run_jobs()
    task = api.client.get(f"/api/v1/projects/{project.id}/tasks", headers=headers).json()
    task_id = (task["items"] if isinstance(task, dict) else task)[0]["id"]
    link = api.app.state.delivery.signer.url("source", _image_key(api, task_id), ttl=60)
    media = api.client.get(link)
    assert media.status_code == 200, media.text
    assert media.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in media.headers["content-security-policy"]
    assert created.status_code == 202


def _image_key(api, task_id: int) -> str:
    from labelhive_api.tasks.models import Task

    with api.db.sessions() as s:
        return s.get(Task, task_id).image


def test_task_images_only_from_http_or_storage(api):
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    url = f"/api/v1/projects/{project.id}/tasks"
    for bad in (
        "javascript:alert(document.cookie)",
        "file:///etc/passwd",
        "../../secret.png",
        "exports/1.zip",
        "JAVASCRIPT:x",
        # inline bytes bypass the outbound policy, the image checks and the object store
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
    ):
        refused = api.client.post(url, headers=headers, json={"tasks": [{"image": bad}]})
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == "application/problem+json"
    ok = api.client.post(
        url, headers=headers, json={"tasks": [{"image": "https://images.example.com/a.jpg"}]}
    )
    assert ok.status_code in (200, 201), ok.text


def test_invite_tokens_are_not_logged(api, caplog):
    admin = api.user(admin=True)
    project = api.project(admin)
    invite = api.client.post(
        f"/api/v1/projects/{project.id}/invites", json={"role": "annotator"}, headers=api.token(admin)
    ).json()
    with caplog.at_level(logging.INFO, logger="labelhive_api.access"):
        assert api.client.get(f"/api/v1/invites/{invite['token']}").status_code == 200
        api.client.get(f"/invite/{invite['token']}")
    logged = [json.dumps(getattr(r, "path", "")) + r.getMessage() for r in caplog.records]
    assert any("/api/v1/invites/<redacted>" in line for line in logged)
    assert not any(invite["token"] in line for line in logged)


def test_a_cut_off_jpeg_is_refused_with_a_reason(api):
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    whole = _jpeg()
    created = api.client.post(
        f"/api/v1/projects/{project.id}/imports",
        headers=headers,
        files=[("files", ("cut.jpg", whole[: len(whole) * 2 // 3])), ("files", ("whole.jpg", whole))],
    )
    api.run_jobs()
    items = {
        i["name"]: (i["state"], i["reason"]) for i in api.items(project.id, created.json()["id"], headers)
    }
    assert items == {"cut.jpg": ("refused", "truncated_image"), "whole.jpg": ("imported", "")}
