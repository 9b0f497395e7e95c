"""The validation report: one shape for `reconciler validate`, `plan`, PR bodies and AI tools.

JSON (`--output json`)::

    {"valid": false, "specs": 12,
     "errors": [{"file": "specs/tools/a.yaml", "line": 4, "field": "spec.status",
                 "message": "must be 'draft' or 'published'; got the string 'publish'"}]}

`specs` counts the valid documents (specs and plain manifests), including the good documents of
files that also hold an error. Text: one line per error, `file:line: field: message`, then a
summary such as `12 valid documents, 2 errors in 1 file`.
"""

from __future__ import annotations

from typing import Any

from reconciler.specs.errors import SpecError
from reconciler.specs.loader import LoadResult


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def report_dict(result: LoadResult) -> dict[str, Any]:
    """The JSON report of a load: `valid`, `specs` (valid documents) and `errors`."""
    return {
        "valid": result.ok,
        "specs": result.valid_documents,
        "errors": [error.to_dict() for error in result.errors],
        "warnings": [warning.to_dict() for warning in result.warnings],
    }


def error_lines(errors: list[SpecError]) -> list[str]:
    """`file:line: field: message`, one per error, in file and line order."""
    return [str(error) for error in errors]


def summary_line(result: LoadResult) -> str:
    """E.g. `12 valid documents, 2 errors in 1 file` or `12 valid documents, no errors`."""
    documents = _plural(result.valid_documents, "valid document")
    if not result.errors:
        return f"{documents}, no errors"
    files = len({error.file for error in result.errors})
    return f"{documents}, {_plural(len(result.errors), 'error')} in {_plural(files, 'file')}"


def report_text(result: LoadResult) -> str:
    """The human report: the error lines, then the summary line."""
    warnings = [f"warning: {w}" for w in result.warnings]
    return "\n".join([*error_lines(result.errors), *warnings, summary_line(result)]) + "\n"
