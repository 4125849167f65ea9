"""Step 8, IngressReady: the Ingress for the project's hosts, unless another Ingress serves one of them;
the controller's body size and timeout annotations when LabelHive knows its class."""

from __future__ import annotations

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.project import Project
from labelhive_operator.render import network

DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"


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


def ingress_step(ctx: Context, project: Project) -> c.Condition:
    spec = project.spec
    taken = {h: ctx.hosts.claimed_by_others(h, project.namespace, project.name) for h in spec.ingress.hosts}
    taken = {h: owners for h, owners in taken.items() if owners}
    if taken:
        host, owners = next(iter(taken.items()))
        message = f"host {host} is already served by Ingress {owners[0]}"
        return c.Condition(c.INGRESS_READY, False, "HostTaken", message, True)
    controller, problem = _ingress_controller(ctx, spec.ingress.class_name)
    ingress = ctx.ensure(network.build_ingress_spec(project, controller))
    ctx.hosts.update(project.namespace, project.name, set(spec.ingress.hosts))
    if problem is not None:
        # Applied anyway: it works as soon as the class appears (the next look sees it).
        return c.Condition(c.INGRESS_READY, False, "IngressClassNotFound", problem, True)
    known = controller is not None and network.controller_annotations(controller, 1, 1) is not None
    lb = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    where = ", ".join(str(i.get("ip") or i.get("hostname")) for i in lb) or "no load balancer address yet"
    message = f"hosts {', '.join(spec.ingress.hosts)} ({where})"
    if controller and not known:
        message += (
            f"; controller {controller} is not one whose body size and timeout settings LabelHive knows: "
            "set them in spec.ingress.annotations"
        )
    return c.Condition(
        c.INGRESS_READY, True, "Configured" if known or not controller else "ConfiguredWithoutLimits", message
    )
