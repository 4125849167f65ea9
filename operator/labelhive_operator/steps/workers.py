"""Step 9, WorkersReady: the worker Deployment with its GPU requests, rendered without replicas (they
belong to the scaler: the built-in one's /scale writes, or KEDA's ScaledObject when KEDA is served)."""

from __future__ import annotations

from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.drift import with_config_hash
from labelhive_operator.project import Project
from labelhive_operator.render import scaling, workloads
from labelhive_operator.scaling import policy, scaler
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps.components import pods_problem


def workers_step(
    ctx: Context, project: Project, runtime: ProjectRuntime, status: dict[str, Any], checksum: str
) -> c.Condition:
    spec = project.spec
    cfg = ctx.config
    worker_image = spec.prelabel.image or cfg.worker_image
    keda = ctx.keda_available()
    name = project.child("worker")
    live = ctx.live("apps/v1", "Deployment", project.namespace, name)
    # The replicas belong to the scaler (KEDA's HPA, or the built-in one's /scale writes). The built-in
    # path creates the Deployment at minReplicas (outside its config hash, so the next look sees no drift)
    # and hands them over at once; a Deployment from an older operator is taken over first.
    rendered = workloads.build_worker_deployment_spec(
        project, worker_image, None, cfg.image_pull_policy, cfg.cluster_domain, checksum
    )
    if keda:
        runtime.scaled_object_checked = False
        ctx.ensure(scaling.build_scaled_object_spec(project))
        worker = ctx.ensure(rendered)
    else:
        remove_scaled_object(ctx, project, runtime)
        if live is None:
            created = with_config_hash(rendered)
            created["spec"]["replicas"] = spec.prelabel.min_replicas
            ctx.cache.put("Deployment", ctx.kube.apply(created))
            live = scaler.set_replicas(ctx, project, spec.prelabel.min_replicas)
        elif not scaler.owns_replicas(live):
            # Before the apply below stops naming them (else server-side apply would drop them).
            live = scaler.set_replicas(ctx, project, policy.clamp(project, scaler.replicas_of(live) or 0))
        worker = ctx.ensure(rendered)
    replicas = scaler.replicas_of(worker) or 0
    ready = int((worker.get("status") or {}).get("readyReplicas") or 0)
    status["workers"] = {"replicas": replicas, "ready": ready, "scaler": "keda" if keda else "builtin"}
    message = (
        f"{ready}/{replicas} workers ready (min {spec.prelabel.min_replicas}, max {spec.prelabel.max_replicas}, "
        f"{spec.prelabel.gpu.count} x {spec.prelabel.gpu.resource} each)"
    )
    problem = pods_problem(ctx, project, "worker") if ready < replicas else None
    if problem is not None:
        return c.Condition(c.WORKERS_READY, False, problem[0], f"{message}; {problem[1]}", True)
    return c.Condition(c.WORKERS_READY, True, "ScaledObject" if keda else "Scaling", message)


def remove_scaled_object(ctx: Context, project: Project, runtime: ProjectRuntime) -> None:
    """KEDA switched off (or uninstalled): a ScaledObject left behind would fight the built-in scaler."""
    if runtime.scaled_object_checked:
        return
    if ctx.kube.served("keda.sh/v1alpha1"):
        name = project.child("worker")
        if ctx.kube.get("keda.sh/v1alpha1", "ScaledObject", project.namespace, name) is not None:
            ctx.kube.delete("keda.sh/v1alpha1", "ScaledObject", project.namespace, name)
            ctx.kube.event(
                {"metadata": {"name": project.name, "namespace": project.namespace, "uid": project.uid}},
                "Normal",
                "ScaledObjectRemoved",
                f"KEDA is off: ScaledObject {name} removed, the built-in scaler sets the worker replicas",
            )
    runtime.scaled_object_checked = True
