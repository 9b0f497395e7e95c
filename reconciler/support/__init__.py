"""Generic helpers with no knowledge of the product; any package may import them, they import
nothing of reconciler."""
