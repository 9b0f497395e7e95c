"""The reconcile engine: specs -> render -> pair -> diff -> plan -> apply -> inventory.

Everything here except `apply` and `inventory_store` is pure: functions of their arguments, no
I/O. The facade in `reconcile.py` wires them to a git source and a cluster.
"""
