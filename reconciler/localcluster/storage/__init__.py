"""Where objects live: the SQLite store with its resourceVersion counter and watch event log
(`store`), `state`, everything one running cluster holds around it (served types, schemas,
request counts), and `dirlock`, the one-server-per-directory lock with the URL its holder
publishes. May import `core`, never `api`.
"""
