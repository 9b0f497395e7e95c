"""Query parameters of get, list and watch, refused with 400 when malformed.

kube-apiserver decodes the query into `GetOptions`/`ListOptions` with
`metainternalversionscheme.ParameterCodec.DecodeParameters` and answers a failure with
`errors.NewBadRequest(err.Error())` (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
get.go`, `ListResource`): so `timeoutSeconds=abc` (an int64), `watch=abc` or
`allowWatchBookmarks=abc` (bools, read by Go's `strconv.ParseBool`) are 400 BadRequest, with
the `strconv` error as the message. Selectors are parsed by `core.selectors` (400 too).

`resourceVersion` is a string to the codec; the storage layer parses it
(`APIObjectVersioner.ParseResourceVersion` in `staging/src/k8s.io/apiserver/pkg/storage/
api_object_versioner.go`) and returns a storage `InvalidError` that no layer turns into an API
status: a real server answers `resourceVersion=abc` with a **500** carrying the message
`resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`, which
kubernetes/kubernetes#101350 and #139485 report as a bug (the fix proposed in #139525 answers
400). This server answers that message with 400 BadRequest: a client's malformed input is not a
server failure.
"""

from __future__ import annotations

import re

from starlette.datastructures import QueryParams

from reconciler.localcluster.core.status import bad_request

_UINT = re.compile(r"[0-9]+")
_INT = re.compile(r"[+-]?[0-9]+")
_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}
LIST_BOOLS = ("watch", "allowWatchBookmarks", "sendInitialEvents")


def resource_version(query: QueryParams) -> int | None:
    """`resourceVersion` as a number; None when unset or "0" (any version, or "now")."""
    text = query.get("resourceVersion") or ""
    if text in ("", "0"):
        return None
    if not _UINT.fullmatch(text):
        _invalid_rv(text, "invalid syntax")
    value = int(text)
    if value >= 2**64:
        _invalid_rv(text, "value out of range")
    return value


def _invalid_rv(text: str, why: str) -> None:
    raise bad_request(
        f'resourceVersion: Invalid value: "{text}": strconv.ParseUint: parsing "{text}": {why}'
    )


def timeout_seconds(query: QueryParams) -> int | None:
    """`timeoutSeconds` (an int64 to the real server); None when unset."""
    text = query.get("timeoutSeconds")
    if text is None or text == "":
        return None
    if not _INT.fullmatch(text):
        raise bad_request(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise bad_request(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def flag(query: QueryParams, name: str) -> bool:
    """A boolean parameter as Go's `strconv.ParseBool` reads it (unset: false)."""
    text = query.get(name)
    if text is None or text == "":
        return False
    if text not in _BOOLS:
        raise bad_request(f'strconv.ParseBool: parsing "{text}": invalid syntax')
    return _BOOLS[text]


def check_read_params(query: QueryParams) -> None:
    """Refuse malformed parameters of a get, list or watch before any work is done."""
    resource_version(query)
    timeout_seconds(query)
    for name in LIST_BOOLS:
        flag(query, name)
