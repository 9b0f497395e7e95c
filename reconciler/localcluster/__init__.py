"""An embedded, Kubernetes-API-compatible server over SQLite, for tests, demos and `make run`.

It is not a Kubernetes distribution: it stores objects and speaks the API (discovery, CRUD,
watch, dry-run, patches, server-side apply with managedFields), so that the official client and
the real `kubectl` can be used against it exactly as against a real cluster. Nothing schedules
pods; minimal controllers run only when asked for (`controllers`).

Layout, in layers (each imports only those below it):

- `server`: the entry point (`start_local_cluster`), serving `api` in a thread;
- `controllers`: optional stand-ins for kube-controller-manager's controllers, writing through
  `api`'s write path in a background thread;
- `api`: HTTP: the Starlette app, handlers, discovery/OpenAPI/Table rendering, the write path;
- `storage`: the SQLite store with its watch event log, and the per-cluster state;
- `core`: pure semantics (schemas, field sets, managedFields, patches, defaults, validation,
  per-kind strategies, `Status` errors), with no HTTP and no storage.
"""
