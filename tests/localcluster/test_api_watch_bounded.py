"""A watch whose client stops reading is closed once its queue is full; it never grows.

kube-apiserver's cacher gives each watcher a bounded buffer and closes a watcher that cannot
take an event ("Forcing ... watcher close due to unresponsiveness",
`staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go`, `add`): its result channel
is closed and the watch handler ends the stream, without an error event; the client watches
again from its last resourceVersion. Here a real client opens a watch with httpx and never
reads while large objects are written (the sockets' buffers fill after a few MB): the server
must unsubscribe the watch (its queue bound is reached) while the client is still stalled, and
the stream must then end by itself once the client reads.
"""

from __future__ import annotations

import time

import httpx
import pytest

from reconciler.localcluster.api import watchqueue
from tests.localcluster.conftest import RunningCluster

QUEUE_LIMIT = 4
PAYLOAD = "x" * (256 * 1024)  # large events fill the socket buffers with few writes


def test_a_stalled_watch_is_closed_at_its_queue_bound(
    cluster: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchqueue, "WATCH_QUEUE_SIZE", QUEUE_LIMIT)
    ns = cluster.new_namespace()
    url = f"/api/v1/namespaces/{ns}/configmaps"
    created = cluster.http.post(url, json={"metadata": {"name": "big"}, "data": {"k": "v"}})
    start_rv = created.json()["metadata"]["resourceVersion"]
    store = cluster.handle.state.store
    before = store.subscriber_count()
    with httpx.Client(base_url=cluster.url, timeout=30) as stalled:
        params = {"watch": "true", "resourceVersion": start_rv, "timeoutSeconds": "300"}
        with stalled.stream("GET", url, params=params) as response:
            assert response.status_code == 200
            assert _wait(lambda: store.subscriber_count() == before + 1)
            writes = 0
            while store.subscriber_count() > before and writes < 200:
                body = {"data": {"k": f"{writes}-{PAYLOAD}"}}
                patched = cluster.http.patch(
                    f"{url}/big",
                    json=body,
                    headers={"content-type": "application/merge-patch+json"},
                )
                assert patched.status_code == 200
                writes += 1
            # Closed while the client still has not read a byte: unsubscribed, queue dropped.
            assert store.subscriber_count() == before, f"still subscribed after {writes} writes"
            for _ in range(5):  # later writes reach no queue of it
                cluster.http.patch(
                    f"{url}/big",
                    json={"data": {"k": "after"}},
                    headers={"content-type": "application/merge-patch+json"},
                )
            # Reading now gets what was already written, then the end of the stream (no hang
            # until timeoutSeconds, no error event), as when the cacher closes a watcher.
            started = time.monotonic()
            lines = list(response.iter_lines())
            assert time.monotonic() - started < 20
    events = [line for line in lines if line]
    assert 0 < len(events) < writes
    assert all('"type":"MODIFIED"' in line[:40] for line in events)
    assert cluster.http.get("/healthz").text == "ok"


def test_a_reading_watch_is_not_closed(
    cluster: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that keeps reading gets every event, however many, with the same small bound."""
    monkeypatch.setattr(watchqueue, "WATCH_QUEUE_SIZE", QUEUE_LIMIT)
    ns = cluster.new_namespace()
    url = f"/api/v1/namespaces/{ns}/configmaps"
    created = cluster.http.post(url, json={"metadata": {"name": "c"}, "data": {"n": "0"}})
    params = {"watch": "true", "resourceVersion": created.json()["metadata"]["resourceVersion"]}
    seen = 0
    with (
        httpx.Client(base_url=cluster.url, timeout=30) as reader,
        reader.stream("GET", url, params=params) as response,
    ):
        lines = response.iter_lines()
        for n in range(1, 21):
            cluster.http.patch(
                f"{url}/c",
                json={"data": {"n": str(n)}},
                headers={"content-type": "application/merge-patch+json"},
            )
            line = next(lines)
            assert f'"n":"{n}"' in line
            seen += 1
    assert seen == 20


def _wait(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False
