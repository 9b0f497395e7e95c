"""reconciler: GitOps reconciliation for the specs that AI-assisted operations run on."""

__version__ = "0.1.0"
