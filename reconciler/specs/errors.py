"""`SpecError`: one problem in a spec repo, located by file, line and field.

Every problem the loader finds (bad YAML, an unknown field, a duplicate object, a file too large)
becomes one `SpecError`; nothing is raised. The same shape is printed by `reconciler validate`,
embedded in `plan` output and PR bodies, and returned to AI providers::

    specs/tools/a.yaml:12: spec.descripton: unknown field (typo?); did you mean 'description'?
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any


def printable(text: str) -> str:
    """`text` safe to print on one terminal line and in JSON: control and format characters
    (newlines, escapes, bidi overrides) become `\\n`, `\\x1b`, `\\u202e`; bytes that were not
    UTF-8 (kept by the filesystem as lone surrogates) become `\\xff`. A file name must not be
    able to print a fake "no errors" line or clear the screen."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: one undecodable byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(repr(ch)[1:-1] if code < 0x80 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class SpecError:
    """A located problem. `line` is 1-based; `field` is a dotted path using YAML names, e.g.
    `spec.actions[0].replicas`. Both are None when they do not apply (a whole-file problem)."""

    file: str
    line: int | None
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": printable(self.file),
            "line": self.line,
            "field": printable(self.field) if self.field else self.field,
            "message": printable(self.message),
        }

    def __str__(self) -> str:
        file = printable(self.file)
        where = file if self.line is None else f"{file}:{self.line}"
        if self.field:
            return f"{where}: {printable(self.field)}: {printable(self.message)}"
        return f"{where}: {printable(self.message)}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.file, self.line or 0, self.field or "")
