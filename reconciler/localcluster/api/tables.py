"""Server-side printing: `meta.k8s.io/v1` Tables, what `kubectl get` shows.

kubectl asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints the columns
it gets back; the real server's columns per kind are mirrored for the kinds served here
(`Ready`, `Up-to-date`, `Available` for Deployments; `Data` for ConfigMaps...), custom resources
get their CRD's `additionalPrinterColumns`, and anything else `Name` and `Age`::

    {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "42"},
     "columnDefinitions": [{"name": "Name", "type": "string", "format": "name", ...}, ...],
     "rows": [{"cells": ["web", "0/3", 0, 0, "5m"], "object": {PartialObjectMetadata}}]}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from reconciler.localcluster.core.resources import ResourceType

Cell = Callable[[dict[str, Any]], Any]
Column = tuple[str, str, int, Cell]  # name, type, priority, cell


def wants_table(accept: str) -> bool:
    first = accept.split(",", 1)[0]
    return "as=Table" in first and "g=meta.k8s.io" in first


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration: 5s, 3m2s, 45m, 5h3m, 20h, 3d4h, 30d, 2y."""
    s = max(int(seconds), 0)
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    return f"{h // (24 * 365)}y"


def _age(obj: dict[str, Any]) -> str:
    stamp = (obj.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    created = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return human_duration((datetime.now(UTC) - created).total_seconds())


def _get(obj: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int) and isinstance(obj, list) and len(obj) > step:
            obj = obj[step]
        elif isinstance(step, str) and isinstance(obj, dict):
            obj = obj.get(step)
        else:
            return None
    return obj


def _ports(svc: dict[str, Any]) -> str:
    ports = _get(svc, "spec", "ports") or []
    text = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/"
        f"{p.get('protocol', 'TCP')}"
        for p in ports
    )
    return text or "<none>"


def _ready(o: dict[str, Any]) -> str:
    return f"{_get(o, 'status', 'readyReplicas') or 0}/{_get(o, 'spec', 'replicas') or 0}"


def _num(*path: str) -> Cell:
    return lambda o: _get(o, *path) or 0


def _text(*path: str, default: str = "<none>") -> Cell:
    return lambda o: str(_get(o, *path)) if _get(o, *path) is not None else default


def _containers(field: str) -> Cell:
    return lambda o: ",".join(
        str(c.get(field, "")) for c in _get(o, "spec", "template", "spec", "containers") or []
    )


def _selector(o: dict[str, Any]) -> str:
    labels = _get(o, "spec", "selector", "matchLabels") or _get(o, "spec", "selector") or {}
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in labels.items() if isinstance(v, str)) or "<none>"


NAME: Column = ("Name", "string", 0, lambda o: _get(o, "metadata", "name"))
AGE: Column = ("Age", "string", 0, _age)
CREATED_AT: Column = ("Created At", "date", 0, lambda o: _get(o, "metadata", "creationTimestamp"))
WORKLOAD_WIDE: list[Column] = [
    ("Containers", "string", 1, _containers("name")),
    ("Images", "string", 1, _containers("image")),
    ("Selector", "string", 1, _selector),
]

COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("", "Namespace"): [NAME, ("Status", "string", 0, _text("status", "phase")), AGE],
    ("", "ConfigMap"): [
        NAME,
        ("Data", "integer", 0, lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
        AGE,
    ],
    ("", "Secret"): [
        NAME,
        ("Type", "string", 0, _text("type", default="Opaque")),
        ("Data", "integer", 0, lambda o: len(o.get("data") or {})),
        AGE,
    ],
    ("", "Service"): [
        NAME,
        ("Type", "string", 0, _text("spec", "type", default="ClusterIP")),
        ("Cluster-IP", "string", 0, _text("spec", "clusterIP")),
        ("External-IP", "string", 0, lambda o: "<none>"),
        ("Port(s)", "string", 0, _ports),
        AGE,
        ("Selector", "string", 1, _selector),
    ],
    ("apps", "Deployment"): [
        NAME,
        ("Ready", "string", 0, _ready),
        ("Up-to-date", "integer", 0, _num("status", "updatedReplicas")),
        ("Available", "integer", 0, _num("status", "availableReplicas")),
        AGE,
        *WORKLOAD_WIDE,
    ],
    ("apps", "StatefulSet"): [NAME, ("Ready", "string", 0, _ready), AGE, *WORKLOAD_WIDE[:2]],
    ("apps", "DaemonSet"): [
        NAME,
        ("Desired", "integer", 0, _num("status", "desiredNumberScheduled")),
        ("Current", "integer", 0, _num("status", "currentNumberScheduled")),
        ("Ready", "integer", 0, _num("status", "numberReady")),
        ("Up-to-date", "integer", 0, _num("status", "updatedNumberScheduled")),
        ("Available", "integer", 0, _num("status", "numberAvailable")),
        AGE,
    ],
    ("batch", "CronJob"): [
        NAME,
        ("Schedule", "string", 0, _text("spec", "schedule")),
        ("Suspend", "boolean", 0, lambda o: bool(_get(o, "spec", "suspend"))),
        ("Active", "integer", 0, lambda o: len(_get(o, "status", "active") or [])),
        ("Last Schedule", "string", 0, _text("status", "lastScheduleTime")),
        AGE,
    ],
    ("autoscaling", "HorizontalPodAutoscaler"): [
        NAME,
        (
            "Reference",
            "string",
            0,
            lambda o: (
                f"{_get(o, 'spec', 'scaleTargetRef', 'kind')}/"
                f"{_get(o, 'spec', 'scaleTargetRef', 'name')}"
            ),
        ),
        ("MinPods", "string", 0, _text("spec", "minReplicas", default="1")),
        ("MaxPods", "integer", 0, _num("spec", "maxReplicas")),
        ("Replicas", "integer", 0, _num("status", "currentReplicas")),
        AGE,
    ],
    ("coordination.k8s.io", "Lease"): [
        NAME,
        ("Holder", "string", 0, _text("spec", "holderIdentity", default="")),
        AGE,
    ],
}
for _kind in ("Role", "ClusterRole"):
    COLUMNS[("rbac.authorization.k8s.io", _kind)] = [NAME, CREATED_AT]
COLUMNS[("apiextensions.k8s.io", "CustomResourceDefinition")] = [NAME, CREATED_AT]


def _jsonpath(path: str) -> Cell:
    steps: list[str | int] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path.strip("{}")):
        steps.append(int(part[1:-1]) if part.startswith("[") else part)
    return lambda o: _get(o, *steps)


def columns_for(rt: ResourceType) -> list[Column]:
    if not rt.builtin:
        extra = [(n, t, 0, _jsonpath(p)) for n, t, p in rt.printer_columns]
        has_age = any(n == "Age" for n, _, _ in rt.printer_columns)
        return [NAME, *extra] if has_age else [NAME, *extra, AGE]
    return COLUMNS.get((rt.group, rt.kind), [NAME, AGE])


def _row_object(obj: dict[str, Any], include: str) -> dict[str, Any] | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def to_table(
    rt: ResourceType, objects: list[dict[str, Any]], list_meta: dict[str, Any], include: str
) -> dict[str, Any]:
    columns = columns_for(rt)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": [cell(obj) for _, _, _, cell in columns]}
        embedded = _row_object(obj, include)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": [
            {
                "name": name,
                "type": kind if kind != "date" else "date",
                "format": "name" if name == "Name" else "",
                "description": name,
                "priority": priority,
            }
            for name, kind, priority, _ in columns
        ],
        "rows": rows,
    }
