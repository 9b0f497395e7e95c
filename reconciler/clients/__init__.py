"""Adapters: the only modules that talk to the outside world (Kubernetes, git, forges, LLMs)."""
