"""The engine facade: one source tree against one cluster, planned or applied.

    load (specs) -> render -> read live + inventory -> confirm differences by dry-run -> plan
    -> apply (the only writer) -> inventory

Errors never stop the run: a spec file that fails holds its objects; an object the cluster
rejects fails alone; a repo whose `reconciler.yaml` is invalid applies and prunes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.clients.cluster_api import Cluster, ClusterError, UnknownKindError
from reconciler.engine.apply import ObjectResult, apply_plan
from reconciler.engine.classify import dry_run_body
from reconciler.engine.desired import DesiredObject
from reconciler.engine.inventory import Inventory, InventoryError, config_map_name
from reconciler.engine.inventory_update import changed, next_inventory
from reconciler.engine.keys import ObjectKey, key_of
from reconciler.engine.ownership import FIELD_MANAGER
from reconciler.engine.plan import Plan, PlanClass, PlanInputs, build_plan
from reconciler.engine.render import SourcedManifest, SourcedSpec, render
from reconciler.engine.scopes import Scopes
from reconciler.specs.config import DriftMode, DriftSettings
from reconciler.specs.errors import SpecError
from reconciler.specs.kinds import Policy
from reconciler.specs.loader import load_tree
from reconciler.specs.tree import SourceTree

DEFAULT_INVENTORY_NAMESPACE = "reconciler-system"


@dataclass
class RunResult:
    """What a plan or apply found and did; `results` is None for a plan."""

    source: str
    commit: str | None
    plan: Plan
    errors: list[SpecError] = field(default_factory=list)
    results: list[ObjectResult] | None = None
    warnings: list[str] = field(default_factory=list)
    inventory: Inventory | None = (
        None  # as read when planning (None: unreadable); apply builds on it
    )

    @property
    def failed(self) -> bool:
        return any(r.outcome == "failed" for r in self.results or [])

    def to_dict(self, *, classes: set[PlanClass] | None = None) -> dict[str, Any]:
        if self.results is not None:
            objects = [
                r.to_dict() for r in self.results if classes is None or r.entry.cls in classes
            ]
        else:
            objects = [
                e.to_dict() for e in self.plan.entries if classes is None or e.cls in classes
            ]
        return {
            "source": self.source,
            "commit": self.commit,
            "objects": objects,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": self.warnings,
        }


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
        errors = list(loaded.errors)
        failed_files = set(loaded.failed_files)
        warnings: list[str] = []
        scopes = Scopes(self.cluster, [m.body for m in loaded.manifests])
        manifests = []
        for m in loaded.manifests:
            problem = scopes.check(m.body)
            if problem:
                errors.append(SpecError(m.location.file, m.location.line, None, problem))
                failed_files.add(m.location.file)
            else:
                manifests.append(SourcedManifest(m.body, m.location.file))
        manifests = [m for m in manifests if m.file not in failed_files]
        specs = [SourcedSpec(s.spec, s.location.file) for s in loaded.specs]
        specs = [s for s in specs if s.file not in failed_files]
        desired = render(
            specs,
            manifests,
            config=config,
            source=self.source,
            is_namespaced=scopes.namespaced,
        )
        if loaded.config_failed:
            desired = []  # nothing is applied or pruned: no need to ask the cluster about it
        read = self._read_inventory(errors, warnings)
        inventory = read or Inventory(self.source)  # unreadable: plan as if empty, prune nothing
        live = self._read_live(desired, inventory, errors, failed_files)
        inputs = PlanInputs(
            source=self.source,
            commit=commit,
            desired=desired,
            live=live,
            inventory=inventory,
            config=config,
            policies=[s.spec for s in specs if isinstance(s.spec, Policy)],
            failed_files=frozenset(failed_files),
            load_failed=loaded.config_failed,
        )
        inputs = self._confirm_by_dry_run(inputs, errors)
        errors.sort(key=SpecError.sort_key)
        plan = build_plan(inputs)
        return RunResult(self.source, commit, plan, errors, None, warnings, read)

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

    # -- reading -------------------------------------------------------------------------

    def _load_inventory(self) -> Inventory:
        body = self.cluster.get(
            "v1", "ConfigMap", self.inventory_namespace, config_map_name(self.source)
        )
        return Inventory.from_config_map(self.source, body)

    def _read_inventory(self, errors: list[SpecError], warnings: list[str]) -> Inventory | None:
        """The stored inventory; an empty one for a corrupt body (it gets rewritten, and nothing
        is pruned meanwhile); None when the cluster could not be asked (it must not be
        overwritten then)."""
        try:
            return self._load_inventory()
        except InventoryError as exc:
            warnings.append(f"{exc}; it will be rewritten, and nothing is pruned until then")
            return Inventory(self.source)
        except ClusterError as exc:
            errors.append(SpecError("<cluster>", None, None, f"reading the inventory: {exc}"))
            return None

    def _read_live(
        self,
        desired: list[DesiredObject],
        inventory: Inventory,
        errors: list[SpecError],
        failed_files: set[str],
    ) -> dict[ObjectKey, dict[str, Any]]:
        """Live objects for every desired key (one list per kind and namespace) and every
        inventory key (a get each)."""
        live: dict[ObjectKey, dict[str, Any]] = {}
        groups: dict[tuple[str, str, str | None], list[DesiredObject]] = defaultdict(list)
        for d in desired:
            groups[(d.api_version, d.key.kind, d.key.namespace)].append(d)
        for (api_version, kind, namespace), members in groups.items():
            try:
                wanted = {d.key for d in members}
                for found in self.cluster.list(api_version, kind, namespace=namespace):
                    key = key_of(found)
                    if key in wanted:
                        live[key] = found
            except UnknownKindError:
                continue  # a CRD in this same plan defines it; nothing of it is live yet
            except ClusterError as exc:
                for d in members:
                    errors.append(
                        SpecError(d.origins[0], None, None, f"{d.key.ref}: {exc.message}")
                    )
                    failed_files.update(d.origins)
        desired_keys = {d.key for d in desired}
        for key, entry in inventory.entries.items():
            if key in desired_keys:
                continue
            obj: dict[str, Any] | None
            try:
                obj = self.cluster.get(entry.api_version, key.kind, key.namespace, key.name)
            except UnknownKindError:
                obj = None
            except ClusterError as exc:
                errors.append(SpecError("<cluster>", None, None, f"{key.ref}: {exc.message}"))
                failed_files.update(entry.origins)
                continue
            if obj is not None:
                live[key] = obj
        return live

    def _confirm_by_dry_run(self, inputs: PlanInputs, errors: list[SpecError]) -> PlanInputs:
        """Ask the server what applying would produce, only where a difference was found."""
        answers: dict[ObjectKey, dict[str, Any]] = {}
        for d in inputs.desired:
            body = dry_run_body(d, inputs.live.get(d.key), inputs)
            if body is None:
                continue
            try:
                answers[d.key] = self.cluster.apply(
                    body, field_manager=FIELD_MANAGER, force=True, dry_run=True
                )
            except ClusterError as exc:
                errors.append(SpecError(d.origins[0], None, None, f"dry-run: {exc}"))
        return replace(inputs, dry_run=answers) if answers else inputs

    # -- writing ------------------------------------------------------------------------

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
