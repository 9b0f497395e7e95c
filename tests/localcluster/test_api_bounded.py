"""Hostile bodies get a 400/413/422 Status quickly, never a 500, and never stall the server.

Sources (kubernetes/kubernetes, `staging/src/k8s.io/` shortened to the module):

- nesting: Go's JSON decoding stops at 10,000 levels ("exceeded max depth",
  `encoding/json/scanner.go` `maxNestingDepth`, used by `sigs.k8s.io/json`), go-yaml likewise
  ("exceeded max depth of 10000"); a body that fails to decode is 400 BadRequest
  (`apiserver/pkg/endpoints/handlers/rest.go` `transformDecodeError`). This server's limit is
  `core.bodydecode.MAX_DEPTH` (200); `"metadata": "x"` fails the decode into ObjectMeta: 400;
- a JSON patch of more than 10,000 operations: 413 RequestEntityTooLarge
  (`apiserver/pkg/endpoints/handlers/patch.go` `maxJSONPatchOperations`,
  `errors.NewRequestEntityTooLargeError`);
- `copy` operations adding more than 3 MiB: 422 (`apiserver/pkg/server/config.go`
  `JSONPatchMaxCopyBytes` arms json-patch's `AccumulatedCopySizeLimit`; the failed `Apply` is
  `NewGenericServerResponse(http.StatusUnprocessableEntity, ...)` in `patch.go`);
- an apply patch whose YAML aliases expand too far: 400 BadRequest (`patch.go`
  `applyPatcher`: a YAML decoding failure is `errors.NewBadRequest`; go-yaml refuses
  "excessive aliasing").
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from reconciler.localcluster.api import app, read
from reconciler.localcluster.core import bodydecode
from tests.localcluster.conftest import RunningCluster

JSON = {"content-type": "application/json"}
JSON_PATCH = {"content-type": "application/json-patch+json"}
APPLY = {"content-type": "application/apply-patch+yaml"}


def _status(response: httpx.Response, code: int, reason: str) -> dict[str, Any]:
    assert response.status_code == code, response.text
    body: dict[str, Any] = response.json()
    assert (body["kind"], body["code"], body["reason"]) == ("Status", code, reason)
    return body


def test_deep_and_malformed_bodies_are_400(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    url = f"/api/v1/namespaces/{ns}/configmaps"
    array = b"[" * 100_000 + b"]" * 100_000
    deep_data = '{"metadata":{"name":"d"},"data":' + '{"a":' * 5000 + "1" + "}" * 5001
    yaml_body = b"metadata: {name: y}\ndata: " + b"[" * 10_000 + b"]" * 10_000
    for body, headers in (
        (array, JSON),
        (deep_data.encode(), JSON),
        (yaml_body, {"content-type": "application/yaml"}),
        (b'{"metadata": "x"}', JSON),
        (b'{"metadata": ["x"]}', JSON),
        (b"[1, 2]", JSON),
    ):
        started = time.monotonic()
        _status(cluster.http.post(url, content=body, headers=headers), 400, "BadRequest")
        assert time.monotonic() - started < 5
    meta = cluster.http.post(url, content=b'{"metadata": "x"}', headers=JSON).json()
    assert meta["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "string into Go struct field ConfigMap.metadata of type v1.ObjectMeta"
    )
    cluster.http.post(url, json={"metadata": {"name": "c"}})
    put = cluster.http.put(f"{url}/c", content=b'{"metadata": 5}', headers=JSON)
    _status(put, 400, "BadRequest")
    deep_patch = b'{"data": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    patch = cluster.http.patch(
        f"{url}/c", content=deep_patch, headers={"content-type": "application/merge-patch+json"}
    )
    _status(patch, 400, "BadRequest")
    apply = cluster.http.patch(f"{url}/c?fieldManager=m", content=yaml_body, headers=APPLY)
    _status(apply, 400, "BadRequest")
    assert cluster.http.get("/healthz").text == "ok"


def test_the_deepest_body_allowed_goes_through_every_step(cluster: RunningCluster) -> None:
    """An object exactly `MAX_DEPTH` deep is created, read, listed, patched and applied."""
    plural = _preserving_crd(cluster, "Deep")
    ns = cluster.new_namespace()
    url = f"/apis/ex.com/v1/namespaces/{ns}/{plural}"
    spec: Any = 1
    for _ in range(bodydecode.MAX_DEPTH - 1):  # the object itself is the first level
        spec = {"a": spec}
    obj = {"apiVersion": "ex.com/v1", "kind": "Deep", "metadata": {"name": "d"}, "spec": spec}
    limit = bodydecode.MAX_DEPTH
    assert not bodydecode.too_deep(obj, limit) and bodydecode.too_deep(obj, limit - 1)
    assert cluster.http.post(url, json=obj).status_code == 201
    assert cluster.http.get(f"{url}/d").json()["spec"] == spec
    assert cluster.http.get(url).status_code == 200
    merge = {"content-type": "application/merge-patch+json"}
    patched = cluster.http.patch(
        f"{url}/d", json={"metadata": {"labels": {"a": "b"}}}, headers=merge
    )
    assert patched.status_code == 200
    applied = cluster.http.patch(
        f"{url}/d?fieldManager=m&force=true", content=json.dumps(obj), headers=APPLY
    )
    assert applied.status_code == 200
    one_more = {**obj, "metadata": {"name": "e"}, "spec": {"a": spec}}
    _status(cluster.http.post(url, json=one_more), 400, "BadRequest")


def test_recursion_anywhere_is_a_400_status(
    cluster: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the depth limit, a body deep enough for Python's recursion limit fails in some
    recursive step of the write path: that RecursionError is a 400 Status, not a 500."""
    plural = _preserving_crd(cluster, "Recursive")
    monkeypatch.setattr(bodydecode, "MAX_DEPTH", 1_000_000)
    ns = cluster.new_namespace()
    url = f"/apis/ex.com/v1/namespaces/{ns}/{plural}"
    spec = "1"
    depth = 900  # below what `json` itself refuses, beyond what the write path can walk
    body = (
        '{"apiVersion":"ex.com/v1","kind":"Recursive","metadata":{"name":"r"},"spec":'
        + '{"a":' * depth
        + spec
        + "}" * (depth + 1)
    )
    response = cluster.http.post(url, content=body, headers=JSON)
    status = _status(response, 400, "BadRequest")
    assert status["message"] == app.NESTED_TOO_DEEPLY
    assert cluster.http.get(f"{url}/r").status_code == 404


def test_json_patch_work_is_bounded(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    url = f"/api/v1/namespaces/{ns}/configmaps"
    cluster.http.post(url, json={"metadata": {"name": "c"}, "data": {"a": "x" * 100}})
    too_many = [{"op": "test", "path": "/data/a", "value": "x" * 100}] * 10_001
    status = _status(
        cluster.http.patch(f"{url}/c", content=json.dumps(too_many), headers=JSON_PATCH),
        413,
        "RequestEntityTooLarge",
    )
    assert status["message"] == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )
    # Each copy of /data into itself doubled it: 40 of them were 2^40 times the object.
    bomb = [{"op": "copy", "from": "/data", "path": f"/data/k{i}"} for i in range(40)]
    started = time.monotonic()
    response = cluster.http.patch(f"{url}/c", content=json.dumps(bomb), headers=JSON_PATCH)
    assert time.monotonic() - started < 5
    status = _status(response, 422, "Invalid")
    [cause] = status["details"]["causes"]
    assert cause["message"].startswith(
        "Unable to complete the copy, the accumulated size increase of copy is "
    )
    assert cause["message"].endswith(", exceeding the limit 3145728")
    assert list(cluster.http.get(f"{url}/c").json()["data"]) == ["a"]
    fine = [{"op": "copy", "from": "/data/a", "path": "/data/b"}]
    patched = cluster.http.patch(f"{url}/c", content=json.dumps(fine), headers=JSON_PATCH)
    assert patched.json()["data"] == {"a": "x" * 100, "b": "x" * 100}


def test_yaml_alias_bomb_in_an_apply_patch_is_400(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    url = f"/api/v1/namespaces/{ns}/configmaps/bomb?fieldManager=m"
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na: &a [x,x,x,x,x,x,x,x,x]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    assert len(bomb) < 500  # 9^9 strings once expanded
    started = time.monotonic()
    response = cluster.http.patch(url, content=bomb, headers=APPLY)
    assert time.monotonic() - started < 2
    status = _status(response, 400, "BadRequest")
    assert "excessive aliasing" in status["message"]
    small = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\ndata: &d {a: b}\n"
    ok = cluster.http.patch(url.replace("/bomb?", "/ok?"), content=small, headers=APPLY)
    assert ok.status_code == 201 and ok.json()["data"] == {"a": "b"}


def test_requests_run_off_the_event_loop(
    cluster: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow request (a list held for a second here) delays neither the health checks nor
    other requests: handlers run in worker threads."""
    slow_list = read.list_objects

    def held(*args: Any) -> Any:
        time.sleep(1.5)
        return slow_list(*args)

    monkeypatch.setattr(read, "list_objects", held)
    ns = cluster.new_namespace()
    url = f"/api/v1/namespaces/{ns}/configmaps"
    cluster.http.post(url, json={"metadata": {"name": "c"}})
    slow = threading.Thread(target=lambda: httpx.get(cluster.url + url, timeout=10))
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert cluster.http.get("/healthz").text == "ok"
    assert cluster.http.get(f"{url}/c").status_code == 200
    assert cluster.http.post(url, json={"metadata": {"name": "d"}}).status_code == 201
    assert time.monotonic() - started < 0.8
    slow.join()


def _preserving_crd(cluster: RunningCluster, kind: str) -> str:
    """A namespaced kind of `ex.com/v1` whose spec keeps any content; returns its plural."""
    plural = kind.lower() + "s"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.ex.com"},
        "spec": {
            "group": "ex.com",
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    created = cluster.http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd)
    assert created.status_code == 201, created.text
    return plural
