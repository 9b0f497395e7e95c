"""Spec kinds, the repo config, and loading them from a tree of YAML files with source lines."""
