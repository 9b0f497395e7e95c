"""The embedded HPA controller: the real formula, tolerance, limits and stabilization on a metric
set by annotation, writing `/scale` and status as kube-controller-manager does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler.localcluster.server import start_local_cluster
from tests.localcluster.conftest import RunningCluster
from tests.localcluster.test_controllers import deployment, entry, eventually, get

METRIC = "localcluster.reconciler.dev/metric-value"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A server running the HPA controller alone (nothing else changes replicas)."""
    root = tmp_path_factory.mktemp("hpa")
    handle = start_local_cluster(root / "state", controllers=frozenset({"hpa"}))
    api = k8s_config.new_client_from_config(config_file=str(handle.kubeconfig_path))
    http = httpx.Client(base_url=handle.url, timeout=10)
    (root / "home").mkdir()
    try:
        yield RunningCluster(handle, api, http, root / "home")
    finally:
        http.close()
        api.close()
        handle.stop()


def hpa(target: str, low: int, high: int, **spec: Any) -> dict[str, Any]:
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}
    utilization = {"type": "Utilization", "averageUtilization": 70}
    metric = {"type": "Resource", "resource": {"name": "cpu", "target": utilization}}
    return {
        "metadata": {"name": target},
        "spec": {
            "scaleTargetRef": ref,
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [metric],
            **spec,
        },
    }


def setup(live: RunningCluster, replicas: int, low: int, high: int, **spec: Any) -> str:
    ns = live.new_namespace()
    k8s.AppsV1Api(live.api).create_namespaced_deployment(ns, deployment("web", replicas))
    k8s.AutoscalingV2Api(live.api).create_namespaced_horizontal_pod_autoscaler(
        ns, hpa("web", low, high, **spec)
    )
    return ns


def replicas(live: RunningCluster, ns: str) -> int:
    return int(get(live, f"/apis/apps/v1/namespaces/{ns}/deployments/web")["spec"]["replicas"])


def hpa_status(live: RunningCluster, ns: str) -> dict[str, Any]:
    path = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/web"
    status: dict[str, Any] = get(live, path)["status"]
    return status


def reasons(live: RunningCluster, ns: str) -> dict[str, str]:
    return {c["type"]: c["reason"] for c in hpa_status(live, ns).get("conditions") or []}


def messages(live: RunningCluster, ns: str) -> list[str]:
    return [e["message"] for e in get(live, f"/api/v1/namespaces/{ns}/events")["items"]]


def set_metric(live: RunningCluster, ns: str, value: str) -> None:
    live.kubectl_ok("annotate", "-n", ns, "hpa/web", f"{METRIC}={value}", "--overwrite")


def test_hpa_scales_its_target_through_scale(live: RunningCluster) -> None:
    ns = setup(live, 2, 2, 10)
    eventually(lambda: reasons(live, ns).get("ScalingActive") == "FailedGetResourceMetric")
    set_metric(live, ns, "140")
    eventually(lambda: replicas(live, ns) == 4)  # ceil(2 * 140 / 70)
    web = get(live, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    written = entry(web, "kube-controller-manager", "scale")
    assert written is not None, web["metadata"]["managedFields"]
    assert (written["operation"], written["fieldsV1"]) == ("Update", {"f:spec": {"f:replicas": {}}})

    status = eventually(lambda: (s := hpa_status(live, ns)).get("lastScaleTime") and s)
    assert (status["currentReplicas"], status["desiredReplicas"]) == (2, 4)
    assert status["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 140}}}
    ]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert [c["type"] for c in status["conditions"]] == [
        "AbleToScale",
        "ScalingActive",
        "ScalingLimited",
    ]
    assert (
        conditions["AbleToScale"]["message"]
        == "the HPA controller was able to update the target scale to 4"
    )
    assert conditions["ScalingActive"]["reason"] == "ValidMetricFound"
    assert conditions["ScalingLimited"]["reason"] == "DesiredWithinRange"
    path = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/web"
    assert entry(get(live, path), "kube-controller-manager", "status") is not None
    events = get(live, f"/api/v1/namespaces/{ns}/events")["items"]
    assert [(e["reason"], e["message"]) for e in events] == [
        (
            "SuccessfulRescale",
            "New size: 4; reason: cpu resource utilization (percentage of request) above target",
        )
    ]
    # The typed client reads what the controller wrote.
    typed = k8s.AutoscalingV2Api(live.api).read_namespaced_horizontal_pod_autoscaler("web", ns)
    assert typed.status.desired_replicas == 4
    shown = live.kubectl_ok(
        "get", "hpa", "web", "-n", ns, "-o", "jsonpath={.status.desiredReplicas}"
    )
    assert shown == "4"


def test_tolerance_and_limits(live: RunningCluster) -> None:
    ns = setup(live, 2, 1, 10)
    set_metric(live, ns, "75")  # 75 / 70 is within the 10% tolerance
    eventually(lambda: reasons(live, ns).get("ScalingActive") == "ValidMetricFound")
    assert replicas(live, ns) == 2 and reasons(live, ns)["AbleToScale"] == "ReadyForNewScale"
    set_metric(live, ns, "1000")  # ceil(2 * 1000 / 70) = 29, but at most max(2 * 2, 4) at once
    # The status is written after /scale: wait for it, then look at both.
    eventually(lambda: reasons(live, ns).get("ScalingLimited") == "ScaleUpLimit")
    assert replicas(live, ns) == 4
    k8s.AutoscalingV2Api(live.api).patch_namespaced_horizontal_pod_autoscaler(
        "web", ns, {"spec": {"maxReplicas": 6}}
    )
    eventually(lambda: reasons(live, ns).get("ScalingLimited") == "TooManyReplicas")
    assert replicas(live, ns) == 6  # ceil(4 * 1000 / 70), capped at maxReplicas


def test_scale_down_waits_for_the_stabilization_window(live: RunningCluster) -> None:
    ns = setup(live, 2, 1, 10)
    set_metric(live, ns, "140")
    eventually(lambda: replicas(live, ns) == 4)
    set_metric(live, ns, "35")  # wants ceil(4 * 35 / 70) = 2, but 4 was recommended just now
    eventually(lambda: reasons(live, ns).get("AbleToScale") == "ScaleDownStabilized")
    assert replicas(live, ns) == 4 and hpa_status(live, ns)["desiredReplicas"] == 4

    quick = setup(live, 4, 1, 10, behavior={"scaleDown": {"stabilizationWindowSeconds": 0}})
    set_metric(live, quick, "35")
    eventually(lambda: replicas(live, quick) == 2)
    scaled = eventually(lambda: messages(live, quick))  # the Event follows the /scale write
    assert scaled == ["New size: 2; reason: All metrics below target"]


def test_bounds_missing_metrics_and_missing_targets(live: RunningCluster) -> None:
    ns = setup(live, 1, 3, 5)  # below minReplicas: raised without any metric
    eventually(lambda: replicas(live, ns) == 3)
    scaled = eventually(lambda: messages(live, ns))
    assert scaled == ["New size: 3; reason: Current number of replicas below Spec.MinReplicas"]
    eventually(lambda: reasons(live, ns).get("AbleToScale") == "SucceededRescale")
    assert "ScalingActive" not in reasons(live, ns)  # no metric was needed to get in bounds

    k8s.AutoscalingV2Api(live.api).create_namespaced_horizontal_pod_autoscaler(
        ns, hpa("nope", 1, 2)
    )
    path = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/nope"

    def failed() -> dict[str, Any] | None:
        conditions = get(live, path)["status"].get("conditions") or []
        return next((c for c in conditions if c["reason"] == "FailedGetScale"), None)

    condition = eventually(failed)
    assert condition["status"] == "False"
    assert condition["message"] == (
        "the HPA controller was unable to get the target's current scale: "
        'deployments.apps "nope" not found'
    )


def test_each_hpa_is_evaluated_every_sync_period(tmp_path: Path) -> None:
    with start_local_cluster(
        tmp_path, controllers=frozenset({"hpa"}), controller_resync=0.2
    ) as handle:
        api = k8s_config.new_client_from_config(config_file=str(handle.kubeconfig_path))
        http = httpx.Client(base_url=handle.url, timeout=10)
        try:
            live = RunningCluster(handle, api, http, tmp_path)
            ns = setup(live, 1, 1, 8)
            k8s.AutoscalingV2Api(api).patch_namespaced_horizontal_pod_autoscaler(
                "web", ns, {"metadata": {"annotations": {METRIC: "140"}}}
            )
            # The same utilization, period after period: 1 -> 2 -> 4 -> 8 (maxReplicas).
            eventually(lambda: replicas(live, ns) == 8)
            # ... and stays there, wanting 16 (the next periods).
            eventually(lambda: reasons(live, ns).get("ScalingLimited") == "TooManyReplicas")
            # A hand that scales past the bounds is undone at the next period.
            k8s.AppsV1Api(api).patch_namespaced_deployment_scale(
                "web", ns, {"spec": {"replicas": 9}}
            )
            eventually(lambda: replicas(live, ns) == 8)
        finally:
            http.close()
            api.close()
