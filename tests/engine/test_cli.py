"""The plan/apply/drift commands: JSON shapes, exit codes, fetch fallback, and --watch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from tests.engine.test_scenarios import TOOL, config_map, deployment
from tests.support.scenario import SpecRepo


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--output" in args else out


@pytest.fixture
def common(tmp_path: Path, spec_repo: SpecRepo) -> list[str]:
    spec_repo.write("app.yaml", [deployment()])
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.write("tools.yaml", TOOL)
    spec_repo.commit("seed")
    return [
        "--repo",
        spec_repo.path.as_uri(),
        "--cluster",
        f"local:{tmp_path / 'cluster'}",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--source",
        "demo",
    ]


def test_plan_json_shape_and_detailed_exitcode(
    capsys: pytest.CaptureFixture[str], common: list[str]
) -> None:
    code, doc = cli(capsys, "plan", *common, "--output", "json", "--detailed-exitcode")
    assert code == 2
    assert set(doc) >= {"source", "commit", "objects", "errors"}
    assert doc["source"] == "demo" and len(doc["commit"]) == 40
    web = next(o for o in doc["objects"] if o["kind"] == "Deployment")
    assert set(web) >= {"apiVersion", "kind", "namespace", "name", "class", "reason", "diff"}
    assert (web["apiVersion"], web["namespace"], web["name"], web["class"]) == (
        "apps/v1",
        "demo",
        "web",
        "create",
    )
    assert "+kind: Deployment" in web["diff"]
    code, doc = cli(capsys, "apply", *common, "--output", "json")
    assert code == 0 and {o["result"] for o in doc["objects"]} == {"created"}
    code, _ = cli(capsys, "plan", *common, "--output", "json", "--detailed-exitcode")
    assert code == 0
    code, _ = cli(capsys, "plan", *common, "--output", "json")
    assert code == 0


def test_drift_lists_only_drift_and_overrides(
    capsys: pytest.CaptureFixture[str], common: list[str], tmp_path: Path
) -> None:
    cli(capsys, "apply", *common, "--output", "json")
    from reconciler.localcluster.server import start_local_cluster

    with start_local_cluster(tmp_path / "cluster") as local:
        kubectl = str(Path(sys.executable).parent / "kubectl")
        subprocess.run(
            [
                kubectl,
                "--kubeconfig",
                str(local.kubeconfig_path),
                "scale",
                "-n",
                "demo",
                "deploy/web",
                "--replicas=3",
            ],
            check=True,
            capture_output=True,
        )
    code, doc = cli(capsys, "drift", *common, "--output", "json")
    assert code == 0
    assert [(o["name"], o["class"]) for o in doc["objects"]] == [("web", "drift")]
    code, text = cli(capsys, "drift", *common)
    assert "! drift     Deployment/demo/web" in text and "ConfigMap" not in text


def test_spec_errors_exit_1_with_validate_shaped_errors(
    capsys: pytest.CaptureFixture[str], common: list[str], spec_repo: SpecRepo
) -> None:
    spec_repo.write(
        "bad.yaml",
        "apiVersion: reconciler.dev/v1alpha1\nkind: Tool\nmetadata: {name: x}\n"
        "spec: {toolType: http, descripton: typo}\n",
    )
    spec_repo.commit("typo")
    code, doc = cli(capsys, "plan", *common, "--output", "json")
    assert code == 1
    typo = next(e for e in doc["errors"] if e["field"] == "spec.descripton")
    assert (typo["file"], typo["line"]) == ("bad.yaml", 4)
    assert "did you mean 'description'" in typo["message"]
    assert set(typo) == {"file", "line", "field", "message"}


def test_unfetchable_repo_keeps_last_good_commit(
    capsys: pytest.CaptureFixture[str], common: list[str], spec_repo: SpecRepo
) -> None:
    code, first = cli(capsys, "plan", *common, "--output", "json")
    shutil.rmtree(spec_repo.path)
    code, second = cli(capsys, "plan", *common, "--output", "json")
    assert code == 3 and second["commit"] == first["commit"]  # 3: stale, not silently 0
    assert "fetch failed" in second["stale"] and first["commit"][:7] in second["stale"]
    assert second["warnings"][0] == second["stale"]


def test_never_fetched_unreachable_repo_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "plan",
            "--repo",
            (tmp_path / "nope").as_uri(),
            "--cluster",
            f"local:{tmp_path / 'c'}",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 1
    assert "cannot fetch" in capsys.readouterr().err


def test_bad_cluster_value_is_an_error(
    capsys: pytest.CaptureFixture[str], common: list[str]
) -> None:
    args = list(common)
    args[args.index("--cluster") + 1] = "nonsense"
    assert main(["plan", *args]) == 1
    assert "local:DIR" in capsys.readouterr().err


def test_watch_replans_on_save(tmp_path: Path, spec_repo: SpecRepo) -> None:
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "plan",
        "--watch",
        "--repo",
        str(spec_repo.path),
        "--cluster",
        f"local:{tmp_path / 'cluster'}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: list[str] = []

    def read_until(marker: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith(marker):
                return
        raise AssertionError(f"no {marker!r} in {lines}")

    try:
        read_until("-- ")  # the first full plan
        assert any("create    ConfigMap/demo/settings" in line for line in lines)
        lines.clear()
        time.sleep(0.3)
        spec_repo.write(
            "config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings\n"
        )
        read_until("-- ")
        assert any(line.startswith("error: config.yaml:") for line in lines), lines
        lines.clear()
        spec_repo.write(
            "config.yaml", [config_map("settings", {"a": "1"}), config_map("more", {"b": "2"})]
        )
        read_until("-- ")
        assert any("ConfigMap/demo/more" in line for line in lines), lines
        assert any("ConfigMap/demo/settings" in line for line in lines), lines  # back again
        lines.clear()
        spec_repo.write(
            "config.yaml", [config_map("settings", {"a": "1"}), config_map("more", {"b": "3"})]
        )
        read_until("-- ")
        assert any("ConfigMap/demo/more" in line for line in lines), lines
        assert not any("ConfigMap/demo/settings" in line for line in lines), lines  # unchanged
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_watch_honours_the_flags_plan_honours(
    tmp_path: Path, spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.commit("seed")
    cluster = f"local:{tmp_path / 'cluster'}"
    base = ["--repo", str(spec_repo.path), "--cluster", cluster, "--source", "team"]
    assert main(["apply", *base, "--cache-dir", str(tmp_path / "cache")]) == 0
    capsys.readouterr()
    from reconciler.clients.kubeconnect import connect

    with connect(cluster) as live:
        live.apply(
            config_map("settings", {"a": "by hand"}), field_manager="kubectl-edit", force=True
        )
    command = [sys.executable, "-m", "reconciler", "plan", "--watch", *base]
    command += ["--drift-mode", "revert", "--output", "json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("watching ")
        doc = json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert doc["source"] == "team"  # --source: the inventory `apply` wrote is found
    (entry,) = [o for o in doc["objects"] if o["name"] == "settings"]
    assert (entry["class"], entry["driftMode"]) == ("drift", "revert")  # --drift-mode
