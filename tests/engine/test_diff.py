"""Diff semantics: what counts as a difference between what git sets and what is live."""

from __future__ import annotations

from reconciler.engine.core.diff import full_diff, subset_diff, unified
from reconciler.engine.core.normalize import normalize
from reconciler.engine.core.pointers import MISSING


def test_defaulted_fields_are_not_differences() -> None:
    desired = {
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}},
        }
    }
    live = {
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 10,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "image": "x:1", "imagePullPolicy": "IfNotPresent"}
                    ],
                    "restartPolicy": "Always",
                }
            },
        }
    }
    assert subset_diff(desired, live) == []


def test_changed_scalar_is_reported_at_its_pointer() -> None:
    diffs = subset_diff({"spec": {"replicas": 3}}, {"spec": {"replicas": 5}})
    assert [(d.pointer, d.desired, d.live) for d in diffs] == [("/spec/replicas", 3, 5)]


def test_named_list_items_pair_by_name_not_position() -> None:
    desired = {"c": [{"name": "b", "image": "2"}, {"name": "a", "image": "1"}]}
    live = {"c": [{"name": "a", "image": "1"}, {"name": "b", "image": "3"}]}
    diffs = subset_diff(desired, live)
    assert [(d.pointer, d.desired, d.live) for d in diffs] == [("/c/1/image", "2", "3")]


def test_missing_named_item_and_length_change() -> None:
    diffs = subset_diff({"c": [{"name": "new"}]}, {"c": [{"name": "old"}]})
    assert diffs[0].pointer == "/c/1" and diffs[0].live is MISSING
    assert subset_diff({"args": ["a", "b"]}, {"args": ["a"]})[0].pointer == "/args"


def test_bool_is_not_int() -> None:
    assert subset_diff({"x": True}, {"x": 1})
    assert not subset_diff({"x": 1}, {"x": 1.0})


def test_explicit_empty_equals_absent() -> None:
    assert subset_diff({"metadata": {"labels": {}}}, {"metadata": {}}) == []


def test_pointer_escaping_of_annotation_keys() -> None:
    diffs = subset_diff(
        {"metadata": {"annotations": {"a/b~c": "1"}}}, {"metadata": {"annotations": {"a/b~c": "2"}}}
    )
    assert diffs[0].pointer == "/metadata/annotations/a~1b~0c"


def test_full_diff_sees_extra_fields_both_ways() -> None:
    pointers = {d.pointer for d in full_diff({"a": 1, "b": 2}, {"a": 1, "c": 3})}
    assert pointers == {"/b", "/c"}


def test_normalize_drops_server_fields_and_folds_string_data() -> None:
    live = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "s",
            "uid": "u",
            "resourceVersion": "9",
            "managedFields": [],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
        },
        "stringData": {"k": "v"},
        "status": {},
    }
    assert normalize(live) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"k": "dg=="},
    }


def test_unified_diff_names_both_sides() -> None:
    text = unified({"a": 1}, {"a": 2}, "ConfigMap/ns/x")
    assert "--- live/ConfigMap/ns/x" in text and "+++ desired/ConfigMap/ns/x" in text
    assert "-a: 1" in text and "+a: 2" in text
