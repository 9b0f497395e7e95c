"""The deployment controller, without pods: ReplicaSets and a Deployment status as if every pod
became ready the moment it was asked for.

For each Deployment, as kube-controller-manager's deployment controller would leave it once a
rollout is complete:

- a ReplicaSet `<name>-<pod-template-hash>` for the current pod template (labels, selector
  and template carry `pod-template-hash`; `deployment.kubernetes.io/revision`,
  `desired-replicas` and `max-replicas` annotations; owned by the Deployment), scaled to
  `spec.replicas`, with ReplicaSets of older templates scaled to 0 and kept up to
  `revisionHistoryLimit`; the Deployment gets the `deployment.kubernetes.io/revision`
  annotation. ReplicaSets are made only when the cluster serves `apps/v1` `replicasets`;
- `status` through `/status`: `observedGeneration`, `replicas`, `updatedReplicas`,
  `readyReplicas`, `availableReplicas` (`unavailableReplicas` when some are not), and the
  `Available` and `Progressing` conditions with the real reasons and messages.

Shortcuts (documented differences): no Pods exist and no rollout takes time: the new ReplicaSet
has every replica at once, old ones none. All replicas are ready unless the Deployment's
annotation `localcluster.reconciler.dev/ready-replicas: "N"` holds them at N (then `Available`
follows `maxUnavailable` and `Progressing` says `ReplicaSetUpdated`); `minReadySeconds` and
`progressDeadlineSeconds` are not timed. The pod-template-hash is FNV-32a of the template's JSON
(the real one hashes Go's printing of it), so names differ from a real cluster's. ReplicaSets
whose Deployment is gone are deleted (the garbage collector's work).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from reconciler.localcluster.controllers.base import (
    Controller,
    Obj,
    create,
    delete,
    scan,
    served,
    set_condition,
    update,
    write_status,
)
from reconciler.localcluster.core.clock import now
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.storage.store import Event

READY_ANNOTATION = "localcluster.reconciler.dev/ready-replicas"
REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand.SafeEncodeString


class DeploymentController(Controller):
    name = "deployment"

    def relevant(self, event: Event) -> bool:
        return event.key.group == "apps" and event.key.resource in ("deployments", "replicasets")

    def sync(self, events: Sequence[Event] | None) -> None:
        rt = served(self.state, "apps", "deployments")
        if rt is None:  # pragma: no cover - a built-in type
            return
        rs_type = served(self.state, "apps", "replicasets")
        deployments = scan(self.state, "apps", "deployments")
        for deployment in deployments:
            if not deployment["metadata"].get("deletionTimestamp"):
                self._sync_one(rt, rs_type, deployment)
        if rs_type is not None:
            alive = {str(d["metadata"]["uid"]) for d in deployments}
            for rs in scan(self.state, "apps", "replicasets"):
                owner = _owner_uid(rs)
                if owner is not None and owner not in alive:
                    delete(self.state, rs_type, rs)

    def _sync_one(self, rt: ResourceType, rs_type: ResourceType | None, deployment: Obj) -> None:
        spec = deployment.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        template_hash = pod_template_hash(spec.get("template") or {})
        rs_name = f"{deployment['metadata']['name']}-{template_hash}"
        revision = "1"
        if rs_type is not None:
            revision = self._replica_sets(rs_type, deployment, rs_name, template_hash, replicas)
        if (deployment["metadata"].get("annotations") or {}).get(REVISION) != revision:
            changed = update(self.state, rt, deployment, lambda d: _annotate(d, REVISION, revision))
            deployment = changed or deployment
        write_status(self.state, rt, deployment, deployment_status(deployment, rs_name))

    def _replica_sets(
        self,
        rs_type: ResourceType,
        deployment: Obj,
        rs_name: str,
        template_hash: str,
        replicas: int,
    ) -> str:
        """Bring the Deployment's ReplicaSets in line; return the current one's revision."""
        meta = deployment["metadata"]
        owned = [
            rs
            for rs in scan(self.state, "apps", "replicasets", meta["namespace"])
            if _owner_uid(rs) == meta["uid"]
        ]
        revisions = [_revision(rs) for rs in owned]
        current = next((rs for rs in owned if rs["metadata"]["name"] == rs_name), None)
        revision = _revision(current) if current is not None else 0
        if revision < max(revisions, default=0) or current is None:
            revision = max(revisions, default=0) + 1  # a new template, or an old one again
        desired = replica_set(deployment, rs_name, template_hash, replicas, revision)
        if current is None:
            current = create(self.state, rs_type, desired)
        else:
            current = update(self.state, rs_type, current, lambda rs: _same_spec(rs, desired))
        if current is not None:
            write_status(self.state, rs_type, current, _rs_status(current, replicas))
        old = sorted((rs for rs in owned if rs["metadata"]["name"] != rs_name), key=_revision)
        keep = int((deployment.get("spec") or {}).get("revisionHistoryLimit", 10))
        for index, rs in enumerate(old):
            if index < len(old) - keep:
                delete(self.state, rs_type, rs)
                continue
            scaled = update(self.state, rs_type, rs, lambda r: r["spec"].update(replicas=0))
            if scaled is not None:
                write_status(self.state, rs_type, scaled, _rs_status(scaled, 0))
        return str(revision)


def pod_template_hash(template: Obj) -> str:
    """FNV-32a of the template, in the characters `rand.SafeEncodeString` uses."""
    value = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True, separators=(",", ":")).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE[ord(ch) % len(_SAFE)] for ch in str(value))


def replica_set(
    deployment: Obj, name: str, template_hash: str, replicas: int, revision: int
) -> Obj:
    """The ReplicaSet the deployment controller makes for the Deployment's current template."""
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    template = json.loads(json.dumps(spec.get("template") or {}))
    template_meta = template.setdefault("metadata", {})
    labels = {**(template_meta.get("labels") or {}), HASH_LABEL: template_hash}
    template_meta["labels"] = labels
    selector = json.loads(json.dumps(spec.get("selector") or {}))
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: template_hash}
    surge = _resolve(spec, "maxSurge", replicas, up=True)
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    annotations = {
        "deployment.kubernetes.io/desired-replicas": str(replicas),
        "deployment.kubernetes.io/max-replicas": str(replicas + surge),
        REVISION: str(revision),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner],
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
    }


def deployment_status(deployment: Obj, rs_name: str) -> Obj:
    """The status a complete rollout leaves (`READY_ANNOTATION` holding replicas back)."""
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    held = (meta.get("annotations") or {}).get(READY_ANNOTATION)
    ready = min(replicas, max(0, int(held))) if held and held.isdigit() else replicas
    unavailable_ok = _resolve(spec, "maxUnavailable", replicas, up=False)
    stamp, old = now(), deployment.get("status") or {}
    conditions: list[Obj] = list(old.get("conditions") or [])
    if ready >= replicas - unavailable_ok:
        available = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    else:
        message = "Deployment does not have minimum availability."
        available = ("False", "MinimumReplicasUnavailable", message)
    conditions = set_condition(conditions, "Available", *available, stamp, update_time=True)
    if ready == replicas:
        progress = (
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
        )
    else:
        progress = ("ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
    conditions = set_condition(
        conditions, "Progressing", "True", *progress, stamp, update_time=True
    )
    counts = {
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": replicas - ready,
    }
    status: Obj = {"observedGeneration": int(meta.get("generation") or 1)}
    status.update({k: v for k, v in counts.items() if v})  # the real status omits zeros
    status["conditions"] = conditions
    return status


def _rs_status(rs: Obj, replicas: int) -> Obj:
    counts = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")
    status: Obj = {k: replicas for k in counts} if replicas else {"replicas": 0}
    status["observedGeneration"] = int(rs["metadata"].get("generation") or 1)
    return status


def _resolve(spec: Obj, field: str, replicas: int, *, up: bool) -> int:
    """`maxSurge`/`maxUnavailable` of a RollingUpdate: an int, or a percent of replicas
    (surge rounds up, unavailable down; both 0 means 1 unavailable). Recreate: 0."""
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate" or not replicas:
        return 0
    rolling = strategy.get("rollingUpdate") or {}
    default = "25%"
    values = {k: rolling.get(k, default) for k in ("maxSurge", "maxUnavailable")}
    amounts = {k: _amount(v, replicas, up=k == "maxSurge") for k, v in values.items()}
    if amounts["maxSurge"] == 0 and amounts["maxUnavailable"] == 0:
        amounts["maxUnavailable"] = 1
    return amounts[field]


def _amount(value: Any, replicas: int, *, up: bool) -> int:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if up else math.floor(exact)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _owner_uid(obj: Obj) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == "Deployment":
            return str(ref.get("uid"))
    return None


def _revision(rs: Obj | None) -> int:
    value = ((rs or {}).get("metadata", {}).get("annotations") or {}).get(REVISION, "0")
    return int(value) if str(value).isdigit() else 0


def _annotate(obj: Obj, key: str, value: str) -> None:
    obj["metadata"].setdefault("annotations", {})[key] = value


def _same_spec(rs: Obj, desired: Obj) -> None:
    """Carry the desired labels, annotations and replicas onto an existing ReplicaSet (its
    template is the desired one: the name says so through the template's hash)."""
    meta = rs["metadata"]
    meta["labels"] = {**(meta.get("labels") or {}), **desired["metadata"]["labels"]}
    meta["annotations"] = {**(meta.get("annotations") or {}), **desired["metadata"]["annotations"]}
    rs.setdefault("spec", {})["replicas"] = desired["spec"]["replicas"]
