"""`reconciler validate`: exit codes, the JSON shape, the text report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import main

from .conftest import DATA, PROJECT_ROOT

BROKEN = DATA / "broken"

BROKEN_ERRORS = [
    {
        "file": "syntax.yaml",
        "line": 4,
        "field": None,
        "message": "invalid YAML: mapping values are not allowed in this context "
        "at line 4, column 10",
    },
    {
        "file": "tools.yaml",
        "line": 14,
        "field": "spec.description",
        "message": "required field missing",
    },
    {
        "file": "tools.yaml",
        "line": 16,
        "field": "spec.descripton",
        "message": "unknown field (typo?); did you mean 'description'?",
    },
    {
        "file": "tools.yaml",
        "line": 17,
        "field": "spec.status",
        "message": "must be 'draft' or 'published'; got the string 'publish'; "
        "did you mean 'published'?",
    },
]


def test_the_example_repo_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(PROJECT_ROOT)]) == 0
    out = capsys.readouterr().out
    assert out.endswith(" valid documents, no errors\n")
    assert out.count("\n") == 1


def test_specs_alone_validate_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(PROJECT_ROOT / "specs"), "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True and report["errors"] == [] and report["specs"] > 20


def test_json_report_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN), "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report == {"valid": False, "specs": 2, "errors": BROKEN_ERRORS, "warnings": []}


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "syntax.yaml:4: invalid YAML: mapping values are not allowed in this context "
        "at line 4, column 10"
    )
    assert lines[1] == "tools.yaml:14: spec.description: required field missing"
    assert lines[-1] == "2 valid documents, 4 errors in 2 files"


def test_a_whole_file_error_has_no_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "reconciler.yaml").write_text("maxFileSize: 10\n")
    (tmp_path / "big.yaml").write_text("# " + "x" * 20 + "\n")
    assert main(["validate", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "big.yaml: file is 23 bytes, over the limit of 10 bytes (maxFileSize)",
        "0 valid documents, 1 error in 1 file",
    ]


def test_a_single_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN / "tools.yaml"), "-o", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["specs"] == 1
    assert [e["file"] for e in report["errors"]] == ["tools.yaml"] * 3
    assert main(["validate", str(BROKEN / "app.yaml")]) == 0


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nope: no such file or directory" in captured.err


def test_unknown_output_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate", ".", "--output", "xml"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_through_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", str(BROKEN), "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["errors"] == BROKEN_ERRORS
    ok = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
