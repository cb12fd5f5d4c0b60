"""Running the ASGI app under uvicorn, in the foreground or in a background thread."""
from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import IO, Literal

import uvicorn

from nimbus.config import Config
from nimbus.core.ports import free_port
from nimbus.core.runtime import Runtime
from nimbus.gateway.app import create_app
from nimbus.gateway.direct_answers import direct_protocol
from nimbus.gateway.direct_calls import direct_call_protocol
from nimbus.gateway.limits import limited_protocol
from nimbus.gateway.one_write import one_write_protocol
from nimbus.gateway.raw_heads import raw_protocol
from nimbus.workers.primary import PrimaryRuntime, WorkerPool, listen, workers_wanted


def uvicorn_config(app, config: Config, lifespan: Literal["on", "off"] = "on") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        http=raw_protocol(direct_call_protocol(direct_protocol(one_write_protocol(limited_protocol(config))))),
        loop="auto",
        # boto3 keeps connections alive between calls; keep them open as AWS does.
        timeout_keep_alive=config.keep_alive_seconds,
        # uvicorn believes X-Forwarded-For/-Proto from loopback clients by default, which would let any
        # local process claim another source IP or https (aws:SourceIp, aws:SecureTransport, CloudTrail).
        proxy_headers=config.trust_proxy,
        forwarded_allow_ips="*" if config.trust_proxy else None,
        ssl_certfile=config.tls_cert_file,
        ssl_keyfile=config.tls_key_file,
    )


class ListeningServer(uvicorn.Server):
    """A uvicorn server that says when it listens: the front workers are started then, so that their start
    (each a whole interpreter's imports) does not compete with the primary's own for the first answer."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]):
        super().__init__(config)
        self.on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            self.on_listening()


LOCK_FILE = "nimbus.lock"


class DataDirInUse(RuntimeError):
    """Another nimbus serves this data dir: two servers would each serve a stale view of it."""


def lock_data_dir(config: Config) -> IO[str] | None:
    """Hold ``<data dir>/nimbus.lock`` while serving, with our port in it. The kernel releases an
    flock when its process ends, however it ends, so a lock left by a kill -9 never blocks."""
    if config.ephemeral:
        return None
    os.makedirs(config.data_dir, exist_ok=True)
    lock = open(os.path.join(config.data_dir, LOCK_FILE), "a+")  # noqa: SIM115 - held until shutdown
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        lock.close()
        raise DataDirInUse(f"the data dir {config.data_dir} is in use by the nimbus serving on port {holder}; "
                           "stop it or choose another --data-dir") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{config.port}\n")
    lock.flush()
    return lock


def serve(config: Config, lock: IO[str] | None) -> None:
    """Serve until stopped; ``lock`` is the data dir's (``lock_data_dir``), released on the way out."""
    try:
        server = ServerThread(config, lock)
        server.server.run(**server.run_arguments)
        if server.pool is not None:
            server.pool.stop()
    finally:
        if lock is not None:
            lock.close()


class ServerThread:
    """nimbus in-process on a free port, for tests, examples and benchmarks."""

    def __init__(self, config: Config, lock: IO[str] | None = None):
        if not config.port:
            config.port = free_port(config.host)
        self.config = config
        self.lock = lock if lock is not None else lock_data_dir(config)
        # --workers N: the TCP socket is bound here, to be shared with the front workers (nimbus/workers/).
        self.pool: WorkerPool | None = None
        self.run_arguments: dict = {}
        self.runtime = PrimaryRuntime(config) if workers_wanted(config) > 1 else Runtime(config)
        app = create_app(self.runtime)
        self.server = uvicorn.Server(uvicorn_config(app, config))
        if workers_wanted(config) > 1:
            own, *theirs = listen(config)
            self.run_arguments = {"sockets": [own]}
            self.pool = WorkerPool(self.runtime, app, theirs)
            self.server = ListeningServer(self.server.config, self.pool.start_in_background)
        self.thread = threading.Thread(target=self.server.run, kwargs=self.run_arguments, name="nimbus-server",
                                       daemon=True)

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.config.tls_cert_file else "http"
        return f"{scheme}://{self.config.host}:{self.config.port}"

    def start(self, timeout: float = 15.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("nimbus did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.lock is not None:
            self.lock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
