"""Proposals: changes the reconciler writes to git as pull requests, verified by code first."""
