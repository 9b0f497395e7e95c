"""The pure semantics of the API server: no HTTP, no storage, no threads of its own.

Kind schemas (`k8sschema`), field sets and managedFields, patches (JSON, merge, strategic),
defaults, field validation, label and data-key rules (`metavalidation`), admission refusals
(`admission`), strict and bounded body decoding (`bodydecode`, `safeyaml`), server-owned
metadata (`objectmeta`), per-kind strategies (`strategies`), the request kinds answered instead
of stored (`requestkinds`), selectors,
the served resource types (`resources`, from the schemas and `kindtable`), and errors as data
(`errors`, and `status`: the `Status` bodies failures are answered with). Imports nothing
else of `reconciler.localcluster`.
"""
