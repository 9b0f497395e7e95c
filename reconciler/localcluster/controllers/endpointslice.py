"""The EndpointSlice controller, without pods: endpoints synthesised from Deployments.

For each Service with a `spec.selector`, one `discovery.k8s.io/v1` EndpointSlice, as the real
controller writes it: named `<service>-<random>` (generateName), labelled
`kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io` (plus the Service's own labels), owned by the Service,
`addressType: IPv4`, `ports` from the Service's ports (a named `targetPort` resolved against
the containers' ports). Slices of Services that are gone or lost their selector are deleted.

Shortcut (a documented difference): there are no Pods, so the endpoints are the replicas of the
Deployments in the Service's namespace whose pod template labels the selector matches: one
endpoint per `spec.replicas`, with a made-up pod IP (10.244.0.0/16, stable per pod name) and a
`targetRef` to a Pod that does not exist, named like the pod of the Deployment's ReplicaSet. The
first `status.readyReplicas` of them are ready (and serving), the rest not, so a Service is
healthy exactly when the Deployments behind it are available, as the `deployment` controller
(or whoever writes their status) says.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Sequence

from reconciler.localcluster.controllers.base import (
    Controller,
    Obj,
    create,
    delete,
    scan,
    served,
    update,
)
from reconciler.localcluster.controllers.deployment import pod_template_hash
from reconciler.localcluster.storage.store import Event

GROUP, RESOURCE = "discovery.k8s.io", "endpointslices"
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
_WATCHED = {("", "services"), ("apps", "deployments"), (GROUP, RESOURCE)}


class EndpointSliceController(Controller):
    name = "endpointslice"

    def relevant(self, event: Event) -> bool:
        return (event.key.group, event.key.resource) in _WATCHED

    def sync(self, events: Sequence[Event] | None) -> None:
        rt = served(self.state, GROUP, RESOURCE)
        if rt is None:
            return
        services = {
            (s["metadata"]["namespace"], s["metadata"]["name"]): s
            for s in scan(self.state, "", "services")
            if _selects(s) and not s["metadata"].get("deletionTimestamp")
        }
        slices: dict[tuple[str, str], list[Obj]] = {}
        for item in scan(self.state, GROUP, RESOURCE):
            labels = item["metadata"].get("labels") or {}
            if labels.get(MANAGED_BY) == CONTROLLER and SERVICE_NAME in labels:
                slices.setdefault((item["metadata"]["namespace"], labels[SERVICE_NAME]), []).append(
                    item
                )
        for key, owned in slices.items():
            service = services.get(key)
            for item in owned:
                if service is None or _owner_uid(item) != service["metadata"]["uid"]:
                    delete(self.state, rt, item)
        for key, service in services.items():
            desired = endpoint_slice(service, scan(self.state, "apps", "deployments", key[0]))
            mine = [s for s in slices.get(key, []) if _owner_uid(s) == service["metadata"]["uid"]]
            if not mine:
                create(self.state, rt, desired)
                continue
            for extra in mine[1:]:
                delete(self.state, rt, extra)
            update(self.state, rt, mine[0], functools.partial(_carry, desired=desired))


def _selects(service: Obj) -> bool:
    spec = service.get("spec") or {}
    return bool(spec.get("selector")) and spec.get("type") != "ExternalName"


def _owner_uid(obj: Obj) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == "Service" and ref.get("controller"):
            return str(ref.get("uid"))
    return None


def endpoint_slice(service: Obj, deployments: list[Obj]) -> Obj:
    """The slice for `service`, from the Deployments (of its namespace) its selector matches."""
    meta, spec = service["metadata"], service.get("spec") or {}
    selector: dict[str, str] = spec.get("selector") or {}
    matched = [
        d
        for d in deployments
        if not d["metadata"].get("deletionTimestamp")
        and selector.items() <= _template_labels(d).items()
    ]
    endpoints: list[Obj] = []
    for deployment in sorted(matched, key=lambda d: str(d["metadata"]["name"])):
        endpoints.extend(_endpoints(deployment))
    labels = {**(meta.get("labels") or {}), SERVICE_NAME: meta["name"], MANAGED_BY: CONTROLLER}
    if spec.get("clusterIP") == "None":
        labels["service.kubernetes.io/headless"] = ""
    owner = {
        "apiVersion": "v1",
        "kind": "Service",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    body: Obj = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{meta['name']}-",
            "namespace": meta["namespace"],
            "labels": labels,
            "ownerReferences": [owner],
        },
        "addressType": "IPv4",
    }
    if endpoints:
        body["endpoints"] = endpoints
        body["ports"] = _ports(spec, matched[0])
    return body


def _template_labels(deployment: Obj) -> dict[str, str]:
    template = (deployment.get("spec") or {}).get("template") or {}
    return dict((template.get("metadata") or {}).get("labels") or {})


def _endpoints(deployment: Obj) -> list[Obj]:
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    ready = int((deployment.get("status") or {}).get("readyReplicas") or 0)
    prefix = f"{meta['name']}-{pod_template_hash(spec.get('template') or {})}"
    out: list[Obj] = []
    for index in range(replicas):
        digest = hashlib.sha256(f"{meta['uid']}/{index}".encode()).digest()
        pod = f"{prefix}-{''.join('bcdfghjklmnpqrstvwxz2456789'[b % 27] for b in digest[:5])}"
        address = f"10.244.{digest[5]}.{digest[6] % 254 + 1}"
        uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pod:{meta['namespace']}/{pod}"))
        up = index < ready
        out.append(
            {
                "addresses": [address],
                "conditions": {"ready": up, "serving": up, "terminating": False},
                "targetRef": {
                    "kind": "Pod",
                    "namespace": meta["namespace"],
                    "name": pod,
                    "uid": uid,
                },
            }
        )
    return out


def _ports(spec: Obj, deployment: Obj) -> list[Obj]:
    """Service ports with `targetPort` resolved against the pod template's container ports."""
    template = (deployment.get("spec") or {}).get("template") or {}
    named = {
        str(p.get("name")): int(p["containerPort"])
        for c in (template.get("spec") or {}).get("containers") or []
        for p in c.get("ports") or []
        if p.get("name") and "containerPort" in p
    }
    out: list[Obj] = []
    for port in spec.get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        number = named.get(target) if isinstance(target, str) else target
        if number is None:
            continue  # a name no container declares: the real controller leaves it out too
        item = {"name": port.get("name", ""), "port": int(number)}
        item["protocol"] = port.get("protocol", "TCP")
        if port.get("appProtocol"):
            item["appProtocol"] = port["appProtocol"]
        out.append(item)
    return out


def _carry(item: Obj, desired: Obj) -> None:
    """The desired labels, owner, endpoints and ports on the existing slice."""
    item["metadata"]["labels"] = desired["metadata"]["labels"]
    item["metadata"]["ownerReferences"] = desired["metadata"]["ownerReferences"]
    item["addressType"] = desired["addressType"]
    for field in ("endpoints", "ports"):
        if field in desired:
            item[field] = desired[field]
        else:
            item.pop(field, None)
