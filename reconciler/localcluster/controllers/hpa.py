"""The horizontal pod autoscaler controller, with the metric given by hand.

There is no metrics server, so the metric is an annotation on the HorizontalPodAutoscaler:

    kubectl annotate hpa web localcluster.reconciler.dev/metric-value=140 --overwrite

is read as the current average utilization (percent of request) of the HPA's first `Resource`
or `ContainerResource` metric with a `Utilization` target. Everything after that is the real
controller's (`pkg/controller/podautoscaler`): replicas outside `[minReplicas, maxReplicas]`
are brought inside; otherwise `desired = ceil(current * metric / target)`, unless
`|metric / target - 1| <= 0.1` (the tolerance); then stabilization (the highest
recommendation of the last 300 s for a scale-down, or the windows of `spec.behavior`), the
scale-up limit `max(2 * current, 4)` and the min/max bounds. A change is written to the
target's `/scale` as field manager `kube-controller-manager` (an `Update` entry with
`subresource: scale`, exactly what the real HPA leaves), with a `SuccessfulRescale` Event; the
status (`currentReplicas`, `desiredReplicas`, `currentMetrics`, `lastScaleTime`, the
`AbleToScale`/`ScalingActive`/`ScalingLimited` conditions) is written through `/status`.

Each HPA is evaluated when its spec or metric annotation changes (the real controller waits for
its next sync instead: a documented speed-up) and then every sync period (`resync`, 15 s by
default as `--horizontal-pod-autoscaler-sync-period`). `behavior` rate policies are not applied
(only its stabilization windows and `selectPolicy: Disabled`); other metric types are reported
as unavailable.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Sequence

from reconciler.localcluster.controllers.base import (
    Controller,
    Obj,
    create,
    key_of,
    served,
    set_condition,
    update,
    write_status,
)
from reconciler.localcluster.core.clock import now
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import Event, ObjectKey

METRIC_ANNOTATION = "localcluster.reconciler.dev/metric-value"
TOLERANCE = 0.1
DOWNSCALE_WINDOW = 300
# reason -> (condition type, status, message), as pkg/controller/podautoscaler writes them.
REASONS: dict[str, tuple[str, str, str]] = {
    "FailedGetScale": (
        "AbleToScale",
        "False",
        "the HPA controller was unable to get the target's current scale: {}",
    ),
    "SucceededGetScale": (
        "AbleToScale",
        "True",
        "the HPA controller was able to get the target's current scale",
    ),
    "FailedUpdateScale": (
        "AbleToScale",
        "False",
        "the HPA controller was unable to update the target scale: {}",
    ),
    "SucceededRescale": (
        "AbleToScale",
        "True",
        "the HPA controller was able to update the target scale to {}",
    ),
    "ReadyForNewScale": ("AbleToScale", "True", "recommended size matches current size"),
    "ScaleUpStabilized": (
        "AbleToScale",
        "True",
        "recent recommendations were lower than current one, applying the lowest recent "
        "recommendation",
    ),
    "ScaleDownStabilized": (
        "AbleToScale",
        "True",
        "recent recommendations were higher than current one, applying the highest recent "
        "recommendation",
    ),
    "ScalingDisabled": (
        "ScalingActive",
        "False",
        "scaling is disabled since the replica count of the target is zero",
    ),
    "FailedGetResourceMetric": (
        "ScalingActive",
        "False",
        "the HPA was unable to compute the replica count: failed to get {0} utilization: unable "
        "to get metrics for resource {0}: no metrics returned from resource metrics API",
    ),
    "ValidMetricFound": (
        "ScalingActive",
        "True",
        "the HPA was able to successfully calculate a replica count from {} resource "
        "utilization (percentage of request)",
    ),
    "TooFewReplicas": (
        "ScalingLimited",
        "True",
        "the desired replica count is less than the minimum replica count",
    ),
    "TooManyReplicas": (
        "ScalingLimited",
        "True",
        "the desired replica count is more than the maximum replica count",
    ),
    "ScaleUpLimit": (
        "ScalingLimited",
        "True",
        "the desired replica count is increasing faster than the maximum scale rate",
    ),
    "DesiredWithinRange": (
        "ScalingLimited",
        "False",
        "the desired count is within the acceptable range",
    ),
}


class _Conditions:
    """An HPA's conditions being rewritten in one evaluation."""

    def __init__(self, old: list[Obj]) -> None:
        self.items = old
        self.stamp = now()

    def set(self, reason: str, *args: object) -> None:
        kind, status, message = REASONS[reason]
        text = message.format(*args)
        self.items = set_condition(self.items, kind, status, reason, text, self.stamp)


class HPAController(Controller):
    name = "hpa"

    def __init__(self, state: ClusterState, resync: float) -> None:
        super().__init__(state, resync)
        self._seen: dict[ObjectKey, tuple[object, ...]] = {}  # what was evaluated last
        self._last: dict[ObjectKey, float] = {}  # when (monotonic)
        self._recommendations: dict[ObjectKey, list[tuple[float, int]]] = {}

    def relevant(self, event: Event) -> bool:
        return (event.key.group, event.key.resource) == ("autoscaling", "horizontalpodautoscalers")

    def due(self) -> bool:
        clock = time.monotonic()
        return any(clock - last >= self.resync for last in self._last.values())

    def sync(self, events: Sequence[Event] | None) -> None:
        """Evaluate each HPA that changed (spec or metric) or whose sync period is over."""
        rt = served(self.state, "autoscaling", "horizontalpodautoscalers")
        if rt is None:  # pragma: no cover - a built-in type
            return
        alive = set()
        for hpa in self.state.store.scan(rt.group, rt.plural, None)[0]:
            key = key_of(rt, hpa)
            alive.add(key)
            meta = hpa["metadata"]
            seen = (meta.get("uid"), meta.get("generation"), metric_value(hpa))
            clock = time.monotonic()
            if self._seen.get(key) == seen and clock - self._last[key] < self.resync:
                continue
            if self._seen.get(key, (None,))[0] != seen[0]:
                self._recommendations.pop(key, None)  # a new object of the same name
            self._seen[key], self._last[key] = seen, clock
            if not meta.get("deletionTimestamp"):
                self._evaluate(rt, key, hpa)
        for gone in set(self._last) - alive:
            self._seen.pop(gone, None)
            self._last.pop(gone, None)
            self._recommendations.pop(gone, None)

    def _evaluate(self, rt: ResourceType, key: ObjectKey, hpa: Obj) -> None:
        """One pass of the real `reconcileAutoscaler`."""
        spec, status = hpa.get("spec") or {}, dict(hpa.get("status") or {})
        ref = spec.get("scaleTargetRef") or {}
        conditions = _Conditions(list(status.get("conditions") or []))
        target_rt, target = self._target(ref, str(hpa["metadata"]["namespace"]))
        if target_rt is None or target is None:
            group = str(ref.get("apiVersion") or "").rpartition("/")[0]
            where = (
                f'{target_rt.group_resource} "{ref.get("name")}" not found'
                if target_rt
                else f'no matches for kind "{ref.get("kind")}" in group "{group}"'
            )
            conditions.set("FailedGetScale", where)
            write_status(self.state, rt, hpa, {**status, "conditions": conditions.items})
            return
        current = int((target.get("spec") or {}).get("replicas") or 0)
        conditions.set("SucceededGetScale")
        low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
        metric, goal = utilization_target(spec)
        value, reason, desired = metric_value(hpa), "", current
        status.pop("currentMetrics", None)
        if current == 0 and low != 0:
            conditions.set("ScalingDisabled")
        elif current > high:
            desired, reason = high, "Current number of replicas above Spec.MaxReplicas"
        elif current < low:
            desired, reason = low, "Current number of replicas below Spec.MinReplicas"
        elif goal is None or value is None:
            conditions.set("FailedGetResourceMetric", metric)
        else:
            ratio = value / goal
            proposal = current if abs(1.0 - ratio) <= TOLERANCE else math.ceil(ratio * current)
            conditions.set("ValidMetricFound", metric)
            usage = {"name": metric, "current": {"averageUtilization": round(value)}}
            status["currentMetrics"] = [{"type": "Resource", "resource": usage}]
            desired = self._normalize(key, spec, current, proposal, conditions)
            reason = f"{metric} resource utilization (percentage of request) above target"
            if desired < current:
                reason = "All metrics below target"
        if desired != current:
            desired = self._rescale(target_rt, target, hpa, current, desired, reason, conditions)
            if desired != current:
                status["lastScaleTime"] = conditions.stamp
        status.update(currentReplicas=current, desiredReplicas=desired)
        if not current:
            status.pop("currentReplicas")  # omitempty
        status["conditions"] = conditions.items
        write_status(self.state, rt, hpa, status)

    def _target(self, ref: Obj, namespace: str) -> tuple[ResourceType | None, Obj | None]:
        """The type and object `scaleTargetRef` names (a kind with a `/scale` subresource)."""
        group = str(ref.get("apiVersion") or "").rpartition("/")[0]
        for rt in self.state.resources.all():
            if rt.group == group and rt.kind == ref.get("kind") and "scale" in rt.subresources:
                key = ObjectKey(rt.group, rt.plural, namespace, str(ref.get("name")))
                return rt, self.state.store.get(key)
        return None, None

    def _normalize(
        self, key: ObjectKey, spec: Obj, current: int, proposal: int, conditions: _Conditions
    ) -> int:
        """Stabilize `proposal` over recent recommendations, then limit it (the real
        `normalizeDesiredReplicas`, with `behavior`'s windows when it is given)."""
        behavior = spec.get("behavior") or {}
        up_rules, down_rules = behavior.get("scaleUp") or {}, behavior.get("scaleDown") or {}
        up = int(up_rules.get("stabilizationWindowSeconds", 0))
        down = int(down_rules.get("stabilizationWindowSeconds", DOWNSCALE_WINDOW))
        clock = time.monotonic()
        history = [r for r in self._recommendations.get(key, []) if clock - r[0] < max(up, down)]
        highest = max([proposal, *(v for t, v in history if clock - t < down)])
        lowest = min([proposal, *(v for t, v in history if clock - t < up)])
        self._recommendations[key] = [*history, (clock, proposal)]
        stabilized = min(max(current, lowest), highest)
        if stabilized < proposal:
            conditions.set("ScaleUpStabilized")
        elif stabilized > proposal:
            conditions.set("ScaleDownStabilized")
        else:
            conditions.set("ReadyForNewScale")
        if stabilized > current and up_rules.get("selectPolicy") == "Disabled":
            stabilized = current
        if stabilized < current and down_rules.get("selectPolicy") == "Disabled":
            stabilized = current
        low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
        limit = max(2 * current, 4)
        if stabilized < low:
            conditions.set("TooFewReplicas")
            return low
        if stabilized > min(high, limit):
            conditions.set("ScaleUpLimit" if high > limit else "TooManyReplicas")
            return min(high, limit)
        conditions.set("DesiredWithinRange")
        return stabilized

    def _rescale(
        self,
        target_rt: ResourceType,
        target: Obj,
        hpa: Obj,
        current: int,
        desired: int,
        reason: str,
        conditions: _Conditions,
    ) -> int:
        """Write `desired` to the target's `/scale`; the replicas it has afterwards."""

        def change(obj: Obj) -> None:
            obj.setdefault("spec", {})["replicas"] = desired

        if update(self.state, target_rt, target, change, subresource="scale") is None:
            conditions.set("FailedUpdateScale", "the target changed or is gone")
            return current
        conditions.set("SucceededRescale", desired)
        self._event(hpa, f"New size: {desired}; reason: {reason}", conditions.stamp)
        return desired

    def _event(self, hpa: Obj, message: str, stamp: str) -> None:
        """The `Normal SuccessfulRescale` Event that `kubectl describe hpa` shows."""
        events = served(self.state, "", "events")
        if events is None:  # pragma: no cover - a built-in type
            return
        meta = hpa["metadata"]
        involved = {
            "apiVersion": hpa.get("apiVersion"),
            "kind": "HorizontalPodAutoscaler",
            "namespace": meta["namespace"],
            "name": meta["name"],
            "uid": meta["uid"],
            "resourceVersion": meta.get("resourceVersion"),
        }
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{meta['name']}.{secrets.token_hex(8)}",
                "namespace": meta["namespace"],
            },
            "involvedObject": involved,
            "reason": "SuccessfulRescale",
            "message": message,
            "source": {"component": "horizontal-pod-autoscaler"},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": "Normal",
            "reportingComponent": "horizontal-pod-autoscaler",
            "reportingInstance": "",
        }
        create(self.state, events, event)


def metric_value(hpa: Obj) -> float | None:
    """The metric value the annotation gives, if it is a non-negative number."""
    text = ((hpa.get("metadata") or {}).get("annotations") or {}).get(METRIC_ANNOTATION)
    if text is None:
        return None
    try:
        value = float(str(text).strip().rstrip("%"))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def utilization_target(spec: Obj) -> tuple[str, float | None]:
    """(resource name, target averageUtilization) of the first utilization metric (or of an
    autoscaling/v1 body's `targetCPUUtilizationPercentage`)."""
    if spec.get("targetCPUUtilizationPercentage"):
        return "cpu", float(spec["targetCPUUtilizationPercentage"])
    for metric in spec.get("metrics") or []:
        source = metric.get("resource") or metric.get("containerResource") or {}
        target = source.get("target") or {}
        if target.get("type") == "Utilization" and target.get("averageUtilization"):
            return str(source.get("name", "cpu")), float(target["averageUtilization"])
    return "cpu", None
