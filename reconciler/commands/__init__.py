"""Command groups of the CLI: one module each, registered by `reconciler.cli`."""
