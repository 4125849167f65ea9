"""Steps 5-7, ApiReady / UiReady / InteractiveReady: the Deployments, Services and PodDisruptionBudgets;
a component that is not ready says why in its pods' own words (ImagePullBackOff, CrashLoopBackOff)."""

from __future__ import annotations

from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.pods import pod_problem
from labelhive_operator.project import LABEL_COMPONENT, Project
from labelhive_operator.render import network, workloads
from labelhive_operator.render.app_env import PoolPlan


def deployment_ready(live: dict[str, Any] | None, replicas: int) -> tuple[bool, str]:
    if not live:
        return False, "not created yet"
    st = live.get("status") or {}
    ready = int(st.get("readyReplicas") or 0)
    updated = int(st.get("updatedReplicas") or 0)
    current = (st.get("observedGeneration") or 0) >= (live.get("metadata", {}).get("generation") or 0)
    ok = current and ready >= replicas and updated >= replicas
    return ok, f"{ready}/{replicas} replicas ready"


def pods_problem(ctx: Context, project: Project, component: str) -> tuple[str, str] | None:
    """Listed only while a component is not ready: a ready project costs no pod reads."""
    selector = f"app.kubernetes.io/instance={project.name},{LABEL_COMPONENT}={component}"
    return pod_problem(ctx.kube.list("v1", "Pod", project.namespace, selector))


def component_condition(
    ctx: Context, project: Project, step: str, component: str, live: dict[str, Any], replicas: int
) -> c.Condition:
    ok, message = deployment_ready(live, replicas)
    if not ok:
        ok, message = deployment_ready(
            ctx.fresh("apps/v1", "Deployment", project.namespace, project.child(component)), replicas
        )
    if ok:
        return c.Condition(step, True, "Available", message)
    problem = pods_problem(ctx, project, component)
    if problem is not None:
        return c.Condition(step, False, problem[0], f"{message}; {problem[1]}", failed=True)
    return c.Condition(step, False, "Progressing", message)


def api_step(
    ctx: Context, project: Project, migrated: str | None, api_image: str, pool: PoolPlan, checksum: str
) -> c.Condition:
    """The API runs only an image its database was migrated for (the previous one until then)."""
    cfg = ctx.config
    if migrated:
        api = ctx.ensure(
            workloads.build_api_deployment_spec(
                project, migrated, pool, cfg.image_pull_policy, checksum, cfg.cluster_domain
            )
        )
        cond = component_condition(ctx, project, c.API_READY, "api", api, project.spec.api.replicas)
        if migrated != api_image:
            cond = c.Condition(
                cond.type,
                cond.status,
                cond.reason,
                cond.message + f"; running {migrated} until the migration for {api_image} completes",
                cond.failed,
            )
    else:
        cond = c.Condition(c.API_READY, False, "WaitingForMigration", "the API starts after its migration")
    for component in ("api", "ui"):
        ctx.ensure(network.build_service_spec(project, component))
        ctx.ensure(network.build_pdb_spec(project, component))
    return cond


def ui_step(ctx: Context, project: Project) -> c.Condition:
    cfg = ctx.config
    ui = ctx.ensure(
        workloads.build_ui_deployment_spec(
            project, project.spec.ui.image or cfg.ui_image, cfg.image_pull_policy
        )
    )
    return component_condition(ctx, project, c.UI_READY, "ui", ui, project.spec.ui.replicas)


def interactive_step(ctx: Context, project: Project, checksum: str) -> c.Condition:
    cfg = ctx.config
    interactive = project.spec.prelabel.interactive
    worker_image = project.spec.prelabel.image or cfg.worker_image
    live = ctx.ensure(
        workloads.build_interactive_deployment_spec(
            project, worker_image, cfg.image_pull_policy, cfg.cluster_domain, checksum
        )
    )
    ctx.ensure(network.build_service_spec(project, "interactive"))
    if interactive.replicas > 0:
        return component_condition(
            ctx, project, c.INTERACTIVE_READY, "interactive", live, interactive.replicas
        )
    return c.Condition(
        c.INTERACTIVE_READY, True, "Disabled", "click-to-segment is off (interactive.replicas 0)"
    )
