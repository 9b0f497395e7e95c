"""The commands under real use: two teams on one cluster, exit codes automation gates on, and
output that tells the truth (failures counted, names escaped, fatal errors in JSON)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reconciler import __version__
from reconciler.cli import main
from reconciler.clients.kubeconnect import connect
from tests.support.scenario import SpecRepo, config_map, new_spec_repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if "json" in args else out


def names(cluster: str, namespace: str) -> list[str]:
    with connect(cluster) as live:
        return sorted(
            o["metadata"]["name"] for o in live.list("v1", "ConfigMap", namespace=namespace)
        )


def test_two_teams_with_repos_called_specs_keep_their_own_objects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # default caches live under ~/.cache
    a = new_spec_repo(tmp_path / "team-a" / "specs")
    b = new_spec_repo(tmp_path / "team-b" / "specs")
    a.write("a.yaml", [config_map("a-settings", {"team": "a"}, "team-a")])
    b.write("b.yaml", [config_map("b-settings", {"team": "b"}, "team-b")])
    a.commit("a")
    b.commit("b")
    cluster = f"local:{tmp_path / 'cluster'}"
    for repo in (a, b):
        assert run(capsys, "apply", "--repo", str(repo.path), "--cluster", cluster)[0] == 0
    assert names(cluster, "team-a") == ["a-settings"]
    assert names(cluster, "team-b") == ["b-settings"]
    caches = sorted(p.name for p in (tmp_path / "home/.cache/reconciler/git").iterdir())
    assert len(caches) == 2 and all(c.startswith("specs-") for c in caches)

    shutil.rmtree(a.path)  # team A's remote is gone
    code, doc = run(capsys, "apply", "--repo", str(a.path), "--cluster", cluster, "-o", "json")
    assert code == 3 and "fetch failed" in doc["stale"]  # A's own last good commit, said so
    assert names(cluster, "team-a") == ["a-settings"]
    assert names(cluster, "team-b") == ["b-settings"]
    assert run(capsys, "apply", "--repo", str(b.path), "--cluster", cluster)[0] == 0
    assert names(cluster, "team-a") == ["a-settings"]


def test_one_name_for_two_repos_is_refused_not_obeyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = new_spec_repo(tmp_path / "a"), new_spec_repo(tmp_path / "b")
    a.write("a.yaml", [config_map("from-a", {"x": "1"})])
    b.write("b.yaml", [config_map("from-b", {"x": "1"})])
    a.commit("a")
    b.commit("b")
    common = ["--cluster", f"local:{tmp_path / 'cluster'}", "--source", "shared"]
    assert (
        run(capsys, "apply", "--repo", str(a.path), *common, "--cache-dir", str(tmp_path / "ca"))[0]
        == 0
    )
    code, doc = run(
        capsys,
        "apply",
        "--repo",
        str(b.path),
        *common,
        "--cache-dir",
        str(tmp_path / "cb"),
        "-o",
        "json",
    )
    assert code == 1
    assert any("refusing to prune or adopt" in e["message"] for e in doc["errors"])
    assert {o["name"]: o["class"] for o in doc["objects"]}["from-a"] == "held"
    assert names(f"local:{tmp_path / 'cluster'}", "demo") == ["from-a"]


@pytest.fixture
def repo_args(tmp_path: Path, spec_repo: SpecRepo) -> list[str]:
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.commit("seed")
    return [
        "--repo",
        str(spec_repo.path),
        "--cluster",
        f"local:{tmp_path / 'cluster'}",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--source",
        "demo",
    ]


def test_drift_exits_2_with_detailed_exitcode_in_any_mode(
    capsys: pytest.CaptureFixture[str], repo_args: list[str], tmp_path: Path
) -> None:
    assert run(capsys, "apply", *repo_args)[0] == 0
    assert run(capsys, "plan", *repo_args, "--detailed-exitcode")[0] == 0
    with connect(f"local:{tmp_path / 'cluster'}") as live:
        live.apply(
            config_map("settings", {"a": "edited"}), field_manager="kubectl-edit", force=True
        )
    for mode in ("report", "propose"):
        assert run(capsys, "plan", *repo_args, "--detailed-exitcode", "--drift-mode", mode)[0] == 2
    assert run(capsys, "drift", *repo_args, "--detailed-exitcode")[0] == 2
    assert run(capsys, "drift", *repo_args)[0] == 0


def test_plan_asks_the_server_about_new_objects(
    capsys: pytest.CaptureFixture[str], repo_args: list[str], spec_repo: SpecRepo
) -> None:
    spec_repo.write(
        "bad.yaml",
        [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "typo", "namespace": "demo"},
                "datta": {},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "demo"},
                "spec": {
                    "replicas": "two",
                    "selector": {"matchLabels": {"a": "b"}},
                    "template": {
                        "metadata": {"labels": {"a": "b"}},
                        "spec": {"containers": [{"name": "c", "image": "i"}]},
                    },
                },
            },
        ],
    )
    spec_repo.commit("bad")
    assert run(capsys, "apply", *repo_args.__iter__())[0] == 1  # creates the namespace, fails both
    code, doc = run(capsys, "plan", *repo_args, "-o", "json")
    assert code == 1
    failing = {e["object"] for e in doc["errors"] if e.get("action") == "dry-run"}
    assert failing == {"ConfigMap/demo/typo", "Deployment/demo/web"}


def test_apply_counts_failures_and_lists_them_as_errors(
    capsys: pytest.CaptureFixture[str], repo_args: list[str], spec_repo: SpecRepo
) -> None:
    spec_repo.write(
        "bad.yaml",
        [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "typo", "namespace": "demo"},
                "datta": {},
            }
        ],
    )
    spec_repo.commit("bad")
    code, text = run(capsys, "apply", *repo_args)
    assert code == 1
    assert "applied: 1 created, 1 failed" in text or "1 failed" in text.splitlines()[-1], text
    code, doc = run(capsys, "apply", *repo_args, "-o", "json")
    assert any(
        e.get("object") == "ConfigMap/demo/typo" and e["action"] == "apply" for e in doc["errors"]
    )


def test_fatal_errors_are_json_when_json_is_asked(
    capsys: pytest.CaptureFixture[str], repo_args: list[str]
) -> None:
    args = list(repo_args)
    args[args.index("--cluster") + 1] = "nonsense"
    code = main(["plan", *args, "-o", "json"])
    captured = capsys.readouterr()
    assert code == 1 and "local:DIR" in json.loads(captured.out)["error"]
    assert "local:DIR" in captured.err


def test_a_malformed_override_paths_annotation_is_reported(
    capsys: pytest.CaptureFixture[str], repo_args: list[str], tmp_path: Path
) -> None:
    run(capsys, "apply", *repo_args)
    with connect(f"local:{tmp_path / 'cluster'}") as live:
        body = config_map("settings", {"a": "1"})
        body["metadata"]["annotations"] = {"reconciler.dev/override-paths": "data/a"}
        live.apply(body, field_manager="operator")
    _code, doc = run(capsys, "plan", *repo_args, "-o", "json")
    assert any("'data/a' is not a JSON pointer" in w for w in doc["warnings"])


def test_file_names_cannot_forge_output_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x\n0 valid documents, no errors\n\x1b[2J.yaml").write_text(
        "a: [\n", encoding="utf-8"
    )
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 2 and "\x1b" not in out
    assert out.startswith("x\\n0 valid documents, no errors\\n\\x1b[2J.yaml:")


def test_schemas_export_into_a_file_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file"
    target.write_text("", encoding="utf-8")
    assert main(["schemas", "export", str(target)]) == 1
    assert "cannot write schemas" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"reconciler {__version__}"


def test_cluster_serve_reports_path_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("", encoding="utf-8")
    assert main(["cluster", "serve", "--dir", str(a_file)]) == 1
    assert "exists and is not a directory" in capsys.readouterr().err
    assert (
        main(["cluster", "serve", "--dir", str(tmp_path / "d"), "--kubeconfig-out", str(tmp_path)])
        == 1
    )
    assert "is a directory" in capsys.readouterr().err


def test_bad_names_ports_and_cluster_paths_are_clean_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad in ("Bad", "a/b", "x" * 70):
        with pytest.raises(SystemExit) as done:
            main(["plan", "--repo", str(tmp_path), "--cluster", "local:x", "--source", bad])
        assert done.value.code == 2
    for port in ("99999", "-1", "abc"):
        with pytest.raises(SystemExit) as done:
            main(["cluster", "serve", "--dir", str(tmp_path / "d"), "--port", port])
        assert done.value.code == 2
    capsys.readouterr()
    a_file = tmp_path / "afile"
    a_file.write_text("x: 1\n", encoding="utf-8")
    repo = new_spec_repo(tmp_path / "repo")
    repo.write("c.yaml", [config_map("c", {"a": "1"})])
    repo.commit("c")
    base = ["plan", "--repo", str(repo.path), "--cache-dir", str(tmp_path / "cache")]
    assert main([*base, "--cluster", f"local:{a_file}"]) == 1
    assert "exists and is not a directory" in capsys.readouterr().err
    assert main([*base, "--cluster", "kube", "--kubeconfig", str(a_file)]) == 1
    assert "cannot load kubeconfig" in capsys.readouterr().err
