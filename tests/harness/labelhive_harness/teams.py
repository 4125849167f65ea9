"""A team on a test cluster as the platform admin keeps it: a namespace, its admin Secrets (copies in the
operator's namespace, named after the team) and its LabelingProjects, read and changed the way the e2e
(kwok) and real-pod suites do."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, cast

from kubernetes import client

from labelhive_harness.waiting import eventually

GROUP, VERSION, PLURAL = "labelhive.io", "v1alpha1", "labelingprojects"
# The admin Secrets a manifest names: secret name -> (spec section, key).
ADMIN_SECRETS = {
    "s3-admin": ("storage", "credentialsSecret"),
    "pg-admin": ("database", "adminSecret"),
    "rabbitmq": ("queue", "amqpSecret"),
}


@dataclass
class Team:
    namespace: str
    api: client.ApiClient
    operator_namespace: str
    ready_timeout: float = 120.0
    time_scale: float = 1.0  # every wait is multiplied by this (a busy machine makes the control plane slow)
    poll_interval: float = 0.3

    @property
    def custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api)

    # -- admin Secrets (in the operator's namespace) --------------------------------------------------

    def admin_secret(self, name: str) -> str:
        """This team's copy of an admin Secret, in the operator's namespace."""
        return f"{self.namespace}-{name}"

    def create_admin_secret(
        self, name: str, data: dict[str, str], labels: dict[str, str] | None = None
    ) -> None:
        meta = client.V1ObjectMeta(name=self.admin_secret(name), labels=labels)
        client.CoreV1Api(self.api).create_namespaced_secret(
            self.operator_namespace, client.V1Secret(metadata=meta, string_data=data)
        )

    def set_admin_secret(self, name: str, data: dict[str, str]) -> None:
        client.CoreV1Api(self.api).patch_namespaced_secret(
            self.admin_secret(name), self.operator_namespace, {"stringData": data}
        )

    # -- the team's own namespace ---------------------------------------------------------------------

    def secret(self, name: str) -> dict[str, str]:
        data = client.CoreV1Api(self.api).read_namespaced_secret(name, self.namespace).data or {}
        return {k: base64.b64decode(v).decode() for k, v in data.items()}

    def events(self, name: str) -> list[client.CoreV1Event]:
        """The Events about one LabelingProject."""
        selector = f"involvedObject.name={name},involvedObject.kind=LabelingProject"
        return client.CoreV1Api(self.api).list_namespaced_event(self.namespace, field_selector=selector).items

    def pods(self, component: str) -> list[client.V1Pod]:
        selector = f"app.kubernetes.io/component={component}"
        return client.CoreV1Api(self.api).list_namespaced_pod(self.namespace, label_selector=selector).items

    # -- LabelingProjects -----------------------------------------------------------------------------

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """Creates the project in this namespace; admin Secret names left at their defaults become this
        team's copies."""
        body = json.loads(json.dumps(body))
        body["metadata"]["namespace"] = self.namespace
        spec = body["spec"]
        for name, (section, key) in ADMIN_SECRETS.items():
            if spec.setdefault(section, {}).get(key, name) == name:
                spec[section][key] = self.admin_secret(name)
        return cast(
            dict[str, Any],
            self.custom.create_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, body),
        )

    def get(self, name: str) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self.custom.get_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name),
        )

    def patch(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self.custom.patch_namespaced_custom_object(
                GROUP, VERSION, self.namespace, PLURAL, name, {"spec": spec}
            ),
        )

    def delete(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name)

    def condition(self, name: str, type_: str) -> dict[str, Any]:
        for cond in (self.get(name).get("status") or {}).get("conditions") or []:
            if cond["type"] == type_:
                return dict(cond)
        return {}

    def wait_ready(self, name: str, timeout: float | None = None) -> dict[str, Any]:
        """The project once its phase is Ready; on timeout the error names each condition not True, with
        its reason and message."""
        try:
            return eventually(
                lambda: (p := self.get(name)).get("status", {}).get("phase") == "Ready" and p,
                f"LabelingProject {self.namespace}/{name} Ready",
                (timeout if timeout is not None else self.ready_timeout) * self.time_scale,
                self.poll_interval,
            )
        except AssertionError as exc:
            status = self.get(name).get("status", {})
            pending = [
                f"{c.get('type')}={c.get('status')} ({c.get('reason')}: {c.get('message')})"
                for c in status.get("conditions", [])
                if c.get("status") != "True"
            ]
            raise AssertionError(f"{exc}; phase {status.get('phase')!r}; not ready: {pending}") from None
