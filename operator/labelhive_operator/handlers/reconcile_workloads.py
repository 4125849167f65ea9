"""Steps 4-8 of a reconcile: migration Job (retried when it fails), API / UI / interactive Deployments with
their Services and PodDisruptionBudgets, the Ingress, the worker pool. A component that is not ready says
why in the pods' own words (ImagePullBackOff, CrashLoopBackOff, Unschedulable)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.pods import pod_problem
from labelhive_operator.project import LABEL_COMPONENT, Project
from labelhive_operator.render import network, scaling, workloads
from labelhive_operator.render.app_env import PoolPlan
from labelhive_operator.state import ProjectRuntime

if TYPE_CHECKING:
    from labelhive_operator.handlers.handle_reconcile_project import Outcome

DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"


def deployment_ready(live: dict[str, Any] | None, replicas: int) -> tuple[bool, str]:
    if not live:
        return False, "not created yet"
    st = live.get("status") or {}
    ready = int(st.get("readyReplicas") or 0)
    updated = int(st.get("updatedReplicas") or 0)
    current = (st.get("observedGeneration") or 0) >= (live.get("metadata", {}).get("generation") or 0)
    ok = current and ready >= replicas and updated >= replicas
    return ok, f"{ready}/{replicas} replicas ready"


def job_state(job: dict[str, Any] | None) -> tuple[str, str]:
    """('missing' | 'running' | 'succeeded' | 'failed', message)."""
    if job is None:
        return "missing", ""
    st = job.get("status") or {}
    for cond in st.get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "SuccessCriteriaMet"):
            return "succeeded", ""
        if cond.get("status") == "True" and cond.get("type") in ("Failed", "FailureTarget"):
            return "failed", str(cond.get("message") or cond.get("reason") or "job failed")
    if int(st.get("succeeded") or 0) >= 1:
        return "succeeded", ""
    return "running", f"{int(st.get('active') or 0)} pod(s) active, {int(st.get('failed') or 0)} failed"


def _pods_problem(ctx: Context, project: Project, component: str) -> tuple[str, str] | None:
    """Listed only while a component is not ready: a ready project costs no pod reads."""
    selector = f"app.kubernetes.io/instance={project.name},{LABEL_COMPONENT}={component}"
    return pod_problem(ctx.kube.list("v1", "Pod", project.namespace, selector))


def _component_condition(
    ctx: Context, project: Project, step: str, component: str, live: dict[str, Any], replicas: int
) -> c.Condition:
    ok, message = deployment_ready(live, replicas)
    if not ok:
        ok, message = deployment_ready(
            ctx.fresh("apps/v1", "Deployment", project.namespace, project.child(component)), replicas
        )
    if ok:
        return c.Condition(step, True, "Available", message)
    problem = _pods_problem(ctx, project, component)
    if problem is not None:
        return c.Condition(step, False, problem[0], f"{message}; {problem[1]}", failed=True)
    return c.Condition(step, False, "Progressing", message)


def _migration_step(
    ctx: Context, project: Project, out: Outcome, api_image: str, checksum: str
) -> str | None:
    """Runs the migration Job for api_image; a failed Job is deleted so the next reconcile (after the
    failure backoff) runs it again, without a human. Returns the image the API may run, if any."""
    cfg = ctx.config
    migrated = project.status.get("migratedImage")
    if migrated == api_image:
        out.steps.append(c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"))
        return migrated
    job_name = workloads.migration_job_name(project, api_image)
    job = ctx.live("batch/v1", "Job", project.namespace, job_name)
    if job is None:
        spec = workloads.build_migration_job_spec(
            project, api_image, cfg.image_pull_policy, checksum, cfg.cluster_domain
        )
        job = ctx.ensure(spec)
    state, message = job_state(job)
    if state == "running":
        state, message = job_state(ctx.fresh("batch/v1", "Job", project.namespace, job_name))
    retries = int(project.status.get("migrationRetries") or 0)
    if state == "succeeded":
        out.status["migrationRetries"] = 0
        out.steps.append(c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"))
        return api_image
    if state == "failed":
        ctx.kube.delete("batch/v1", "Job", project.namespace, job_name)
        ctx.cache.drop("Job", project.namespace, job_name)
        out.status["migrationRetries"] = retries + 1
        out.steps.append(
            c.Condition(
                c.MIGRATED,
                False,
                "MigrationFailed",
                f"Job {job_name}: {message}; retry {retries + 1} follows after a backoff",
                failed=True,
            )
        )
    else:
        problem = _pods_problem(ctx, project, "migrate")
        if problem is not None:
            out.steps.append(
                c.Condition(c.MIGRATED, False, problem[0], f"Job {job_name}: {problem[1]}", True)
            )
        else:
            out.steps.append(c.Condition(c.MIGRATED, False, "MigrationRunning", f"Job {job_name}: {message}"))
    return migrated


def _ingress_controller(ctx: Context, class_name: str | None) -> tuple[str | None, str | None]:
    """(controller, problem): the named IngressClass's controller, or the default class's."""
    if class_name:
        ingress_class = ctx.kube.get("networking.k8s.io/v1", "IngressClass", "", class_name)
        if ingress_class is None:
            return None, f"IngressClass {class_name} does not exist in the cluster"
        return str((ingress_class.get("spec") or {}).get("controller") or ""), None
    for ingress_class in ctx.kube.list("networking.k8s.io/v1", "IngressClass", ""):
        annotations = ingress_class.get("metadata", {}).get("annotations") or {}
        if annotations.get(DEFAULT_CLASS) == "true":
            return str((ingress_class.get("spec") or {}).get("controller") or ""), None
    return None, None


def _ingress_step(ctx: Context, project: Project, out: Outcome) -> None:
    spec = project.spec
    taken = {h: ctx.hosts.claimed_by_others(h, project.namespace, project.name) for h in spec.ingress.hosts}
    taken = {h: owners for h, owners in taken.items() if owners}
    if taken:
        host, owners = next(iter(taken.items()))
        message = f"host {host} is already served by Ingress {owners[0]}"
        out.steps.append(c.Condition(c.INGRESS_READY, False, "HostTaken", message, True))
        return
    controller, problem = _ingress_controller(ctx, spec.ingress.class_name)
    ingress = ctx.ensure(network.build_ingress_spec(project, controller))
    ctx.hosts.update(project.namespace, project.name, set(spec.ingress.hosts))
    if problem is not None:
        # Applied anyway: it works as soon as the class appears (the next look sees it).
        out.steps.append(c.Condition(c.INGRESS_READY, False, "IngressClassNotFound", problem, True))
        return
    known = controller is not None and network.controller_annotations(controller, 1, 1) is not None
    lb = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    where = ", ".join(str(i.get("ip") or i.get("hostname")) for i in lb) or "no load balancer address yet"
    message = f"hosts {', '.join(spec.ingress.hosts)} ({where})"
    if controller and not known:
        message += (
            f"; controller {controller} is not one whose body size and timeout settings LabelHive knows: "
            "set them in spec.ingress.annotations"
        )
    out.steps.append(
        c.Condition(
            c.INGRESS_READY,
            True,
            "Configured" if known or not controller else "ConfiguredWithoutLimits",
            message,
        )
    )


def _workers_step(
    ctx: Context, project: Project, runtime: ProjectRuntime, out: Outcome, checksum: str
) -> None:
    spec = project.spec
    cfg = ctx.config
    worker_image = spec.prelabel.image or cfg.worker_image
    keda = ctx.keda_available()
    if keda:
        runtime.scaled_object_checked = False
        worker = ctx.ensure(
            workloads.build_worker_deployment_spec(
                project, worker_image, None, cfg.image_pull_policy, cfg.cluster_domain, checksum
            )
        )
        ctx.ensure(scaling.build_scaled_object_spec(project))
        replicas = int((worker.get("spec") or {}).get("replicas") or 0)
    else:
        _remove_scaled_object(ctx, project, runtime)
        live = ctx.live("apps/v1", "Deployment", project.namespace, project.child("worker"))
        current = runtime.desired_workers
        if current is None:
            current = (
                int((live or {}).get("spec", {}).get("replicas") or 0) if live else spec.prelabel.min_replicas
            )
        replicas = min(max(current, spec.prelabel.min_replicas), spec.prelabel.max_replicas)
        runtime.desired_workers = replicas
        worker = ctx.ensure(
            workloads.build_worker_deployment_spec(
                project, worker_image, replicas, cfg.image_pull_policy, cfg.cluster_domain, checksum
            )
        )
    ready = int((worker.get("status") or {}).get("readyReplicas") or 0)
    out.status["workers"] = {"replicas": replicas, "ready": ready, "scaler": "keda" if keda else "builtin"}
    message = (
        f"{ready}/{replicas} workers ready (min {spec.prelabel.min_replicas}, max {spec.prelabel.max_replicas}, "
        f"{spec.prelabel.gpu.count} x {spec.prelabel.gpu.resource} each)"
    )
    problem = _pods_problem(ctx, project, "worker") if ready < replicas else None
    if problem is not None:
        out.steps.append(c.Condition(c.WORKERS_READY, False, problem[0], f"{message}; {problem[1]}", True))
        return
    out.steps.append(c.Condition(c.WORKERS_READY, True, "ScaledObject" if keda else "Scaling", message))


def _remove_scaled_object(ctx: Context, project: Project, runtime: ProjectRuntime) -> None:
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


def run_workload_steps(
    ctx: Context, project: Project, runtime: ProjectRuntime, out: Outcome, pool: PoolPlan, checksum: str
) -> None:
    spec = project.spec
    cfg = ctx.config

    # 4. Migration -------------------------------------------------------------------------------------
    api_image = spec.api.image or cfg.api_image
    migrated = _migration_step(ctx, project, out, api_image, checksum)
    if migrated:
        out.status["migratedImage"] = migrated

    # 5. API, UI and the interactive endpoint ------------------------------------------------------------
    if migrated:
        api = ctx.ensure(
            workloads.build_api_deployment_spec(
                project, migrated, pool, cfg.image_pull_policy, checksum, cfg.cluster_domain
            )
        )
        cond = _component_condition(ctx, project, c.API_READY, "api", api, spec.api.replicas)
        if migrated != api_image:
            cond = c.Condition(
                cond.type,
                cond.status,
                cond.reason,
                cond.message + f"; running {migrated} until the migration for {api_image} completes",
                cond.failed,
            )
        out.steps.append(cond)
    else:
        out.steps.append(
            c.Condition(c.API_READY, False, "WaitingForMigration", "the API starts after its migration")
        )
    for component in ("api", "ui"):
        ctx.ensure(network.build_service_spec(project, component))
        ctx.ensure(network.build_pdb_spec(project, component))
    ui = ctx.ensure(
        workloads.build_ui_deployment_spec(project, spec.ui.image or cfg.ui_image, cfg.image_pull_policy)
    )
    out.steps.append(_component_condition(ctx, project, c.UI_READY, "ui", ui, spec.ui.replicas))

    interactive = spec.prelabel.interactive
    worker_image = spec.prelabel.image or cfg.worker_image
    live_interactive = ctx.ensure(
        workloads.build_interactive_deployment_spec(
            project, worker_image, cfg.image_pull_policy, cfg.cluster_domain, checksum
        )
    )
    ctx.ensure(network.build_service_spec(project, "interactive"))
    if interactive.replicas > 0:
        out.steps.append(
            _component_condition(
                ctx, project, c.INTERACTIVE_READY, "interactive", live_interactive, interactive.replicas
            )
        )
    else:
        out.steps.append(
            c.Condition(
                c.INTERACTIVE_READY, True, "Disabled", "click-to-segment is off (interactive.replicas 0)"
            )
        )

    # 6. Ingress ---------------------------------------------------------------------------------------
    _ingress_step(ctx, project, out)

    # 7. Workers ---------------------------------------------------------------------------------------
    _workers_step(ctx, project, runtime, out, checksum)
