"""Run inside the onnx worker image (buildah run): serve /tmp/images over http on 127.0.0.1, start
`labelhive-worker serve`, wait until ready, POST one click on the photo, print the answer as JSON.
argv: image file name, sha256, x, y, http port, interactive port."""

import json
import os
import subprocess
import sys
import time
import urllib.request

name, sha, x, y, http_port, port = sys.argv[1:7]
files = subprocess.Popen(
    [sys.executable, "-m", "http.server", http_port, "--bind", "127.0.0.1", "--directory", "/tmp/images"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
env = {
    **os.environ,
    "LABELHIVE_API_URL": "http://127.0.0.1:9",
    "LABELHIVE_API_TOKEN": "image-test",
    "LABELHIVE_EMBEDDING_CACHE": "off",
    "LABELHIVE_INTERACTIVE_PORT": port,
    "LABELHIVE_OUTBOUND_ALLOW": "127.0.0.1/32",
}
server = subprocess.Popen(["labelhive-worker", "serve"], env=env)
try:
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"labelhive-worker serve did not become ready (exit {server.poll()})"
                ) from None
            time.sleep(0.5)
    body = {
        "version": 1,
        "model": "mobile-sam",
        "image": {"url": f"http://127.0.0.1:{http_port}/{name}", "sha256": sha},
        "points": [[float(x), float(y), 1]],
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/click",
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer image-test", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as r:
        answer = json.loads(r.read())
    answer["client_seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(answer))
finally:
    server.terminate()
    files.terminate()
    server.wait(10)
