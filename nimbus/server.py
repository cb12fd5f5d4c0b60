"""Running the ASGI app under uvicorn, in the foreground or in a background thread."""
from __future__ import annotations

import socket
import threading
import time

import uvicorn

from nimbus.config import Config
from nimbus.core.runtime import Runtime
from nimbus.gateway.app import create_app


def _uvicorn_config(app, config: Config) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="httptools",
        loop="auto",
        # boto3 keeps connections alive between calls; keep them open as AWS does.
        timeout_keep_alive=60,
        # uvicorn believes X-Forwarded-For/-Proto from loopback clients by default, which would let any
        # local process claim another source IP or https (aws:SourceIp, aws:SecureTransport, CloudTrail).
        proxy_headers=config.trust_proxy,
        forwarded_allow_ips="*" if config.trust_proxy else None,
    )


def serve(config: Config) -> None:
    runtime = Runtime(config)
    uvicorn.Server(_uvicorn_config(create_app(runtime), config)).run()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerThread:
    """nimbus in-process on a free port, for tests, examples and benchmarks."""

    def __init__(self, config: Config):
        if not config.port:
            config.port = free_port(config.host)
        self.config = config
        self.runtime = Runtime(config)
        self.server = uvicorn.Server(_uvicorn_config(create_app(self.runtime), config))
        self.thread = threading.Thread(target=self.server.run, name="nimbus-server", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    def start(self, timeout: float = 15.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("nimbus did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
