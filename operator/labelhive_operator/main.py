"""labelhive-operator: all kopf registration lives here; the logic lives in handlers/ and render/."""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kopf

from labelhive_operator.config import Config, ConfigError, load_config
from labelhive_operator.context import Context
from labelhive_operator.handlers.handle_delete_project import delete_project
from labelhive_operator.handlers.handle_event_child import on_child_event, on_project_event
from labelhive_operator.handlers.handle_run_project import run_project
from labelhive_operator.kube import Kube, load_configuration
from labelhive_operator.leader import LeaderElection, StandbyHealth, identity
from labelhive_operator.project import GROUP, MANAGED_BY, PLURAL, VERSION
from labelhive_operator.scaling.scaler import scale_tick

MANAGED = {"app.kubernetes.io/managed-by": MANAGED_BY}


def _ctx(memo: Any) -> Context:
    return memo["ctx"]


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    ctx = _ctx(memo)
    settings.persistence.finalizer = "labelhive.io/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="labelhive.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="labelhive.io", key="last-handled-configuration"
    )
    settings.posting.enabled = False  # we post our own Events, on transitions only
    settings.execution.max_workers = ctx.config.threads
    settings.networking.request_timeout = 60
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330


@kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=10.0)
async def project_loop(body: Any, uid: str, logger: Any, stopped: Any, memo: kopf.Memo, **_: Any) -> None:
    await run_project(_ctx(memo), body, uid, stopped)


@kopf.on.event(GROUP, VERSION, PLURAL)
def project_event(body: Any, memo: kopf.Memo, **_: Any) -> None:
    on_project_event(_ctx(memo), body)


@kopf.on.delete(GROUP, VERSION, PLURAL)
def project_deleted(body: Any, uid: str, retry: int, logger: Any, memo: kopf.Memo, **_: Any) -> None:
    delete_project(_ctx(memo), dict(body), uid, retry, logging.getLogger("labelhive_operator.finalizer"))


@kopf.on.event("apps", "v1", "deployments", labels=MANAGED)
def deployment_event(event: Any, body: Any, memo: kopf.Memo, **_: Any) -> None:
    on_child_event(_ctx(memo), "Deployment", event.get("type"), dict(body))


@kopf.on.event("batch", "v1", "jobs", labels=MANAGED)
def job_event(event: Any, body: Any, memo: kopf.Memo, **_: Any) -> None:
    on_child_event(_ctx(memo), "Job", event.get("type"), dict(body))


@kopf.on.event("v1", "services", labels=MANAGED)
def service_event(event: Any, body: Any, memo: kopf.Memo, **_: Any) -> None:
    on_child_event(_ctx(memo), "Service", event.get("type"), dict(body))


@kopf.on.event("networking.k8s.io", "v1", "ingresses")
def ingress_event(event: Any, body: Any, memo: kopf.Memo, **_: Any) -> None:
    on_child_event(_ctx(memo), "Ingress", event.get("type"), dict(body))


def scale_timer(body: Any, uid: str, memo: kopf.Memo, **_: Any) -> None:
    """The built-in scaler (registered in main(): its interval is configuration)."""
    scale_tick(_ctx(memo), dict(body), uid)


def register_scaler(config: Config) -> None:
    kopf.timer(
        GROUP,
        VERSION,
        PLURAL,
        id="scale_workers",
        interval=config.scale_interval_seconds,
        initial_delay=config.scale_interval_seconds,
        errors=kopf.ErrorsMode.IGNORED,  # a failed reading is retried at the next tick
    )(scale_timer)


@kopf.on.probe(id="kube_api")
def kube_api_counters(memo: kopf.Memo, **_: Any) -> dict[str, Any]:
    """API calls and writes so far (GET /healthz shows them): the steady state should add no writes."""
    return _ctx(memo).kube.counters.snapshot()


def build_context(config: Config) -> Context:
    kube = Kube(load_configuration(), pool_size=config.threads + 4)
    return Context(config=config, kube=kube, executor=ThreadPoolExecutor(config.threads, "reconcile"))


def _become_leader(ctx: Context, config: Config) -> LeaderElection:
    """Stand by (answering health probes) until this replica holds the Lease; exit if it is ever lost."""
    election = LeaderElection(ctx.kube, config.namespace, identity(), config.leader_lease_seconds)
    standby = StandbyHealth(config.health_endpoint) if config.health_endpoint else None
    try:
        election.wait_until_leader()
    finally:
        if standby is not None:
            standby.close()
    # Losing the lease means another replica leads now: stop at once, the pod restarts and stands by.
    election.keep_renewing(lambda: os._exit(1))
    return election


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # kopf logs every handled watch event at INFO; at 100 projects that is noise and CPU. Ours stay at INFO.
    for noisy in ("kopf.objects", "kopf.activities.probe", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"labelhive-operator: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        ctx = build_context(config)
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, for a missing kubeconfig
        print(f"labelhive-operator: cannot reach Kubernetes: {exc}", file=sys.stderr)
        return 2
    election = _become_leader(ctx, config) if config.leader_election else None
    register_scaler(config)
    namespaces = config.namespace_list
    kopf.run(
        standalone=True,
        clusterwide=not namespaces,
        namespaces=namespaces,
        liveness_endpoint=config.health_endpoint or None,
        memo=kopf.Memo(ctx=ctx),
    )
    if election is not None:
        election.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
