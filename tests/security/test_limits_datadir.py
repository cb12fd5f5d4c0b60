"""One data dir, one server: a second nimbus on a data dir already served refuses to start and names the
running one's port; the lock dies with its process, so a server killed with -9 never blocks the next."""
from __future__ import annotations

import signal
import subprocess
import sys

import requests

from nimbus.server import free_port
from tests.support import serve_subprocess, start_server


def serve_command(data_dir: str, port: int) -> list[str]:
    return [sys.executable, "-m", "nimbus.cli", "serve", "--port", str(port), "--data-dir", data_dir]


def test_a_second_server_on_a_served_data_dir_refuses_to_start(tmp_path):
    data_dir = str(tmp_path / "data")
    first_port = free_port()
    first = serve_subprocess(data_dir, first_port)
    try:
        second = subprocess.run(serve_command(data_dir, free_port()), capture_output=True, text=True, timeout=30)
        assert second.returncode != 0
        assert f"port {first_port}" in second.stderr and data_dir in second.stderr
        assert requests.get(f"http://127.0.0.1:{first_port}/_nimbus/health", timeout=10).ok
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    # The kernel dropped the killed server's lock: a new one starts on the same data dir.
    third_port = free_port()
    third = serve_subprocess(data_dir, third_port)
    try:
        assert requests.get(f"http://127.0.0.1:{third_port}/_nimbus/health", timeout=10).json()["status"] == "running"
    finally:
        third.terminate()
        third.wait(timeout=20)


def test_an_in_process_server_holds_its_data_dir_until_stopped(tmp_path):
    with start_server(tmp_path) as running:
        refused = subprocess.run(serve_command(running.config.data_dir, free_port()), capture_output=True,
                                 text=True, timeout=30)
        assert refused.returncode != 0 and f"port {running.config.port}" in refused.stderr
    with start_server(tmp_path) as again:  # stopping released it
        assert requests.get(f"{again.endpoint}/_nimbus/health", timeout=10).ok
