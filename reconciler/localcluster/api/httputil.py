"""Request decoding and response encoding shared by the handlers.

Bodies are limited to kube-apiserver's 3 MiB (413 beyond); objects may be JSON, YAML or
protobuf, any other Content-Type is 415 (`object_body`), and decoding is as strict and bounded
as `core.bodydecode` makes it (400 for what does not decode).
Write options are read from the query like the real server: `dryRun=All`, `fieldManager`,
`fieldValidation` (default `Warn`, the server default; kubectl sends `Strict`), `force`.
Without `fieldManager`, the manager is the User-Agent up to its first `/`, as the real server
derives it (`kubectl/v1.37.1 (linux/amd64) ...` -> `kubectl`,
`OpenAPI-Generator/37.0.2/python` -> `OpenAPI-Generator`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.localcluster.api.protobuf import PROTOBUF, decode_object
from reconciler.localcluster.core.bodydecode import (
    DecodeError,
    YamlError,
    loads_json,
    loads_yaml_or_json,
)
from reconciler.localcluster.core.status import (
    MAX_REQUEST_BYTES,
    ApiError,
    bad_request,
    encode,
    too_large_request,
    unsupported_media_type,
)

JSON = "application/json"
YAML = "application/yaml"
YAML_TYPES = (YAML, "application/apply-patch+yaml")
# What create, update and delete bodies may be (kube-apiserver 1.37 without the CBOR gate).
BODY_TYPES = (JSON, YAML, PROTOBUF)


@dataclass(frozen=True)
class WriteOptions:
    dry_run: bool
    manager: str
    manager_given: bool
    validation: str
    force: bool


def write_options(request: Request) -> WriteOptions:
    q = request.query_params
    dry_run_values = q.getlist("dryRun")
    for value in dry_run_values:
        if value != "All":
            raise ApiError(
                400,
                "BadRequest",
                f'dryRun: Unsupported value: "{value}": supported values: "All"',
            )
    manager = q.get("fieldManager") or ""
    if len(manager) > 128:
        raise ApiError(422, "Invalid", "fieldManager: Too long: may not be more than 128 bytes")
    user_agent = request.headers.get("user-agent", "")
    return WriteOptions(
        dry_run=bool(dry_run_values),
        manager=manager or user_agent.split("/", 1)[0] or "unknown",
        manager_given=bool(manager),
        validation=q.get("fieldValidation") or "Warn",
        force=q.get("force") in ("true", "1", "True"),
    )


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise too_large_request()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise too_large_request()
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    """The body's media type, without parameters; none given means JSON, as on the real server."""
    return (request.headers.get("content-type") or JSON).split(";", 1)[0].strip().lower()


def decode(raw: bytes, content_type: str) -> Any:
    """Decode a JSON or YAML body (`core.bodydecode`: Go's strictness, bounded depth and YAML
    aliases); 400 when it does not decode."""
    if not raw.strip():
        raise bad_request("the body of the request was empty")
    try:
        if content_type in YAML_TYPES:
            return loads_yaml_or_json(raw)
        return loads_json(raw)
    except YamlError as error:
        raise bad_request(f"error converting YAML to JSON: {error}") from error
    except DecodeError as error:
        raise bad_request(f"couldn't get version/kind; json parse error: {error}") from error


def object_body(request: Request, raw: bytes) -> dict[str, Any]:
    """The object a POST or PUT sends in `raw`: JSON, YAML or protobuf, else 415 as
    kube-apiserver's `negotiation.NegotiateInputSerializer` answers."""
    content_type = media_type(request)
    if content_type not in BODY_TYPES:
        raise unsupported_media_type(content_type, list(BODY_TYPES))
    if content_type == PROTOBUF:
        return decode_object(raw)
    body = decode(raw, content_type)
    if not isinstance(body, dict):
        raise bad_request("Object 'Kind' is missing in the request body")
    return body


def json_response(
    body: Any, status: int = 200, *, warnings: list[str] | None = None, content_type: str = JSON
) -> Response:
    headers: dict[str, str] = {}
    response = Response(
        json.dumps(body, separators=(",", ":")).encode() if not isinstance(body, bytes) else body,
        status_code=status,
        media_type=content_type,
        headers=headers,
    )
    for text in warnings or []:
        response.headers.append("Warning", f"299 - {json.dumps(text)}")
    return response


def error_response(error: ApiError) -> Response:
    response = Response(encode(error.body()), status_code=error.code, media_type=JSON)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response
