"""Where objects live: the SQLite store with its resourceVersion counter and watch event log
(`store`), and `state`, everything one running cluster holds around it (served types, schemas,
request counts). May import `core`, never `api`.
"""
