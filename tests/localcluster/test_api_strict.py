"""Requests kube-apiserver refuses are refused here too, with its status code and reason.

Each test names the kubernetes/kubernetes source of the code it expects (paths under
`staging/src/k8s.io/` shortened to the module):

- a body whose Content-Type is not JSON, YAML or protobuf: 415 UnsupportedMediaType,
  `apiserver/pkg/endpoints/handlers/negotiation/negotiate.go` (`NegotiateInputSerializer` ->
  `NewUnsupportedMediaTypeError`);
- Secret `data` that is not base64: 400 BadRequest, a decode failure (Go decodes a JSON
  `[]byte` as base64), `apiserver/pkg/endpoints/handlers/create.go` -> `transformDecodeError`
  (`handlers/rest.go`) -> `errors.NewBadRequest`;
- a ConfigMap or Secret key that is not `[-._a-zA-Z0-9]+` of at most 253: 422 Invalid,
  `pkg/apis/core/validation/validation.go` (`ValidateConfigMap`, `ValidateSecret` ->
  `IsConfigMapKey`);
- a label value over 63 characters or of other characters: 422 Invalid,
  `apimachinery/pkg/apis/meta/v1/validation/validation.go` (`ValidateLabels`);
- `NaN`/`Infinity` in JSON: 400 BadRequest, a syntax error to Go's decoder
  (`transformDecodeError`);
- `timeoutSeconds=abc`, `allowWatchBookmarks=maybe`, malformed selectors: 400 BadRequest,
  `apiserver/pkg/endpoints/handlers/get.go` (`ListResource`: `DecodeParameters` error ->
  `errors.NewBadRequest`);
- `resourceVersion=abc`: 400 here; a real server answers 500 (kubernetes#101350, #139485; the
  fix proposed in #139525 answers 400), see `reconciler/localcluster/api/params.py`;
- OPTIONS, TRACE: 405 MethodNotAllowed, `apiserver/pkg/server/handler.go`
  (`serviceErrorHandler` -> `NewGenericServerResponse(405, ...)`);
- a PUT whose body names another object: 400 BadRequest, `handlers/rest.go` (`checkName`),
  before the registry's resourceVersion check (409);
- DELETE of `default`, `kube-system`, `kube-public`: 403 Forbidden,
  `apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go`;
- a name with an encoded `/` (`%2F`): 400 BadRequest,
  `apiserver/pkg/registry/generic/registry/store.go` (`NamespaceKeyFunc`: `Name parameter
  invalid`, from `apimachinery/pkg/api/validation/path/name.go` `IsValidPathSegmentName`).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.localcluster.conftest import RunningCluster


def _status(response: httpx.Response, code: int, reason: str) -> dict[str, Any]:
    assert response.status_code == code, response.text
    body: dict[str, Any] = response.json()
    assert (body["kind"], body["status"], body["code"], body["reason"]) == (
        "Status",
        "Failure",
        code,
        reason,
    )
    return body


def _configmaps(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def test_a_body_in_an_unknown_media_type_is_415(cluster: RunningCluster) -> None:
    """negotiation.NegotiateInputSerializer: 415 UnsupportedMediaType, naming what is accepted
    (create, update and a delete's options alike). No Content-Type at all means JSON."""
    ns = cluster.new_namespace()
    body = json.dumps({"metadata": {"name": "a"}})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/yaml"):
        response = cluster.http.post(
            _configmaps(ns), content=body, headers={"content-type": content_type}
        )
        status = _status(response, 415, "UnsupportedMediaType")
        assert "application/json, application/yaml" in status["message"]
    assert cluster.http.post(_configmaps(ns), content=body, headers={}).status_code == 201
    put = cluster.http.put(
        f"{_configmaps(ns)}/a", content=body, headers={"content-type": "text/plain"}
    )
    _status(put, 415, "UnsupportedMediaType")
    delete = cluster.http.request(
        "DELETE", f"{_configmaps(ns)}/a", content=b"{}", headers={"content-type": "text/plain"}
    )
    _status(delete, 415, "UnsupportedMediaType")
    yaml_body = b"metadata:\n  name: from-yaml\ndata:\n  k: v\n"
    created = cluster.http.post(
        _configmaps(ns), content=yaml_body, headers={"content-type": "application/yaml"}
    )
    assert created.status_code == 201 and created.json()["data"] == {"k": "v"}


def test_secret_data_that_is_not_base64_is_400(cluster: RunningCluster) -> None:
    """Go decodes a JSON `[]byte` as standard base64; the failed decode is 400 BadRequest
    (`transformDecodeError`), in Go's words. ConfigMap `binaryData` is a `[]byte` too."""
    ns = cluster.new_namespace()
    secrets = f"/api/v1/namespaces/{ns}/secrets"
    response = cluster.http.post(secrets, json={"metadata": {"name": "s"}, "data": {"k": "ab$d"}})
    status = _status(response, 400, "BadRequest")
    assert status["message"] == (
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2'
    )
    unpadded = cluster.http.post(secrets, json={"metadata": {"name": "s"}, "data": {"k": "YQ"}})
    _status(unpadded, 400, "BadRequest")
    binary = cluster.http.post(
        _configmaps(ns), json={"metadata": {"name": "c"}, "binaryData": {"k": "%%%%"}}
    )
    _status(binary, 400, "BadRequest")
    good = {"metadata": {"name": "s"}, "data": {"k": "aGVsbG8=\n"}}  # newlines are skipped
    assert cluster.http.post(secrets, json=good).status_code == 201
    patched = cluster.http.patch(
        f"{secrets}/s",
        json={"data": {"k": "not base64!"}},
        headers={"content-type": "application/merge-patch+json"},
    )
    assert patched.status_code == 400


def test_configmap_and_secret_keys_must_be_config_keys(cluster: RunningCluster) -> None:
    """ValidateConfigMap / ValidateSecret: each key must pass IsConfigMapKey, else 422 Invalid
    at `data[key]`, with apimachinery's RegexError message."""
    ns = cluster.new_namespace()
    response = cluster.http.post(
        _configmaps(ns), json={"metadata": {"name": "c"}, "data": {"bad key": "x"}}
    )
    status = _status(response, 422, "Invalid")
    [cause] = status["details"]["causes"]
    assert cause["field"] == "data[bad key]"
    assert cause["message"] == (
        'Invalid value: "bad key": a valid config key must consist of alphanumeric '
        "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex "
        "used for validation is '[-._a-zA-Z0-9]+')"
    )
    for key in ("a/b", "..", ".." + "x", "k" * 254):
        bad = cluster.http.post(
            _configmaps(ns), json={"metadata": {"name": "c"}, "data": {key: "x"}}
        )
        _status(bad, 422, "Invalid")
    secret = cluster.http.post(
        f"/api/v1/namespaces/{ns}/secrets",
        json={"metadata": {"name": "s"}, "stringData": {"no spaces": "x"}},
    )
    assert _status(secret, 422, "Invalid")["details"]["causes"][0]["field"] == "data[no spaces]"
    both = {"metadata": {"name": "c"}, "data": {"k": "x"}, "binaryData": {"k": "eA=="}}
    _status(cluster.http.post(_configmaps(ns), json=both), 422, "Invalid")
    fine = {"metadata": {"name": "c"}, "data": {"A-b_c.d": "x", "k" * 253: "y"}}
    assert cluster.http.post(_configmaps(ns), json=fine).status_code == 201


def test_labels_are_validated_on_create_and_update(cluster: RunningCluster) -> None:
    """ValidateLabels: values of at most 63 characters of `[-A-Za-z0-9_.]`, starting and
    ending alphanumeric (or empty), and qualified-name keys; else 422 at `metadata.labels`."""
    ns = cluster.new_namespace()
    long = cluster.http.post(
        _configmaps(ns), json={"metadata": {"name": "c", "labels": {"a": "x" * 64}}}
    )
    status = _status(long, 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.labels"
    assert "must be no more than 63 characters" in status["message"]
    for labels in ({"a": "-x"}, {"a": "x y"}, {"bad key": "x"}, {"a/b/c": "x"}, {"A.b/c": "x"}):
        bad = cluster.http.post(_configmaps(ns), json={"metadata": {"name": "c", "labels": labels}})
        _status(bad, 422, "Invalid")
    fine = {"a": "x" * 63, "example.com/b": "", "c": "A_b.c-1"}
    created = cluster.http.post(_configmaps(ns), json={"metadata": {"name": "c", "labels": fine}})
    assert created.status_code == 201
    patch = {"metadata": {"labels": {"a": "y" * 64}}}
    patched = cluster.http.patch(
        f"{_configmaps(ns)}/c", json=patch, headers={"content-type": "application/merge-patch+json"}
    )
    _status(patched, 422, "Invalid")


def test_nan_and_infinity_are_refused_at_decoding(cluster: RunningCluster) -> None:
    """Python's json reads NaN and Infinity; Go's does not (400, a JSON syntax error). Stored,
    they broke `kubectl get` of the kind for every client. YAML `.nan` is refused too."""
    ns = cluster.new_namespace()
    for text in ("NaN", "Infinity", "-Infinity", "1e400"):
        body = '{"metadata": {"name": "n"}, "data": {"a": "b"}, "x": ' + text + "}"
        response = cluster.http.post(
            _configmaps(ns), content=body, headers={"content-type": "application/json"}
        )
        _status(response, 400, "BadRequest")
    yaml_body = b"metadata: {name: n}\nx: .nan\n"
    response = cluster.http.post(
        _configmaps(ns), content=yaml_body, headers={"content-type": "application/yaml"}
    )
    _status(response, 400, "BadRequest")
    assert cluster.http.get(_configmaps(ns)).json()["items"] == []


def test_malformed_query_parameters_are_400(cluster: RunningCluster) -> None:
    """ListResource decodes the query with DecodeParameters; failures are NewBadRequest.
    `resourceVersion=abc` is 400 here where the real server answers 500 (see the table)."""
    ns = cluster.new_namespace()
    url = _configmaps(ns)
    cases = {
        "resourceVersion=abc": 'resourceVersion: Invalid value: "abc"',
        "resourceVersion=-1": 'resourceVersion: Invalid value: "-1"',
        "timeoutSeconds=abc": 'strconv.ParseInt: parsing "abc": invalid syntax',
        "watch=true&timeoutSeconds=abc": 'strconv.ParseInt: parsing "abc"',
        "watch=true&resourceVersion=abc": 'resourceVersion: Invalid value: "abc"',
        "allowWatchBookmarks=maybe": 'strconv.ParseBool: parsing "maybe"',
        "labelSelector=a%3D%3D%3Db": "unable to parse requirement",
        "labelSelector=a+in+b": "unable to parse requirement",
        "labelSelector=a%3D" + "x" * 64: "must be no more than 63 characters",
        "fieldSelector=foo": "invalid selector",
        "fieldSelector=spec.x%3Dy": "field label not supported",
    }
    for query, message in cases.items():
        status = _status(cluster.http.get(f"{url}?{query}"), 400, "BadRequest")
        assert message in status["message"], (query, status["message"])
    get = cluster.http.get(f"/api/v1/namespaces/{ns}?resourceVersion=x1")
    _status(get, 400, "BadRequest")
    assert cluster.http.get(f"{url}?resourceVersion=0&timeoutSeconds=5").status_code == 200


def test_options_and_trace_are_405_status(cluster: RunningCluster) -> None:
    """go-restful answers a method a route does not have with 405; kube-apiserver's
    serviceErrorHandler writes it as a Status (NewGenericServerResponse: MethodNotAllowed)."""
    for method in ("OPTIONS", "TRACE", "PROPFIND"):
        for path in ("/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default"):
            status = _status(cluster.http.request(method, path), 405, "MethodNotAllowed")
            assert status["message"] == (
                "the server does not allow this method on the requested resource"
            )
        _status(cluster.http.request(method, "/apis"), 405, "MethodNotAllowed")


def test_put_naming_another_object_is_400_before_any_conflict(cluster: RunningCluster) -> None:
    """checkName (handlers/rest.go) runs before the registry compares resourceVersions: a
    body named differently from the URL is 400 even with a stale resourceVersion (not 409)."""
    ns = cluster.new_namespace()
    cluster.http.post(_configmaps(ns), json={"metadata": {"name": "a"}})
    stale = {"metadata": {"name": "b", "resourceVersion": "1"}}
    status = _status(cluster.http.put(f"{_configmaps(ns)}/a", json=stale), 400, "BadRequest")
    assert status["message"] == "the name of the object (b) does not match the name on the URL (a)"
    stale_same_name = {"metadata": {"name": "a", "resourceVersion": "1"}}
    _status(cluster.http.put(f"{_configmaps(ns)}/a", json=stale_same_name), 409, "Conflict")


def test_system_namespaces_may_not_be_deleted(cluster: RunningCluster) -> None:
    """NamespaceLifecycle admission: deleting an immortal namespace (default, kube-system,
    kube-public) is 403 Forbidden, dry run or not. (Namespaces have no deletecollection.)"""
    for name in ("default", "kube-system", "kube-public"):
        for query in ("", "?dryRun=All"):
            response = cluster.http.delete(f"/api/v1/namespaces/{name}{query}")
            status = _status(response, 403, "Forbidden")
            assert status["message"] == (
                f'namespaces "{name}" is forbidden: this namespace may not be deleted'
            )
            assert status["details"] == {"name": name, "kind": "namespaces"}
        assert cluster.http.get(f"/api/v1/namespaces/{name}").status_code == 200
    _status(cluster.http.delete("/api/v1/namespaces"), 405, "MethodNotAllowed")


def test_an_encoded_slash_stays_in_the_name(cluster: RunningCluster) -> None:
    """`%2F` is part of the name segment, never a path separator: `DELETE .../configmaps/%2F`
    once deleted every ConfigMap of the namespace. Such a name is refused as the registry's
    key function refuses it (IsValidPathSegmentName): 400 `Name parameter invalid`."""
    ns = cluster.new_namespace()
    for name in ("a", "b"):
        cluster.http.post(_configmaps(ns), json={"metadata": {"name": name}})
    for method in ("GET", "DELETE", "PUT", "PATCH"):
        response = cluster.http.request(method, f"{_configmaps(ns)}/%2F", json={})
        status = _status(response, 400, "BadRequest")
        assert status["message"] == "Name parameter invalid: \"/\": may not contain '/'"
    _status(cluster.http.delete(f"{_configmaps(ns)}/a%2Fb"), 400, "BadRequest")
    _status(cluster.http.delete(f"{_configmaps(ns)}/%2E%2E"), 400, "BadRequest")
    names = [item["metadata"]["name"] for item in cluster.http.get(_configmaps(ns)).json()["items"]]
    assert names == ["a", "b"]
    assert cluster.http.get(f"{_configmaps(ns)}/%61").json()["metadata"]["name"] == "a"
