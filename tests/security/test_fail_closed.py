"""An image started without settings is production: it refuses the public placeholder secret, so nobody
can forge media links with it; a link signed with the placeholder is refused by a configured server."""

from __future__ import annotations

import subprocess
import time

import httpx
from labelhive_api.settings import PLACEHOLDER_SECRET, Settings
from labelhive_api.storage.delivery import MediaSigner
from labelhive_harness.api_process import API_BIN


def test_without_settings_the_api_is_production_and_refuses_the_placeholder_secret(tmp_path):
    assert Settings.model_fields["environment"].default == "production"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LABELHIVE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    started = subprocess.run(
        [str(API_BIN), "serve"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert started.returncode != 0
    assert "LABELHIVE_SECRET_KEY" in started.stderr + started.stdout


def test_a_media_link_forged_with_the_placeholder_secret_is_refused(server):
    signer = MediaSigner(PLACEHOLDER_SECRET)
    forged = signer.url("target", "exports/1.zip", ttl=3600)
    assert forged.startswith("/api/v1/media/")
    response = httpx.get(server.base + forged, timeout=10)
    assert response.status_code == 403
    assert response.json()["code"] == "media_link_invalid"
    expired = MediaSigner(server.env["LABELHIVE_SECRET_KEY"]).url("target", "exports/1.zip", ttl=-10)
    assert httpx.get(server.base + expired, timeout=10).status_code == 403
    assert time.time() > 0
