"""Minimal stand-ins for kube-controller-manager's controllers, each optional.

There are no pods and no nodes, so each controller takes a documented shortcut; what it writes
has the shape, field manager (`kube-controller-manager`) and subresource the real one uses, so
that clients reading it (kubectl, discovery of health, override detection) see a real cluster:

- `namespace` (`namespace.py`): a deleted Namespace goes `Terminating`, its contents are
  deleted (finalizers honoured), then it is removed;
- `deployment` (`deployment.py`): one ReplicaSet per pod template and a Deployment `status`
  as if every pod were ready at once (an annotation holds some back);
- `endpointslice` (`endpointslice.py`): EndpointSlices for Services, from the pod templates
  of the Deployments the selector matches, ready as those Deployments are;
- `hpa` (`hpa.py`): HorizontalPodAutoscalers set `/scale` of their target from a metric value
  given in an annotation, with the real formula, tolerance, limits and stabilization.

`runner.ControllerRunner` runs the chosen ones in one background thread, woken by the store's
watch events and by a periodic resync. All are off unless asked for:
`start_local_cluster(dir, controllers=frozenset({"deployment"}))`, or
`reconciler cluster serve --controllers namespace,deployment,endpointslice,hpa` (or `all`).
"""

from __future__ import annotations

CONTROLLER_NAMES = ("namespace", "deployment", "endpointslice", "hpa")


def parse_controllers(text: str) -> frozenset[str]:
    """`"namespace,hpa"` -> their names; `"all"` -> every one; `""`/`"none"` -> none.
    Raises ValueError naming an unknown controller."""
    names = {part.strip() for part in text.split(",") if part.strip()}
    if names == {"all"}:
        return frozenset(CONTROLLER_NAMES)
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(CONTROLLER_NAMES))
    if unknown:
        known = ", ".join(CONTROLLER_NAMES)
        raise ValueError(f"unknown controller {', '.join(unknown)} (known: {known}, or all)")
    return frozenset(names)
