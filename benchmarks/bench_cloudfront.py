"""CloudFront's edge: cached 10 KiB GETs per second (wrk, many connections) against nginx's proxy_cache in
front of the same S3 origin, and the latency a cache miss adds over a direct S3 GET, for both.

nginx (Debian's, installed by ``make bench-deps``) runs one worker process, as nimbus is one process, with
a temporary config on a free port. wrk drives both the same way; without wrk a thread pool of keep-alive
clients does. The goal: nimbus's cached rate at least half of nginx's.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.harness import free_port, running

OBJECT = 10 * 1024
MISSES = 30
ROUNDS = 3
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
NGINX = "/usr/sbin/nginx"
_CONFIG = """
{user}
worker_processes 1;
error_log {root}/error.log;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    proxy_cache_path {root}/cache levels=1:2 keys_zone=edge:10m max_size=1g inactive=1d use_temp_path=off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{origin_port}/{bucket}/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache edge;
            proxy_cache_valid 200 1d;
            add_header X-Cache $upstream_cache_status;
        }}
    }}
}}
"""


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path)
        answer = connection.getresponse()
        return answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()}
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of the process and its children alive now (nginx's worker)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid, *(int(c) for c in children.read_text().split())] if children.exists() else [pid]
    total = 0.0
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _timed_get(url: str) -> float:
    start = time.perf_counter()
    status, body, _ = _get(url)
    elapsed = time.perf_counter() - start
    assert status == 200 and len(body) == OBJECT, (url, status)
    return elapsed


def requests_per_second(url: str, seconds: float, connections: int = 32) -> float:
    """Cached GETs per second at ``url`` from many keep-alive connections at once."""
    if shutil.which("wrk"):
        output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(seconds, 1):.0f}s", url],
                                capture_output=True, text=True, check=True).stdout
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        assert errors is None, output
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return _threaded_rate(url, seconds, connections)


def _threaded_rate(url: str, seconds: float, connections: int) -> float:
    parts = urlsplit(url)
    counts = [0] * connections
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.perf_counter() < deadline:
            connection.request("GET", parts.path)
            connection.getresponse().read()
            counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def added_miss_ms(edge_url: str, direct_url: str) -> float:
    """Median latency of a miss at the edge (a new object each time) less that of the same GET to S3."""
    misses = [_timed_get(f"{edge_url}/miss-{i}") for i in range(MISSES)]
    direct = [_timed_get(f"{direct_url}/miss-{i}") for i in range(MISSES)]
    return (statistics.median(misses) - statistics.median(direct)) * 1000


@contextmanager
def nginx(origin_port: int, bucket: str, pids: dict[str, int]):
    root = Path(tempfile.mkdtemp(prefix="nimbus-bench-nginx-"))
    port = free_port()
    # As root, nginx's workers would drop to a user that cannot write the private temporary directory.
    user = "user root;" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(_CONFIG.format(user=user, root=root, port=port, origin_port=origin_port,
                                                    bucket=bucket))
    process = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pids["nginx"] = process.pid
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "nginx did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _public_bucket(s3, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    body = bytes(range(256)) * (OBJECT // 256)
    for key in ["hot", *(f"miss-{i}" for i in range(MISSES)), *(f"nginx/miss-{i}" for i in range(MISSES))]:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/octet-stream")


def run(seconds: float) -> list[dict]:
    """Both fronts' rates, over ``seconds`` in all for each."""
    with running("nimbus") as target:
        s3, cloudfront = target.client("s3"), target.client("cloudfront")
        bucket = "bench-cloudfront"
        _public_bucket(s3, bucket)
        distribution = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "bench", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": f"{bucket}.s3.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": CACHING_OPTIMIZED}})["Distribution"]
        edge = f"{target.endpoint}/_cloudfront/{distribution['Id']}"
        direct = f"{target.endpoint}/{bucket}"
        origin_port = urlsplit(target.endpoint).port or 80
        pids = {"nimbus": target.pid}
        with nginx(origin_port, bucket, pids) as proxy:
            fronts = {"nimbus": (edge, ""), "nginx": (proxy, "/nginx")}
            for front, _ in fronts.values():
                _get(f"{front}/hot")  # the miss that fills the cache
                status, _, headers = _get(f"{front}/hot")
                assert status == 200 and "HIT" in (headers.get("x-cache") or "").upper(), (status, headers)
            # Rounds taking turns, the best of each kept: on a shared machine, the load of the moment
            # weighs on both alike.
            rates: dict[str, list[float]] = {name: [] for name in fronts}
            cpu_per_get: dict[str, list[float]] = {name: [] for name in fronts}
            for _ in range(ROUNDS):
                for name, (front, _) in fronts.items():
                    before, started = cpu_seconds(pids[name]), time.perf_counter()
                    rate = requests_per_second(f"{front}/hot", seconds / ROUNDS)
                    gets = rate * (time.perf_counter() - started)
                    rates[name].append(rate)
                    cpu_per_get[name].append((cpu_seconds(pids[name]) - before) / gets * 1e6)
            return [{"server": name, "cached_10KiB_get_per_s": max(rates[name]),
                     "cpu_us_per_cached_get": min(cpu_per_get[name]),
                     "miss_added_ms": added_miss_ms(front + prefix, direct + prefix)}
                    for name, (front, prefix) in fronts.items()]
