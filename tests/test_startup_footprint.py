"""A fresh server holds no SQL engine or policy engine until something needs one: duckdb, Arrow and
cfn-guard are most of an idle server's memory (issue 19: idle RSS under 60 MiB)."""
from __future__ import annotations

from nimbus.server import free_port
from tests.support import advance_clock, make_client, serve_subprocess

HEAVY = ("duckdb", "libarrow", "cfn_guard")


def _mapped(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as maps:
        return maps.read()


def test_an_idle_server_loads_no_sql_or_guard_engine(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        assert make_client(endpoint, "sts").get_caller_identity()["Account"]
        # Ticks every background engine (CloudTrail Lake re-queues unfinished queries on its first one).
        advance_clock(endpoint, 120)
        assert make_client(endpoint, "sts").get_caller_identity()["Account"]
        mapped = _mapped(process.pid)
        assert [name for name in HEAVY if name in mapped] == []
    finally:
        process.terminate()
        process.wait(timeout=30)
