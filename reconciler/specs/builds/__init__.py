"""Rendered paths: directories built with Kustomize or rendered with Helm (see `units`)."""
