"""Benchmark: the embedded cluster under concurrent load with hostile requests mixed in.

    .venv/bin/python bench/bench_localcluster_load.py [--clients 200] [--requests 25]

Starts `reconciler.localcluster` in a child process on a free 127.0.0.1 port (its own state in
a temporary directory), then, from another child process, `--clients` concurrent httpx clients
each make `--requests` ordinary requests (create, get, list with a selector, merge patch,
server-side apply, update, delete of their own ConfigMaps) while a few hostile requests run
alongside:

- a 100,000-deep JSON array and a 10,000-deep YAML body (expect 400);
- a JSON patch of 40 `copy` operations each doubling the object (expect 422) and one of 10,001
  operations (expect 413);
- a YAML "billion laughs" apply patch of under 500 bytes (expect 400), a `NaN` body (400), a
  `DELETE .../configmaps/%2F` (400);
- a watch whose client never reads, while 256 KiB objects are written to fill it: the server
  must close it (its stream ends once the client reads).

Meanwhile this process asks `/healthz` every 20 ms over one keep-alive connection and reports
its p50/p99 latency (target: p99 under 100 ms), with how many ordinary requests were answered as
expected, what each hostile request got, and the server's RSS. Everything is bounded: fixed
request counts, a 30 s timeout per request, `--deadline` seconds overall (default 180), after
which the children are stopped. Only loopback is used. A benchmark, not a test: figures vary by
machine (2 CPUs share the server, the load and the prober when it was written).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

SERVER = """
import sys
from pathlib import Path
from reconciler.localcluster.server import start_local_cluster
cluster = start_local_cluster(Path(sys.argv[1]))
print(cluster.url, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
cluster.stop()
"""
NAMESPACES = 8
MERGE = {"content-type": "application/merge-patch+json"}
JSON_PATCH = {"content-type": "application/json-patch+json"}
APPLY = {"content-type": "application/apply-patch+yaml"}


async def client(http: httpx.AsyncClient, index: int, count: int) -> tuple[int, int]:
    """One ordinary client: `count` requests on its own ConfigMaps; (answered as expected, all)."""
    ns = f"bench-{index % NAMESPACES}"
    base = f"/api/v1/namespaces/{ns}/configmaps"
    ok = total = 0
    for i in range(count):
        name = f"c{index}-{i // 7}"
        step = i % 7
        if step == 0:
            body = {
                "metadata": {"name": name, "labels": {"client": str(index)}},
                "data": {"a": "1"},
            }
            request, expected = http.post(base, json=body), 201
        elif step == 1:
            request, expected = http.get(f"{base}/{name}"), 200
        elif step == 2:
            request, expected = http.get(base, params={"labelSelector": f"client={index}"}), 200
        elif step == 3:
            request, expected = (
                http.patch(f"{base}/{name}", json={"data": {"b": "2"}}, headers=MERGE),
                200,
            )
        elif step == 4:
            applied = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name},
                "data": {"c": "3"},
            }
            url = f"{base}/{name}?fieldManager=bench&force=true"
            request, expected = http.patch(url, content=json.dumps(applied), headers=APPLY), 200
        elif step == 5:
            request, expected = (
                http.put(f"{base}/{name}", json={"metadata": {"name": name}, "data": {}}),
                200,
            )
        else:
            request, expected = http.delete(f"{base}/{name}"), 200
        total += 1
        try:
            response = await request
            ok += response.status_code == expected
        except httpx.HTTPError:
            pass
    return ok, total


def _bomb_yaml() -> str:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na: &a [x,x,x,x,x,x,x,x,x]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    return text


async def hostile(http: httpx.AsyncClient) -> dict[str, str]:
    """The hostile requests, each with the status it got (and the one expected)."""
    base = "/api/v1/namespaces/bench-0/configmaps"
    await http.post(base, json={"metadata": {"name": "target"}, "data": {"a": "x" * 100}})
    copies = [{"op": "copy", "from": "/data", "path": f"/data/k{i}"} for i in range(40)]
    many = [{"op": "test", "path": "/data/a", "value": "x" * 100}] * 10_001
    cases: dict[str, tuple[Any, int]] = {
        "100k-deep JSON array": (
            http.post(
                base,
                content=b"[" * 100_000 + b"]" * 100_000,
                headers={"content-type": "application/json"},
            ),
            400,
        ),
        "10k-deep YAML": (
            http.post(
                base,
                content=b"a: " + b"[" * 10_000 + b"]" * 10_000,
                headers={"content-type": "application/yaml"},
            ),
            400,
        ),
        "JSON-patch copy bomb": (
            http.patch(f"{base}/target", content=json.dumps(copies), headers=JSON_PATCH),
            422,
        ),
        "10,001-op JSON patch": (
            http.patch(f"{base}/target", content=json.dumps(many), headers=JSON_PATCH),
            413,
        ),
        "YAML alias bomb apply": (
            http.patch(f"{base}/bomb?fieldManager=x", content=_bomb_yaml(), headers=APPLY),
            400,
        ),
        "NaN body": (
            http.post(
                base,
                content=b'{"metadata":{"name":"n"},"x":NaN}',
                headers={"content-type": "application/json"},
            ),
            400,
        ),
        "DELETE .../configmaps/%2F": (http.delete(f"{base}/%2F"), 400),
    }
    out = {}
    for label, (request, expected) in cases.items():
        started = time.monotonic()
        try:
            code: Any = (await request).status_code
        except httpx.HTTPError as error:
            code = type(error).__name__
        out[label] = f"{code} (expected {expected}) in {time.monotonic() - started:.2f} s"
    return out


async def stalled_watch(url: str, http: httpx.AsyncClient) -> tuple[str, int]:
    """Open a watch and never read while 256 KiB objects change; then see whether the server
    ended the stream (closed the watch) rather than buffering forever. (result, writes made)"""
    host, port = url.removeprefix("http://").split(":")
    base = "/api/v1/namespaces/bench-1/configmaps"
    created = await http.post(base, json={"metadata": {"name": "big"}, "data": {"k": "v"}})
    rv = created.json()["metadata"]["resourceVersion"]
    reader, writer = await asyncio.open_connection(host, int(port))
    query = f"watch=true&resourceVersion={rv}&timeoutSeconds=600"
    writer.write(f"GET {base}?{query} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    payload = "x" * (256 * 1024)
    writes = 0
    for writes in range(1, 61):  # ~15 MB of events, far past socket buffers and the queue
        await http.patch(f"{base}/big", json={"data": {"k": f"{writes}{payload}"}}, headers=MERGE)
    received, ended = 0, False
    try:
        while True:  # now read: the stream must end (the chunked terminator), not hang
            chunk = await asyncio.wait_for(reader.read(1 << 20), timeout=10)
            if not chunk:
                break
            received += len(chunk)
            if chunk.endswith(b"0\r\n\r\n"):
                ended = True
                break
    except TimeoutError:
        pass
    writer.close()
    verdict = "closed by the server" if ended else "still open (not closed)"
    return f"{verdict}; {received / 1e6:.1f} MB had been sent before the close", writes


async def load(url: str, clients: int, requests: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients + 20, max_keepalive_connections=clients + 20)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        for i in range(NAMESPACES):
            await http.post("/api/v1/namespaces", json={"metadata": {"name": f"bench-{i}"}})
        started = time.monotonic()
        side = asyncio.gather(hostile(http), stalled_watch(url, http))
        counts = await asyncio.gather(*(client(http, i, requests) for i in range(clients)))
        hostile_results, (watch_result, watch_writes) = await side
        elapsed = time.monotonic() - started
    ok = sum(c[0] for c in counts) + watch_writes
    total = sum(c[1] for c in counts) + watch_writes
    return {
        "ok": ok,
        "total": total,
        "seconds": elapsed,
        "hostile": hostile_results,
        "watch": watch_result,
    }


def _load_process(url: str, clients: int, requests: int, out: Any) -> None:
    out.put(asyncio.run(load(url, clients, requests)))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def probe_health(url: str, until: Any, deadline: float, pid: int) -> tuple[list[float], float]:
    """`/healthz` every 20 ms until `until()` or the deadline: latencies (s) and peak RSS (MB)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    latencies: list[float] = []
    peak = 0.0
    while not until() and time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("GET", "/healthz")
        body = connection.getresponse().read()
        latencies.append(time.perf_counter() - started)
        assert body == b"ok"
        peak = max(peak, _rss_mb(pid))
        time.sleep(0.02)
    connection.close()
    return latencies, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--deadline", type=float, default=180.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(Path(tmp) / "state")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), url
            rss_start = _rss_mb(server.pid)
            results: Any = multiprocessing.Queue()
            worker = multiprocessing.Process(
                target=_load_process, args=(url, args.clients, args.requests, results)
            )
            deadline = time.monotonic() + args.deadline
            worker.start()
            latencies, peak = probe_health(url, lambda: not worker.is_alive(), deadline, server.pid)
            outcome = results.get(timeout=max(1.0, deadline - time.monotonic()))
            worker.join(timeout=10)
            rss_end = _rss_mb(server.pid)
        finally:
            if "worker" in locals() and worker.is_alive():
                worker.terminate()
            if server.stdin is not None:
                server.stdin.close()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    _report(args, outcome, latencies, (rss_start, peak, rss_end))


def _report(
    args: Any, outcome: dict[str, Any], latencies: list[float], rss: tuple[float, ...]
) -> None:
    ms = sorted(1000 * x for x in latencies)

    def p(q: float) -> float:
        return ms[min(len(ms) - 1, int(q * len(ms)))]

    print(f"{args.clients} clients x {args.requests} requests (+ hostile mix, + stalled watch)")
    ok, total, seconds = outcome["ok"], outcome["total"], outcome["seconds"]
    print(f"ordinary requests answered as expected: {ok}/{total} in {seconds:.1f} s")
    print(
        f"/healthz: {len(ms)} probes, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, "
        f"max {ms[-1]:.1f} ms (mean {statistics.mean(ms):.1f} ms; target p99 < 100 ms)"
    )
    for label, result in outcome["hostile"].items():
        print(f"  {label}: {result}")
    print(f"  stalled watch: {outcome['watch']}")
    print(f"server RSS: {rss[0]:.0f} MB at start, {rss[1]:.0f} MB peak, {rss[2]:.0f} MB at end")


if __name__ == "__main__":
    socket.setdefaulttimeout(60)
    main()
