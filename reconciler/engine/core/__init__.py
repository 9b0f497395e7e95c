"""The pure core of the engine: render, pair, compare, classify, plan, policies, inventory model.

Nothing here does I/O: every function takes its inputs as data and returns data, so the whole
core is testable without a cluster or a repository. The facade in `reconciler.engine` feeds it
what it reads from the cluster and executes what it decides.
"""
