"""`make fuzz`: schemathesis against the OpenAPI of a real `labelhive-api serve` (production settings,
harness PostgreSQL + SeaweedFS, loopback only), once each with an admin's, a manager's and an annotator's
token; prints the number of 5xx answers (from the server's own access log) and exits 1 if there are any.

Budget: FUZZ_EXAMPLES (examples per operation, default 25) and FUZZ_MAX_TIME (seconds per role, default
300). scripts/test.sh runs it with a small budget.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "security"))

from labelhive_harness.api_process import start_api  # noqa: E402
from server import ADMIN_EMAIL, ADMIN_PASSWORD, server_env  # noqa: E402

ST = Path(sys.executable).parent / "st"
# Operations that would end the run's own credentials or data (the fuzzer would then only meet 401/404).
EXCLUDED = [
    "logout_api_v1_auth_logout_post",
    "update_me_api_v1_auth_me_patch",
    "revoke_token_api_v1_auth_tokens__token_id__delete",
    "update_user_api_v1_users__user_id__patch",
    "delete_project_api_v1_projects__project_id__delete",
]


def _session(base: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def _token(client: httpx.Client) -> str:
    answer = client.post("/api/v1/auth/tokens", json={"name": "fuzz"})
    answer.raise_for_status()
    return str(answer.json()["token"])


def _member(admin: httpx.Client, base: str, project_id: int, role: str) -> str:
    invite = admin.post(f"/api/v1/projects/{project_id}/invites", json={"role": role})
    invite.raise_for_status()
    email, password = f"{role}-{secrets.token_hex(3)}@fuzz.example.com", "fuzz-" + secrets.token_hex(12)
    with httpx.Client(base_url=base, timeout=60) as anon:
        accepted = anon.post(
            f"/api/v1/invites/{invite.json()['token']}/accept",
            json={"email": email, "password": password, "display_name": role},
        )
        accepted.raise_for_status()
    client = _session(base, email, password)
    try:
        return _token(client)
    finally:
        client.close()


def _seed(base: str) -> dict[str, str]:
    admin = _session(base, ADMIN_EMAIL, ADMIN_PASSWORD)
    try:
        project = admin.post("/api/v1/projects", json={"name": "fuzz", "labels": []})
        project.raise_for_status()
        pid = project.json()["id"]
        tasks = [
            {"image": f"https://images.example.com/{i}.jpg", "width": 64, "height": 48} for i in range(5)
        ]
        admin.post(f"/api/v1/projects/{pid}/tasks", json={"tasks": tasks}).raise_for_status()
        return {
            "admin": _token(admin),
            "manager": _member(admin, base, pid, "manager"),
            "annotator": _member(admin, base, pid, "annotator"),
        }
    finally:
        admin.close()


def _fuzz(base: str, role: str, token: str, examples: int, max_time: int, workdir: Path) -> int:
    args = [
        str(ST),
        "run",
        f"{base}/api/v1/openapi.json",
        "--url",
        base,
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(examples),
        "--max-time",
        str(max_time),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--seed",
        os.environ.get("FUZZ_SEED", "20261130"),
        "--no-color",
        "--generation-database",
        "none",
        "--report-dir",
        str(workdir / f"report-{role}"),
        "--report",
        "junit",
    ]
    for operation_id in EXCLUDED:
        args += ["--exclude-operation-id", operation_id]
    print(f"== fuzz as {role} ({examples} examples per operation, at most {max_time} s)", flush=True)
    return subprocess.run(args, check=False).returncode


def main() -> int:
    from labelhive_harness.postgres import start_postgres
    from labelhive_harness.s3 import start_s3

    examples = int(os.environ.get("FUZZ_EXAMPLES", "25"))
    max_time = int(os.environ.get("FUZZ_MAX_TIME", "300"))
    postgres, s3 = start_postgres(), start_s3()
    workdir = Path(tempfile.mkdtemp(prefix="labelhive-fuzz-"))
    # Made-up URLs (webhooks, URL imports, tasks by URL) are refused before any lookup: the fuzz server
    # contacts nothing outside this machine.
    env = server_env(
        workdir,
        postgres,
        s3,
        "fuzz_" + secrets.token_hex(3),
        LABELHIVE_LOG_LEVEL="INFO",
        LABELHIVE_OUTBOUND_PUBLIC="false",
    )
    server = start_api(workdir, env)
    start = time.monotonic()
    try:
        tokens = _seed(server.base)
        for role, token in tokens.items():
            _fuzz(server.base, role, token, examples, max_time, workdir)
    finally:
        server.stop()
        for service in (s3, postgres):
            getattr(service, "close", service.stop)()
    errors: Counter[str] = Counter()
    unavailable: Counter[str] = Counter()
    total = 0
    # split on newlines only: a logged value may carry U+2028 and the like, which splitlines() also breaks on
    for line in server.log_text().split("\n"):
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if "status" in entry and "route" in entry:
            total += 1
            # 503 is the designed answer of a feature whose backend this server has none of (pre-labeling
            # without a broker); it is counted apart. Every other 5xx is a server error.
            if int(entry["status"]) == 503:
                unavailable[f"{entry['method']} {entry['route']}"] += 1
            elif int(entry["status"]) >= 500:
                errors[f"{entry['method']} {entry['route']}"] += 1
    print(
        f"\nfuzz: {total} requests in {time.monotonic() - start:.0f} s; 5xx responses: {sum(errors.values())}"
    )
    for route, count in errors.most_common():
        print(f"  {count:5d}  {route}")
    if unavailable:
        print(f"503 (feature not configured on this server), not counted: {sum(unavailable.values())}")
        for route, count in unavailable.most_common():
            print(f"  {count:5d}  {route}")
    if errors:
        print(f"server log: {server.log}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
