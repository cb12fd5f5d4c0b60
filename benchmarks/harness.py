"""Side-by-side benchmarking: nimbus and moto's server, started the same way, driven by the same boto3 calls."""
from __future__ import annotations

import compileall
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from botocore.config import Config as BotoConfig

from nimbus.core.ports import free_port


@dataclass
class Target:
    name: str
    endpoint: str
    pid: int
    startup_seconds: float

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=BotoConfig(retries={"max_attempts": 1}))

    def rss_mib(self) -> float:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


@functools.cache
def _compile_nimbus() -> None:
    """Bring nimbus's bytecode up to date, as `make install` leaves it (and as pip installs packages): modules
    edited since then would otherwise be compiled by every start measured."""
    import nimbus
    compileall.compile_dir(os.path.dirname(nimbus.__file__), quiet=1)


def _command(name: str, port: int, data_dir: str) -> list[str]:
    if name.startswith("nimbus"):
        _compile_nimbus()
        # nimbus-unrecorded: CloudTrail's recording switched off (unrecorded_server.py), to measure its cost.
        module = "benchmarks.unrecorded_server" if name == "nimbus-unrecorded" else "nimbus.cli"
        return [sys.executable, "-m", module, "serve", "--port", str(port), "--data-dir", data_dir]
    return [sys.executable, "-m", "moto.server", "-p", str(port)]


@contextmanager
def _data_dir(given: str | None) -> Iterator[str]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory() as fresh:
        yield fresh


@contextmanager
def running(name: str, data_dir: str | None = None, settings: dict[str, str] | None = None) -> Iterator[Target]:
    """Start a server and time it from spawn to its first answered STS call; nimbus keeps its state in
    ``data_dir`` when given (state prepared beforehand), else in a fresh temporary one. ``settings`` are
    environment variables of its own. nimbus serves from one process unless ``NIMBUS_WORKERS`` says otherwise
    (`nimbus serve` defaults to one per core): CPU per call is read from the one process, and the workers
    benchmark compares process counts itself."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with _data_dir(data_dir) as directory:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "NIMBUS_WORKERS": "1",
               **(settings or {})}
        start = time.perf_counter()
        process = subprocess.Popen(_command(name, port, directory), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            target = Target(name, endpoint, process.pid, 0.0)
            sts = target.client("sts")
            deadline = start + 60
            while True:
                try:
                    sts.get_caller_identity()
                    break
                except Exception:
                    if time.perf_counter() > deadline or process.poll() is not None:
                        raise RuntimeError(f"{name} did not start") from None
                    time.sleep(0.01)
            target.startup_seconds = time.perf_counter() - start
            yield target
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def rate(call: Callable[[], object], seconds: float = 3.0, warmup: int = 50) -> float:
    """Calls per second of ``call`` made back to back, as one client does."""
    for _ in range(warmup):
        call()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - start)
