"""`SpecError`: one problem in a spec repo, located by file, line and field.

Every problem the loader finds (bad YAML, an unknown field, a duplicate object, a file too large)
becomes one `SpecError`; nothing is raised. The same shape is printed by `reconciler validate`,
embedded in `plan` output and PR bodies, and returned to AI providers::

    specs/tools/a.yaml:12: spec.descripton: unknown field (typo?); did you mean 'description'?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpecError:
    """A located problem. `line` is 1-based; `field` is a dotted path using YAML names, e.g.
    `spec.actions[0].replicas`. Both are None when they do not apply (a whole-file problem)."""

    file: str
    line: int | None
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.file, self.line or 0, self.field or "")
