"""An embedded, Kubernetes-API-compatible server over SQLite, for tests, demos and `make run`.

It is not a Kubernetes distribution: it stores objects and speaks the API (discovery, CRUD,
watch, dry-run, patches, server-side apply with managedFields), so that the official client and
the real `kubectl` can be used against it exactly as against a real cluster. Nothing schedules
pods or runs controllers.

Layout: the pure cores (`k8sschema`, `fieldset`, `managedfields`, `patch`, `defaults`,
`fieldvalidation`) know nothing of HTTP or storage; `store`, `app` and `server` are the edges.
"""
