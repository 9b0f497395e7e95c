"""The engine facade: one source tree against one cluster, planned or applied.

    load (specs; Kustomize and Helm builds through `builders`) -> render
    -> pair (one key, one definition) -> read inventory + live
    -> compare each pair once -> dry-run what still differs -> classify -> plan
    -> apply (the only writer) -> inventory

Errors never stop the run: a spec file that fails holds its objects; a key defined twice holds
both definitions; an object the cluster rejects fails alone; a repo whose `reconciler.yaml` is
invalid applies and prunes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from reconciler.clients.cluster_api import Cluster, ClusterError
from reconciler.engine.apply import apply_plan
from reconciler.engine.core.compare import CompareOptions, Comparer
from reconciler.engine.core.desired_set import desired_set
from reconciler.engine.core.inventory import INVENTORY_PREFIX, Inventory, SourceOrigin
from reconciler.engine.core.inventory_update import changed, next_inventory, with_pending_creates
from reconciler.engine.core.overrides import malformed_override_paths
from reconciler.engine.core.ownership import FIELD_MANAGER, OVERRIDE_PATHS_ANNOTATION
from reconciler.engine.core.plan import (
    Assessment,
    Plan,
    PlanInputs,
    assess,
    decide,
    dry_run_requests,
)
from reconciler.engine.core.policies import policy_set
from reconciler.engine.errors import ObjectError, RunError, blame, sort_errors
from reconciler.engine.live import read_inventory, read_live
from reconciler.engine.result import RunResult
from reconciler.engine.scopes import Scopes
from reconciler.engine.store import DIGEST_KEY_SECRET, read_digest_key, write_inventory
from reconciler.specs.builds.port import Builders
from reconciler.specs.config import DriftMode, DriftSettings
from reconciler.specs.errors import SpecError
from reconciler.specs.keys import ObjectKey
from reconciler.specs.loader import load_tree
from reconciler.specs.tree import SourceTree

DEFAULT_INVENTORY_NAMESPACE = "reconciler-system"
_DIGEST_KEY = ObjectKey("", "Secret", DEFAULT_INVENTORY_NAMESPACE, DIGEST_KEY_SECRET)

__all__ = ["DEFAULT_INVENTORY_NAMESPACE", "Engine", "RunResult"]


class Engine:
    """Plans and applies one source (a named spec repo) against one cluster."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        source: str,
        inventory_namespace: str = DEFAULT_INVENTORY_NAMESPACE,
        drift_mode: DriftMode | None = None,
        origin: SourceOrigin | None = None,
        source_is_default: bool = False,
        adopt: bool = False,
        builders: Builders | None = None,
    ) -> None:
        self.cluster = cluster
        self.source = source
        self.inventory_namespace = inventory_namespace
        self.drift_mode = drift_mode  # overrides reconciler.yaml's drift.mode when set
        self.origin = origin  # where the specs come from; recorded in the inventory
        self.source_is_default = source_is_default  # reconciler.yaml's `source` may rename it
        self.adopt = adopt  # take over objects labelled as another source's
        self.builders = builders  # Kustomize and Helm (without: those paths fail and hold)

    def plan(self, tree: SourceTree, commit: str | None = None) -> RunResult:
        return self._plan(tree, commit, create_key=False)

    def _plan(self, tree: SourceTree, commit: str | None, *, create_key: bool) -> RunResult:
        loaded = load_tree(tree, builders=self.builders)
        config = loaded.config
        source = self.source
        if self.source_is_default and config.source and not loaded.config_failed:
            source = config.source
        if self.drift_mode is not None:
            config = config.model_copy(update={"drift": DriftSettings(mode=self.drift_mode)})
        errors: list[RunError] = list(loaded.errors)
        failed_files = set(loaded.failed_files)
        warnings: list[str] = [str(w) for w in loaded.warnings]
        key = self._digest_key(errors, create=create_key)
        scopes = Scopes(self.cluster, [m.body for m in loaded.manifests])
        for m in loaded.manifests:
            problem = scopes.check(m.body)
            if problem:
                errors.append(SpecError(m.location.file, m.location.line, None, problem))
                failed_files.add(m.holds)
        rendered = desired_set(
            loaded.specs,
            loaded.manifests,
            failed_files=frozenset(failed_files),
            config=config,
            source=source,
            is_namespaced=scopes.namespaced,
            digest_key=key,
        )
        errors.extend(rendered.errors)
        failed_files |= rendered.failed_files
        for d in rendered.desired:
            if self._reserved(d.key):
                origin = d.provenance.origins[0] if d.provenance.origins else None
                errors.append(
                    SpecError(
                        origin.file if origin else "<render>",
                        origin.line if origin else None,
                        "metadata.name",
                        f"{d.key.ref} is the reconciler's own bookkeeping: specs may not define it",
                    )
                )
                failed_files.update(d.files)
        rendered = replace(
            rendered,
            desired=[d for d in rendered.desired if d.derived or not set(d.files) & failed_files],
        )
        policies = policy_set(loaded.specs, loaded.manifests, failed_files, tree.read)
        errors.extend(policies.errors)
        failed_files |= {e.file for e in policies.errors}
        desired = [] if loaded.config_failed else rendered.desired  # nothing applied or pruned
        read = read_inventory(self.cluster, source, self.inventory_namespace, errors, warnings)
        inventory = read or Inventory(source)  # unreadable: plan as if empty, prune nothing
        refusal = self._identity_problem(inventory, source)
        if refusal is not None:
            errors.append(SpecError("<source>", None, None, refusal))
        live = read_live(self.cluster, desired, inventory, errors, failed_files)
        inputs = PlanInputs(
            source=source,
            commit=commit,
            desired=desired,
            live=live,
            inventory=inventory,
            config=config,
            policies=policies.policies,
            policies_failed=policies.failed,
            failed_files=frozenset(failed_files),
            load_failed=loaded.config_failed,
            conflicts=rendered.conflicts,
            adopt=self.adopt,
            refusal=refusal,
        )
        comparer = Comparer(CompareOptions.from_config(config))
        assessments = assess(inputs, comparer)
        answers = self._dry_run(assessments, errors)
        plan = decide(assessments, inputs, answers, compared=comparer.calls)
        warnings.extend(_annotation_warnings(plan))
        if read is not None and self.origin is not None and refusal is None:
            read = replace(read, origin=self.origin)  # recorded with the next write
        run = RunResult(source, commit, plan, sort_errors(errors), None, warnings, read)
        run.builds = loaded.builds
        return run

    def apply(self, tree: SourceTree, commit: str | None = None) -> RunResult:
        run = self._plan(tree, commit, create_key=True)
        if run.inventory is None:
            # It could not be read: writing one built without its records would forget objects
            # that must be pruned later, and creating without one would orphan what is created.
            run.warnings.append(
                "inventory not updated: it could not be read; existing objects were updated, "
                "nothing was created or pruned"
            )
            run.results = apply_plan(run.plan.entries, self.cluster, creates=False)
            return self._with_failures(run)
        pending = with_pending_creates(run.inventory, run.plan.entries)
        if pending is not None:
            problem = write_inventory(self.cluster, pending, self.inventory_namespace)
            if problem is not None:
                run.warnings.append(f"pending creates not recorded ({problem}): none created")
                run.results = apply_plan(run.plan.entries, self.cluster, creates=False)
                return self._with_failures(run)
        run.results = apply_plan(run.plan.entries, self.cluster)
        current = next_inventory(run.inventory, run.results, commit)
        if changed(pending or run.inventory, current):
            problem = write_inventory(self.cluster, current, self.inventory_namespace)
            if problem is not None:
                run.warnings.append(
                    f"inventory not saved: {problem}; the next run re-plans from the old one"
                )
        return self._with_failures(run)

    @staticmethod
    def _with_failures(run: RunResult) -> RunResult:
        """Failed writes are errors too, so JSON consumers and exit codes see them."""
        failed = [r.error for r in run.results or [] if isinstance(r.error, ObjectError)]
        run.errors = sort_errors([*run.errors, *failed])
        return run

    def _digest_key(self, errors: list[RunError], *, create: bool) -> bytes:
        try:
            key = read_digest_key(self.cluster, self.inventory_namespace, create=create)
        except ClusterError as exc:
            errors.append(ObjectError(_DIGEST_KEY, "read", exc))
            key = None
        # No key yet (a plan before the first apply): any key will do, nothing is recorded.
        return key if key is not None else secrets.token_bytes(32)

    def _reserved(self, key: ObjectKey) -> bool:
        """The inventories and the digest key: never desired state, whatever a repo says."""
        if key.namespace != self.inventory_namespace or key.group:
            return False
        if key.kind == "ConfigMap":
            return key.name.startswith(INVENTORY_PREFIX)
        return key.kind == "Secret" and key.name == DIGEST_KEY_SECRET

    def _identity_problem(self, inventory: Inventory, source: str) -> str | None:
        """Why this run must not act as `source`: its inventory came from another repo."""
        if inventory.origin is None or self.origin is None or inventory.origin == self.origin:
            return None
        return (
            f"source {source!r} was applied from {inventory.origin}, not {self.origin}: "
            "refusing to prune or adopt its objects; give this repo its own --source name"
        )

    def _dry_run(
        self, assessments: list[Assessment], errors: list[RunError]
    ) -> dict[ObjectKey, dict[str, Any]]:
        """Ask the server what applying would produce, only where a difference remains."""
        by_key = {a.pair.key: a for a in assessments}
        answers: dict[ObjectKey, dict[str, Any]] = {}
        for key, body in dry_run_requests(assessments):
            try:
                answers[key] = self.cluster.apply(
                    body, field_manager=FIELD_MANAGER, force=True, dry_run=True
                )
            except ClusterError as exc:
                errors.append(ObjectError(key, "dry-run", exc, blame(by_key[key].pair.desired)))
        return answers


def _annotation_warnings(plan: Plan) -> list[str]:
    """A malformed override-paths annotation overrides nothing: say so rather than drift."""
    out = []
    for entry in plan.entries:
        for bad in malformed_override_paths(entry.live) if entry.live else []:
            out.append(
                f"{entry.key.ref}: annotation {OVERRIDE_PATHS_ANNOTATION}: {bad!r} is not a "
                "JSON pointer (write it as /spec/replicas); ignored"
            )
    return out
