"""Defaulting of built-in kinds, compared with what kube-apiserver stores."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reconciler.localcluster.core.defaults import apply_defaults


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
            **spec,
        },
    }


def test_deployment_defaults_like_kubectl_get_shows() -> None:
    source = deployment()
    out = apply_defaults(source)
    spec = out["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod = spec["template"]["spec"]
    assert {k: pod[k] for k in pod if k != "containers"} == {
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "securityContext": {},
        "schedulerName": "default-scheduler",
    }
    assert pod["containers"][0] == {
        "name": "app",
        "image": "nginx",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "imagePullPolicy": "Always",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "resources": {},
    }
    assert source == deployment()  # not mutated


def test_set_values_are_never_overwritten() -> None:
    out = apply_defaults(deployment(replicas=0, strategy={"type": "Recreate"}))
    assert out["spec"]["replicas"] == 0
    assert out["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry:5000/team/app", "Always"),
        ("registry:5000/team/app:v1", "IfNotPresent"),
        ("app@sha256:" + "a" * 64, "IfNotPresent"),
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    container = apply_defaults(obj)["spec"]["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == policy


def test_volumes_env_and_probes() -> None:
    obj = deployment()
    pod = obj["spec"]["template"]["spec"]
    pod["volumes"] = [{"name": "cfg", "configMap": {"name": "c"}}, {"name": "scratch"}]
    container = pod["containers"][0]
    container["env"] = [
        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
    ]
    container["readinessProbe"] = {"httpGet": {"port": 80}}
    out = apply_defaults(obj)["spec"]["template"]["spec"]
    assert out["volumes"] == [
        {"name": "cfg", "configMap": {"name": "c", "defaultMode": 420}},
        {"name": "scratch", "emptyDir": {}},
    ]
    defaulted = out["containers"][0]
    assert defaulted["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert defaulted["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def test_service_defaults() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}}
    spec = apply_defaults(svc)["spec"]
    assert spec == {
        "type": "ClusterIP",
        "sessionAffinity": "None",
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack",
        "ipFamilies": ["IPv4"],
    }
    named = {
        "apiVersion": "v1",
        "kind": "Service",
        "spec": {"ports": [{"port": 80, "targetPort": "http"}]},
    }
    assert apply_defaults(named)["spec"]["ports"][0]["targetPort"] == "http"


def test_statefulset_defaults() -> None:
    sts: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "spec": {"template": {"spec": {}}},
    }
    spec = apply_defaults(sts)["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert (spec["replicas"], spec["revisionHistoryLimit"]) == (1, 10)
    # An explicit type without rollingUpdate stays without it (SetDefaults_StatefulSet).
    sts["spec"]["updateStrategy"] = {"type": "RollingUpdate"}
    assert apply_defaults(sts)["spec"]["updateStrategy"] == {"type": "RollingUpdate"}


def test_job_and_cronjob_defaults() -> None:
    job: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "spec": {"template": {"spec": {}}},
    }
    spec = apply_defaults(job)["spec"]
    assert {k: v for k, v in spec.items() if k != "template"} == {
        "completions": 1,
        "parallelism": 1,
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
    }
    job["spec"]["parallelism"] = 3
    assert "completions" not in apply_defaults(job)["spec"]
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"schedule": "* * * * *"}}
    spec = apply_defaults(cron)["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"]) == ("Allow", False)
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == "Always"


def test_small_kinds() -> None:
    assert apply_defaults({"apiVersion": "v1", "kind": "Secret"})["type"] == "Opaque"
    ns = apply_defaults({"apiVersion": "v1", "kind": "Namespace"})
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "subjects": [{"kind": "User", "name": "u"}, {"kind": "ServiceAccount", "name": "s"}],
    }
    subjects = apply_defaults(binding)["subjects"]
    assert [s.get("apiGroup") for s in subjects] == ["rbac.authorization.k8s.io", None]
    daemon = {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {}}
    assert apply_defaults(daemon)["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }


def test_unknown_kinds_are_copied_unchanged() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
    out = apply_defaults(cm)
    assert out == cm and out is not cm
    cr = {"apiVersion": "example.com/v1", "kind": "Deployment", "spec": {}}
    assert apply_defaults(copy.deepcopy(cr)) == cr
