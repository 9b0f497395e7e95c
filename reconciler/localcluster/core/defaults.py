"""The API server's defaulting for the common fields of built-in kinds.

kube-apiserver fills in defaults when it decodes a request, so what a client reads back is more
than it wrote:

    sent:    {"kind": "Deployment", "spec": {"template": {"spec": {"containers":
                 [{"name": "app", "image": "nginx"}]}}}}
    stored:  spec.replicas 1, spec.strategy RollingUpdate 25%/25%, revisionHistoryLimit 10,
             progressDeadlineSeconds 600, template.spec.restartPolicy Always, dnsPolicy
             ClusterFirst, ..., containers[0].imagePullPolicy Always (no tag means :latest)

Only the common fields are covered, each as in kube-apiserver 1.3x's `SetDefaults_*` functions
(the source file is named on each function). A value that is set, including `0`, `false` and
`""` where Go's pointer semantics keep them, is never overwritten; `null` counts as unset.
Allocation (clusterIP, nodePort) and status are the server layer's business, not defaulting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.localcluster.core.structmerge import clone

Obj = dict[str, Any]


def apply_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `obj` with the API server's defaults filled in (never overwrites)."""
    out: Obj = clone(obj)
    group = str(out.get("apiVersion", "")).rpartition("/")[0]
    handler = _KINDS.get((group, str(out.get("kind", ""))))
    if handler is not None and isinstance(out.get("spec", {}), dict):
        handler(out)
    return out


def _set(obj: Obj, key: str, value: Any) -> Any:
    """Set `obj[key]` unless it holds a value; return what `obj[key]` is now."""
    if obj.get(key) is None:
        obj[key] = value
    return obj[key]


def _dict(obj: Obj, key: str) -> Obj:
    value = _set(obj, key, {})
    return value if isinstance(value, dict) else {}


def _dicts(obj: Obj, key: str) -> list[Obj]:
    value = obj.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# -- pkg/apis/core/v1/defaults.go --------------------------------------------------------------


def _pod_template(template: Obj) -> None:
    _pod_spec(_dict(template, "spec"))


def _pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec, and per container/volume their SetDefaults_* functions."""
    _set(spec, "dnsPolicy", "ClusterFirst")
    _set(spec, "restartPolicy", "Always")
    _set(spec, "terminationGracePeriodSeconds", 30)
    _set(spec, "securityContext", {})
    _set(spec, "schedulerName", "default-scheduler")
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _dicts(spec, key):
            _container(container)
    for volume in _dicts(spec, "volumes"):
        _volume(volume)


def _container(container: Obj) -> None:
    """SetDefaults_Container, SetDefaults_ContainerPort, SetDefaults_ObjectFieldSelector,
    SetDefaults_Probe, SetDefaults_HTTPGetAction."""
    _set(container, "imagePullPolicy", _pull_policy(str(container.get("image", ""))))
    _set(container, "terminationMessagePath", "/dev/termination-log")
    _set(container, "terminationMessagePolicy", "File")
    _set(container, "resources", {})
    for port in _dicts(container, "ports"):
        _set(port, "protocol", "TCP")
    for env in _dicts(container, "env"):
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            _set(field_ref, "apiVersion", "v1")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(key)
        if isinstance(probe, dict):
            _set(probe, "timeoutSeconds", 1)
            _set(probe, "periodSeconds", 10)
            _set(probe, "successThreshold", 1)
            _set(probe, "failureThreshold", 3)
            http_get = probe.get("httpGet")
            if isinstance(http_get, dict):
                _set(http_get, "path", "/")
                _set(http_get, "scheme", "HTTP")


def _pull_policy(image: str) -> str:
    """`Always` for `:latest` or an image with neither tag nor digest, else `IfNotPresent`."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ("" if digest else "latest")
    return "Always" if tag == "latest" else "IfNotPresent"


def _volume(volume: Obj) -> None:
    """SetDefaults_Volume (no source means emptyDir) and the sources' defaultMode 0644."""
    sources = set(volume) - {"name"}
    if not sources:
        volume["emptyDir"] = {}
    for key in ("configMap", "secret", "projected", "downwardAPI"):
        source = volume.get(key)
        if isinstance(source, dict):
            _set(source, "defaultMode", 420)
    host_path = volume.get("hostPath")
    if isinstance(host_path, dict):
        _set(host_path, "type", "")


def _pod(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    _pod_spec(spec)
    _set(spec, "enableServiceLinks", True)  # SetDefaults_Pod


def _service(obj: Obj) -> None:
    """SetDefaults_Service (ipFamilies/ipFamilyPolicy: the single-stack IPv4 REST defaults)."""
    spec = _dict(obj, "spec")
    service_type = _set(spec, "type", "ClusterIP")
    _set(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        config = _dict(_dict(spec, "sessionAffinityConfig"), "clientIP")
        _set(config, "timeoutSeconds", 10800)
    for port in _dicts(spec, "ports"):
        _set(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and "port" in port:
            port["targetPort"] = port.get("port")
    if service_type in ("NodePort", "LoadBalancer"):
        _set(spec, "externalTrafficPolicy", "Cluster")
    if service_type == "LoadBalancer":
        _set(spec, "allocateLoadBalancerNodePorts", True)
    if service_type != "ExternalName":
        _set(spec, "internalTrafficPolicy", "Cluster")
        _set(spec, "ipFamilyPolicy", "SingleStack")
        _set(spec, "ipFamilies", ["IPv4"])


def _secret(obj: Obj) -> None:
    _set(obj, "type", "Opaque")


def _namespace(obj: Obj) -> None:
    """The namespace strategy's PrepareForCreate (pkg/registry/core/namespace/strategy.go)."""
    _set(_dict(obj, "spec"), "finalizers", ["kubernetes"])


def _pvc_spec(spec: Obj) -> None:
    _set(spec, "volumeMode", "Filesystem")  # SetDefaults_PersistentVolumeClaimSpec


def _replication_controller(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    _set(spec, "replicas", 1)
    if isinstance(spec.get("template"), dict):
        _pod_template(spec["template"])


# -- pkg/apis/apps/v1/defaults.go -------------------------------------------------------------


def _deployment(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    _set(spec, "replicas", 1)
    strategy = _dict(spec, "strategy")
    if _set(strategy, "type", "RollingUpdate") == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        _set(rolling, "maxUnavailable", "25%")
        _set(rolling, "maxSurge", "25%")
    _set(spec, "revisionHistoryLimit", 10)
    _set(spec, "progressDeadlineSeconds", 600)
    _pod_template(_dict(spec, "template"))


def _stateful_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    _set(spec, "podManagementPolicy", "OrderedReady")
    strategy = _dict(spec, "updateStrategy")
    if strategy.get("type") is None:
        strategy["type"] = "RollingUpdate"
        _set(strategy, "rollingUpdate", {})
    if strategy["type"] == "RollingUpdate" and isinstance(strategy.get("rollingUpdate"), dict):
        _set(strategy["rollingUpdate"], "partition", 0)
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    _set(retention, "whenDeleted", "Retain")
    _set(retention, "whenScaled", "Retain")
    _set(spec, "replicas", 1)
    _set(spec, "revisionHistoryLimit", 10)
    _pod_template(_dict(spec, "template"))
    for claim in _dicts(spec, "volumeClaimTemplates"):
        _pvc_spec(_dict(claim, "spec"))


def _daemon_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    strategy = _dict(spec, "updateStrategy")
    if _set(strategy, "type", "RollingUpdate") == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        _set(rolling, "maxUnavailable", 1)
        _set(rolling, "maxSurge", 0)
    _set(spec, "revisionHistoryLimit", 10)
    _pod_template(_dict(spec, "template"))


def _replica_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    _set(spec, "replicas", 1)
    _pod_template(_dict(spec, "template"))


# -- pkg/apis/batch/v1/defaults.go ------------------------------------------------------------


def _job(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _set(spec, "parallelism", 1)
    _set(spec, "backoffLimit", 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6)
    _set(spec, "completionMode", "NonIndexed")
    _set(spec, "suspend", False)
    policy = "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    _set(spec, "podReplacementPolicy", policy)
    _pod_template(_dict(spec, "template"))


def _cron_job(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    _set(spec, "concurrencyPolicy", "Allow")
    _set(spec, "suspend", False)
    _set(spec, "successfulJobsHistoryLimit", 3)
    _set(spec, "failedJobsHistoryLimit", 1)
    _pod_template(_dict(_dict(_dict(spec, "jobTemplate"), "spec"), "template"))


# -- pkg/apis/rbac/v1/defaults.go, pkg/apis/autoscaling/v2/defaults.go ----------------------


def _role_binding(obj: Obj) -> None:
    """SetDefaults_Subject: User and Group subjects live in rbac.authorization.k8s.io.

    A ServiceAccount's is defaulted to "", which `omitempty` leaves out of the JSON: writing
    `apiGroup: ""` would make an apply of the same subjects conflict (subjects is atomic)."""
    for subject in _dicts(obj, "subjects"):
        if subject.get("kind") in ("User", "Group"):
            _set(subject, "apiGroup", "rbac.authorization.k8s.io")


def _hpa(obj: Obj) -> None:
    """SetDefaults_HorizontalPodAutoscaler: minReplicas 1, a CPU 80% target when none."""
    spec = _dict(obj, "spec")
    _set(spec, "minReplicas", 1)
    if obj.get("apiVersion") == "autoscaling/v2" and not spec.get("metrics"):
        target = {"type": "Utilization", "averageUtilization": 80}
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]


_KINDS: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): lambda obj: _pod_template(_dict(obj, "template")),
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "Secret"): _secret,
    ("", "Namespace"): _namespace,
    ("", "PersistentVolumeClaim"): lambda obj: _pvc_spec(_dict(obj, "spec")),
    ("apps", "Deployment"): _deployment,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("apps", "ReplicaSet"): _replica_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("rbac.authorization.k8s.io", "RoleBinding"): _role_binding,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _role_binding,
    ("autoscaling", "HorizontalPodAutoscaler"): _hpa,
}
