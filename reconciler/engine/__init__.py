"""The reconcile engine: load -> render -> pair -> compare -> dry-run -> classify -> apply.

`core/` is pure (functions of their arguments, no I/O): render with provenance, pairing,
comparison, classification, the plan, policies and the inventory model. The facade around it
reads and writes through the cluster port: `reconcile.Engine` (plan, apply), `live` (reads),
`apply` (the only writer), `scopes` (discovery), `validate` (offline: no cluster), `errors` and
`result` (what a run returns). Running a source from git is `reconciler.runner`'s job.
"""
