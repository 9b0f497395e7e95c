"""The HTTP edge: everything about requests and responses.

The Starlette app and its dispatch (`app`, `requestinfo`), body decoding and response encoding
(`httputil`, `protobuf` with its field tables `protocore` and `protoapis`), query parameters
(`params`), discovery, OpenAPI and Table rendering, the per-verb handlers (`read`, `write`,
`patching`, `subresources`, `watch` with its bounded `watchqueue`) and `writepath`, the steps
every write goes through between a handler and the store.
May import `storage` and `core`.
"""
