"""Validation of labels and data keys, with kube-apiserver's rules and messages (422 Invalid).

- labels (every kind): keys are qualified names (`[prefix/]name`, name <= 63 characters of
  `[-A-Za-z0-9_.]` starting and ending alphanumeric, prefix a DNS-1123 subdomain), values at
  most 63 characters of the same set, or empty: `ValidateLabels` in
  `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`, reporting
  `field.Invalid(fldPath, value, msg)` at `metadata.labels`;
- ConfigMap `data`/`binaryData` and Secret `data` keys: `IsConfigMapKey`
  (`[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..` nor starting with `..`), as
  `ValidateConfigMap` and `ValidateSecret` in `pkg/apis/core/validation/validation.go` check
  them, at `data[key]`; a key in both `data` and `binaryData` is refused too.

The messages are `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`'s
(`RegexError`, `MaxLenError`). `label_problems` is also what selectors use for their values.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import invalid

_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_RE = re.compile(_NAME)
_VALUE_FMT = f"({_NAME})?"
_SUBDOMAIN_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_SUBDOMAIN_RE = re.compile(_SUBDOMAIN_FMT)
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_RE = re.compile(_CONFIG_KEY_FMT)
Cause = tuple[str, str, str]


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """`RegexError`: the message, examples and the regular expression."""
    shown = "".join(f"{' or ' if i else ''}'{e}', " for i, e in enumerate(examples))
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len(limit: int) -> str:
    return f"must be no more than {limit} characters"


def qualified_name_problems(key: str) -> list[str]:
    """`IsQualifiedName`: what is wrong with a label key (empty: nothing)."""
    parts = key.split("/")
    if len(parts) == 1:
        return _name_part_problems(key)
    if len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ["prefix part must be non-empty"]
        out = []
        if len(prefix) > 253:
            out.append("prefix part " + _max_len(253))
        if not _SUBDOMAIN_RE.fullmatch(prefix):
            out.append(
                "prefix part "
                + _regex_error(
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                    "characters, '-' or '.', and must start and end with an alphanumeric "
                    "character",
                    _SUBDOMAIN_FMT,
                    "example.com",
                )
            )
        return out + _name_part_problems(name)
    return [
        _regex_error(
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character",
            _NAME,
            "MyName",
            "my.name",
            "123-abc",
        )
        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ]


def _name_part_problems(name: str) -> list[str]:
    if not name:
        return ["name part must be non-empty"]
    out = []
    if len(name) > 63:
        out.append("name part " + _max_len(63))
    if not _NAME_RE.fullmatch(name):
        out.append(
            "name part "
            + _regex_error(
                "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                "end with an alphanumeric character",
                _NAME,
                "MyName",
                "my.name",
                "123-abc",
            )
        )
    return out


def label_value_problems(value: str) -> list[str]:
    """`IsValidLabelValue`: what is wrong with a label value (empty: nothing)."""
    out = []
    if len(value) > 63:
        out.append(_max_len(63))
    if value and not _NAME_RE.fullmatch(value):
        out.append(
            _regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                _VALUE_FMT,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return out


def config_key_problems(key: str) -> list[str]:
    """`IsConfigMapKey`: what is wrong with a ConfigMap or Secret key (empty: nothing)."""
    out = []
    if len(key) > 253:
        out.append(_max_len(253))
    if not _CONFIG_KEY_RE.fullmatch(key):
        out.append(
            _regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                _CONFIG_KEY_FMT,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    if key in (".", ".."):
        out.append(f"must not be '{key}'")
    elif key.startswith(".."):
        out.append("must not start with '..'")
    return out


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def label_causes(obj: dict[str, Any]) -> list[Cause]:
    """The 422 causes of `metadata.labels` (non-string values are type errors, found earlier)."""
    labels = (obj.get("metadata") or {}).get("labels")
    causes: list[Cause] = []
    if not isinstance(labels, dict):
        return causes
    for key, value in labels.items():
        for msg in qualified_name_problems(str(key)):
            causes.append(("FieldValueInvalid", "metadata.labels", _invalid(str(key), msg)))
        if isinstance(value, str):
            for msg in label_value_problems(value):
                causes.append(("FieldValueInvalid", "metadata.labels", _invalid(value, msg)))
    return causes


def _invalid(value: str, msg: str) -> str:
    return f"Invalid value: {_quoted(value)}: {msg}"


def data_key_causes(obj: dict[str, Any], fields: tuple[str, ...]) -> list[Cause]:
    """The 422 causes of the keys of `obj`'s data `fields` (`data`, `binaryData`)."""
    causes: list[Cause] = []
    seen: set[str] = set()
    for name in fields:
        data = obj.get(name)
        if not isinstance(data, dict):
            continue
        for key in data:
            key = str(key)
            where = f"{name}[{key}]"
            for msg in config_key_problems(key):
                causes.append(("FieldValueInvalid", where, _invalid(key, msg)))
            if key in seen:
                causes.append(
                    ("FieldValueInvalid", where, _invalid(key, "duplicate of key present in data"))
                )
            seen.add(key)
    return causes


def validate_labels(rt: ResourceType, obj: dict[str, Any]) -> None:
    """422 Invalid for label keys or values kube-apiserver refuses."""
    causes = label_causes(obj)
    if causes:
        raise invalid(rt, str((obj.get("metadata") or {}).get("name", "")), causes)


def validate_data_keys(rt: ResourceType, obj: dict[str, Any], fields: tuple[str, ...]) -> None:
    """422 Invalid for ConfigMap or Secret keys kube-apiserver refuses."""
    causes = data_key_causes(obj, fields)
    if causes:
        raise invalid(rt, str((obj.get("metadata") or {}).get("name", "")), causes)
