"""Protobuf request bodies: kubectl's typed commands, and the decoder on hand-made messages.

Each typed `kubectl create ...` (protobuf) is checked against the same object sent as JSON
(`--dry-run=client -o json | kubectl create -f -`): both must store the same object.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.localcluster.api import protobuf
from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.core.status import ApiError
from tests.localcluster.conftest import RunningCluster

# (kubectl arguments, whether the kind is cluster-scoped)
TYPED_COMMANDS: list[tuple[list[str], bool]] = [
    (["deployment", "web", "--image=nginx", "--replicas=2", "--port=80"], False),
    (["deployment", "idle", "--image=nginx", "--replicas=0", "--", "sleep", "10"], False),
    (["job", "once", "--image=busybox", "--", "echo", "hi"], False),
    (["job", "manual", "--from=cronjob/tick"], False),
    (
        ["cronjob", "cron", "--image=busybox", "--schedule=*/5 * * * *", "--restart=OnFailure"],
        False,
    ),
    (["service", "clusterip", "svc", "--tcp=5678:8080"], False),
    (["service", "clusterip", "headless", "--clusterip=None"], False),
    (["service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"], False),
    (["service", "loadbalancer", "lb", "--tcp=80:8080"], False),
    (["service", "externalname", "ext", "--external-name=example.com"], False),
    (["role", "reader", "--verb=get,list", "--resource=pods,deployments.apps"], False),
    (["rolebinding", "rb", "--role=reader", "--user=jane", "--serviceaccount=a:default"], False),
    (["clusterrole", "nodes", "--verb=get", "--resource=nodes", "--non-resource-url=/logs"], True),
    (["clusterrole", "agg", "--aggregation-rule=example.com/aggregate=true"], True),
    (["clusterrolebinding", "crb", "--clusterrole=nodes", "--group=devs"], True),
    (["quota", "q", "--hard=cpu=1,memory=1G,pods=2", "--scopes=BestEffort"], False),
    (
        ["priorityclass", "high", "--value=1000", "--description=d", "--preemption-policy=Never"],
        True,
    ),
    (["poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=50%"], False),
    (["poddisruptionbudget", "pdb1", "--selector=app=web", "--max-unavailable=1"], False),
    (
        [
            "ingress",
            "ing",
            "--class=nginx",
            "--rule=foo.com/bar=svc:8080,tls=cert",
            "--default-backend=back:http",
            "--annotation=a=b",
        ],
        False,
    ),
    (["namespace", "made-by-pb"], True),
    (["configmap", "cm", "--from-literal=a=1"], False),
    (["secret", "generic", "s", "--from-literal=a=1"], False),
    (["serviceaccount", "sa"], False),
]
SERVER_OWNED = ("uid", "creationTimestamp", "resourceVersion", "managedFields", "namespace")


def _stored(cluster: RunningCluster, ns: str, ref: str) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(cluster.kubectl_ok("-n", ns, "get", ref, "-o", "json"))
    for key in SERVER_OWNED:
        obj["metadata"].pop(key, None)
    obj["metadata"].pop("name")
    obj["metadata"].get("labels", {}).pop("kubernetes.io/metadata.name", None)
    for owner in obj["metadata"].get("ownerReferences", []):
        owner.pop("uid")  # `job --from=cronjob/tick`: each namespace has its own CronJob
    spec = obj.get("spec") or {}
    for key in ("clusterIP", "clusterIPs"):  # allocated: differs between the two objects
        spec.pop(key, None)
    return obj


@pytest.fixture(scope="module")
def namespaces(cluster: RunningCluster) -> tuple[str, str]:
    """One namespace for the protobuf creates, one for the JSON ones, each with the CronJob
    `create job --from=cronjob/tick` reads back."""
    pair = (cluster.new_namespace(), cluster.new_namespace())
    for ns in pair:
        cron = ["cronjob", "tick", "--image=busybox", "--schedule=@hourly", "--", "date"]
        cluster.kubectl_ok("-n", ns, "create", *cron)
    return pair


@pytest.mark.parametrize(("args", "cluster_scoped"), TYPED_COMMANDS, ids=lambda a: str(a))
def test_typed_create_matches_the_json_create(
    cluster: RunningCluster, namespaces: tuple[str, str], args: list[str], cluster_scoped: bool
) -> None:
    a, b = namespaces
    ref = cluster.kubectl_ok("-n", a, "create", "-o", "name", *args).strip()  # protobuf
    sent = json.loads(
        cluster.kubectl_ok("-n", b, "create", "--dry-run=client", "-o", "json", *args)
    )
    if cluster_scoped:
        sent["metadata"]["name"] += "-json"
    json_ref = cluster.kubectl_ok(
        "-n", b, "create", "-o", "name", "-f", "-", input=json.dumps(sent)
    )
    assert _stored(cluster, a, ref) == _stored(cluster, b, json_ref.strip())


def test_typed_commands_beyond_create(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    cluster.kubectl_ok("-n", ns, "create", "deployment", "web", "--image=nginx")
    assert "autoscaled" in cluster.kubectl_ok(
        "-n", ns, "autoscale", "deployment", "web", "--min=1", "--max=3", "--cpu=50%"
    )
    hpa = json.loads(cluster.kubectl_ok("-n", ns, "get", "hpa", "web", "-o", "json"))
    metric = hpa["spec"]["metrics"][0]["resource"]
    assert (metric["name"], metric["target"]["averageUtilization"]) == ("cpu", 50)
    assert cluster.kubectl_ok("auth", "can-i", "create", "pods") == "yes\n"
    assert "[*]" in cluster.kubectl_ok("auth", "can-i", "--list")


# -- the decoder on hand-made messages ------------------------------------------------------


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _int(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(value)


def _msg(number: int, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return _key(number, 2) + _varint(len(body)) + body


def _str(number: int, text: str) -> bytes:
    return _msg(number, text.encode())


def _object(api_version: str, kind: str, *raw: bytes) -> bytes:
    type_meta = _msg(1, _str(1, api_version), _str(2, kind))
    return protobuf.MAGIC + type_meta + _msg(2, *raw)


def test_decoder_zero_values_pointers_inline_and_maps() -> None:
    container = _msg(
        2,
        _str(1, "app"),
        _str(2, ""),  # gogo writes empty strings: dropped (omitempty) ...
        _int(16, 0),  # ... and false bools
        _msg(8, _msg(1, _str(1, "cpu"), _msg(2, _str(1, "500m")))),  # limits: a Quantity map
    )
    volume = _msg(1, _str(1, "data"), _msg(2, _msg(2, _str(1, "Memory"))))  # inline VolumeSource
    pod_spec = _msg(2, container, volume, _int(4, -1 & (1 << 64) - 1))  # a negative pointer int
    template = _msg(3, pod_spec)
    spec = _msg(2, _int(1, 0), template)  # replicas 0 is a pointer: kept
    meta = _msg(1, _str(1, "web"), _msg(11, _str(1, "app"), _str(2, "web")))
    obj = protobuf.decode_object(_object("apps/v1", "Deployment", meta, spec))
    assert obj["metadata"] == {"name": "web", "labels": {"app": "web"}}
    assert obj["spec"]["replicas"] == 0
    pod = obj["spec"]["template"]["spec"]
    assert pod["containers"] == [{"name": "app", "resources": {"limits": {"cpu": "500m"}}}]
    assert pod["volumes"] == [{"name": "data", "emptyDir": {"medium": "Memory"}}]
    assert pod["terminationGracePeriodSeconds"] == -1


def test_decoder_int_or_string_times_and_bytes() -> None:
    port = _msg(1, _int(1, 0), _int(2, 8080))  # targetPort as an int
    named = _msg(1, _int(1, 1), _str(3, "http"))
    spec = _msg(2, _msg(1, _str(1, "a"), _int(3, 80), _msg(4, port[2:])))
    svc = protobuf.decode_object(_object("v1", "Service", _msg(1, _str(1, "s")), spec))
    assert svc["spec"]["ports"] == [{"name": "a", "port": 80, "targetPort": 8080}]
    assert protobuf._int_or_string(named[2:]) == "http"
    stamp = _msg(9, _int(1, 1_700_000_000))
    secret = protobuf.decode_object(
        _object(
            "v1",
            "Secret",
            _msg(1, _str(1, "s"), stamp),
            _msg(2, _str(1, "k"), _msg(2, b"\x00\xff")),
        )
    )
    assert secret["metadata"]["deletionTimestamp"] == "2023-11-14T22:13:20Z"
    assert secret["data"] == {"k": "AP8="}


def test_decoder_refuses_what_it_does_not_know() -> None:
    meta = _msg(1, _str(1, "x"))
    unknown = _object("v1", "ConfigMap", meta, _str(99, "surprise"))
    with pytest.raises(ApiError) as error:
        protobuf.decode_object(unknown)
    assert error.value.code == 415 and "field 99 of core.ConfigMap" in error.value.message
    assert protobuf.decode_object(_object("v1", "ConfigMap", meta, _str(99, ""))) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
    }  # an empty unknown field is a zero value: nothing is lost
    with pytest.raises(ApiError) as error:
        protobuf.decode_object(_object("v1", "Pod", meta))
    assert error.value.code == 415
    with pytest.raises(ApiError) as error:
        protobuf.decode_object(protobuf.MAGIC + b"\x0a\x05ab")  # truncated
    assert error.value.code == 400


PREFIXES = {
    "meta": "io.k8s.apimachinery.pkg.apis.meta.v1",
    "core": "io.k8s.api.core.v1",
    "apps": "io.k8s.api.apps.v1",
    "batch": "io.k8s.api.batch.v1",
    "asv1": "io.k8s.api.autoscaling.v1",
    "asv2": "io.k8s.api.autoscaling.v2",
    "rbac": "io.k8s.api.rbac.v1",
    "sched": "io.k8s.api.scheduling.v1",
    "policy": "io.k8s.api.policy.v1",
    "net": "io.k8s.api.networking.v1",
    "authz": "io.k8s.api.authorization.v1",
    "authn": "io.k8s.api.authentication.v1",
}


def test_tables_agree_with_the_openapi_schemas(reg: SchemaRegistry) -> None:
    """Every JSON name in the tables is a field of the kind's schema (inline ones of the parent)."""
    defs = reg.definitions()
    messages = protobuf.messages()
    checked = 0
    for name, fields in messages.items():
        package, _, message = name.partition(".")
        schema = defs.get(f"{PREFIXES.get(package, '?')}.{message}")
        if schema is None:
            continue
        declared = set(schema.get("properties", {}))
        for json_name, code in fields.values():
            if "^" in code:  # inline: its own fields must be the parent's
                inner = messages[code.strip("@^!")]
                assert {j for j, _ in inner.values()} <= declared | {"volumeSource"}, name
            else:
                assert json_name in declared, f"{name}.{json_name}"
        checked += 1
    assert checked > 200
