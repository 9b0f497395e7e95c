"""The engine facade: one source tree against one cluster, planned or applied.

    load (specs) -> render -> pair (one key, one definition) -> read inventory + live
    -> compare each pair once -> dry-run what still differs -> classify -> plan
    -> apply (the only writer) -> inventory

Errors never stop the run: a spec file that fails holds its objects; a key defined twice holds
both definitions; an object the cluster rejects fails alone; a repo whose `reconciler.yaml` is
invalid applies and prunes nothing.
"""

from __future__ import annotations

from typing import Any

from reconciler.clients.cluster_api import Cluster, ClusterError
from reconciler.engine.apply import apply_plan
from reconciler.engine.core.compare import CompareOptions, Comparer
from reconciler.engine.core.desired_set import desired_set
from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.inventory_update import changed, next_inventory
from reconciler.engine.core.ownership import FIELD_MANAGER
from reconciler.engine.core.plan import Assessment, PlanInputs, assess, decide, dry_run_requests
from reconciler.engine.errors import ObjectError, RunError, blame, sort_errors
from reconciler.engine.live import read_inventory, read_live
from reconciler.engine.result import RunResult
from reconciler.engine.scopes import Scopes
from reconciler.specs.config import DriftMode, DriftSettings
from reconciler.specs.errors import SpecError
from reconciler.specs.keys import ObjectKey
from reconciler.specs.kinds import Policy
from reconciler.specs.loader import load_tree
from reconciler.specs.tree import SourceTree

DEFAULT_INVENTORY_NAMESPACE = "reconciler-system"

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
    ) -> None:
        self.cluster = cluster
        self.source = source
        self.inventory_namespace = inventory_namespace
        self.drift_mode = drift_mode  # overrides reconciler.yaml's drift.mode when set

    def plan(self, tree: SourceTree, commit: str | None = None) -> RunResult:
        loaded = load_tree(tree)
        config = loaded.config
        if self.drift_mode is not None:
            config = config.model_copy(update={"drift": DriftSettings(mode=self.drift_mode)})
        errors: list[RunError] = list(loaded.errors)
        failed_files = set(loaded.failed_files)
        warnings: list[str] = []
        scopes = Scopes(self.cluster, [m.body for m in loaded.manifests])
        for m in loaded.manifests:
            problem = scopes.check(m.body)
            if problem:
                errors.append(SpecError(m.location.file, m.location.line, None, problem))
                failed_files.add(m.location.file)
        rendered = desired_set(
            loaded.specs,
            loaded.manifests,
            failed_files=frozenset(failed_files),
            config=config,
            source=self.source,
            is_namespaced=scopes.namespaced,
        )
        errors.extend(rendered.errors)
        failed_files |= rendered.failed_files
        desired = [] if loaded.config_failed else rendered.desired  # nothing applied or pruned
        read = read_inventory(self.cluster, self.source, self.inventory_namespace, errors, warnings)
        inventory = read or Inventory(self.source)  # unreadable: plan as if empty, prune nothing
        live = read_live(self.cluster, desired, inventory, errors, failed_files)
        inputs = PlanInputs(
            source=self.source,
            commit=commit,
            desired=desired,
            live=live,
            inventory=inventory,
            config=config,
            policies=[s.spec for s in loaded.specs if isinstance(s.spec, Policy)],
            failed_files=frozenset(failed_files),
            load_failed=loaded.config_failed,
            conflicts=rendered.conflicts,
        )
        comparer = Comparer(CompareOptions.from_config(config))
        assessments = assess(inputs, comparer)
        answers = self._dry_run(assessments, errors)
        plan = decide(assessments, inputs, answers, compared=comparer.calls)
        return RunResult(self.source, commit, plan, sort_errors(errors), None, warnings, read)

    def apply(self, tree: SourceTree, commit: str | None = None) -> RunResult:
        run = self.plan(tree, commit)
        run.results = apply_plan(run.plan.entries, self.cluster)
        if run.inventory is None:
            # It could not be read: writing one built without its records would forget objects
            # that must be pruned later. Keep it for a run that can read it.
            run.warnings.append("inventory not updated: it could not be read this run")
            return run
        current = next_inventory(run.inventory, run.results, commit)
        if changed(run.inventory, current):
            self._write_inventory(current, run)
        return run

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

    def _write_inventory(self, inventory: Inventory, run: RunResult) -> None:
        namespace = {"apiVersion": "v1", "kind": "Namespace"}
        try:
            if self.cluster.get("v1", "Namespace", None, self.inventory_namespace) is None:
                self.cluster.apply(
                    {**namespace, "metadata": {"name": self.inventory_namespace}},
                    field_manager=FIELD_MANAGER,
                )
            self.cluster.apply(
                inventory.to_config_map(self.inventory_namespace),
                field_manager=FIELD_MANAGER,
                force=True,
            )
        except ClusterError as exc:
            run.warnings.append(
                f"inventory not saved: {exc}; the next run re-plans from the old one"
            )
