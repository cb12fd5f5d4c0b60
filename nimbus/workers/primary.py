"""The primary of ``nimbus serve --workers N``: the nimbus of one process, plus its front workers.

It binds one listening socket per process on the port (SO_REUSEPORT, see ``listen``) and hands one to each of
N-1 worker processes (``front.py``). It serves the workers on a Unix socket in the data dir (mode 0600): the requests they hand over,
whose ``x-nimbus-viewer`` header it believes there and only there; and on another (``event_link.py``) the
batches of event records they ship. A worker that dies is started again; the workers end when the primary does.
"""
from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time

import uvicorn

from nimbus.config import Config
from nimbus.core.events import EventBus
from nimbus.core.runtime import Runtime
from nimbus.gateway.app import NimbusApp
from nimbus.store.base import Store
from nimbus.workers.event_link import EventLinkServer, events_socket
from nimbus.workers.gathering import GatheringBus
from nimbus.workers.shared import MAX_WORKERS, SharedCounters
from nimbus.workers.shipping import read_batch
from nimbus.workers.stores import ChangeCountingStore
from nimbus.workers.viewer import VIEWER_HEADER, parse_viewer

log = logging.getLogger(__name__)

SOCKET_FILE = "primary.sock"
# How often the primary looks for a worker that died, to start it again.
WATCH_SECONDS = 0.5
# How long a starting primary waits for the port to be released (by the workers of a nimbus just killed).
PORT_RELEASE_SECONDS = 3.0


def workers_wanted(config: Config) -> int:
    """How many processes serve: an in-memory store cannot be shared, so --ephemeral is always one; and at most
    one page of shared counters' worth of front workers (252)."""
    return 1 if config.ephemeral else max(1, min(config.workers, MAX_WORKERS + 1))


class PrimaryRuntime(Runtime):
    """A Runtime whose committed writes and resets move the counters the workers follow."""

    counters: SharedCounters

    def _open_store(self) -> Store:
        self.counters = SharedCounters(self.config.data_dir, create=True)
        return ChangeCountingStore(super()._open_store(), self.counters)

    def _event_bus(self) -> EventBus:
        return GatheringBus(self.scheduler, self.counters, workers_wanted(self.config) - 1)

    def reset(self) -> None:
        super().reset()
        self.counters.bump(reset=True)


class FromWorkers:
    """The primary's app on its Unix socket."""

    def __init__(self, app: NimbusApp):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        viewer = next((value for name, value in scope["headers"] if name == VIEWER_HEADER), None)
        if viewer is not None:
            client, scheme = parse_viewer(viewer)
            scope = {**scope, "client": client, "scheme": scheme,
                     "headers": [(name, value) for name, value in scope["headers"] if name != VIEWER_HEADER]}
        await self.app(scope, receive, send)


def listen(config: Config) -> list[socket.socket]:
    """One listening socket per process, all on the port (SO_REUSEPORT: the kernel spreads new connections
    over them). One shared socket was tried first: the process that woke first accepted a whole burst of
    connections (uvloop accepts all that wait), so the other served none. A plain bind first makes sure the
    port is free: a second nimbus cannot join the group (nor can another user's process: Linux keeps a
    SO_REUSEPORT group to one user)."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    _wait_for_port(family, config)
    sockets = []
    for _ in range(workers_wanted(config)):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # Not listening yet: each process listens once it is ready to answer, and until then the kernel sends its
        # connections to the sockets that listen (a worker still importing would hold them for seconds).
        sock.bind((config.host, config.port))
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def _wait_for_port(family: int, config: Config) -> None:
    """Bind the port plainly once, to be sure nobody holds it. The front workers of a nimbus killed a moment ago
    (kill -9) may still hold it for the few milliseconds they take to see their primary gone and exit, so a
    restart waits for them a little before it calls the port taken."""
    deadline = time.monotonic() + PORT_RELEASE_SECONDS
    while True:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((config.host, config.port))
                return
            except OSError as error:
                if error.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                    raise
        time.sleep(0.05)


class WorkerPool:
    def __init__(self, runtime: Runtime, app: NimbusApp, listeners: list[socket.socket]):
        assert isinstance(runtime, PrimaryRuntime)  # whose counters the workers follow
        self.runtime = runtime
        self.config = runtime.config
        self.listeners = listeners  # one per worker, kept here so a restarted worker takes up its queue
        self.socket_path = os.path.join(self.config.data_dir, SOCKET_FILE)
        self.app = app
        self.processes: list[subprocess.Popen] = []
        self._stopping = threading.Event()
        self._starting = threading.Lock()  # a stop waits for a start under way, whose workers it ends
        self._server: uvicorn.Server | None = None
        self._event_link: EventLinkServer | None = None
        self._threads: list[threading.Thread] = []

    def start_in_background(self) -> None:
        self._run(self.start, "nimbus-workers-start")

    def start(self) -> WorkerPool:
        with self._starting:
            if not self._stopping.is_set():  # else stopped before it started
                self._start()
        return self

    def _start(self) -> None:
        from nimbus.server import uvicorn_config  # nimbus.server starts the pool

        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)  # a kill -9 leaves it; the data dir's lock says nobody else serves
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(self.socket_path)
        os.chmod(self.socket_path, 0o600)
        config = uvicorn_config(FromWorkers(self.app), dataclasses.replace(
            self.config, tls_cert_file=None, tls_key_file=None, trust_proxy=False),
            lifespan="off")  # the TCP server's app owns the runtime's life
        self._server = uvicorn.Server(config)
        self._run(lambda: self._server.run(sockets=[unix]) if self._server else None, "nimbus-from-workers")
        deadline = time.monotonic() + 15
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        # The workers' event records come over a link of their own (event_link.py), published on this bus.
        self._event_link = EventLinkServer(events_socket(self.config.data_dir), read_batch,
                                           self.runtime.events.publish_many)
        self.processes = [self._spawn(slot) for slot in range(len(self.listeners))]
        self._run(self._watch, "nimbus-workers-watch")

    def stop(self) -> None:
        with self._starting:
            self._stopping.set()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
            if process.stdin is not None:
                process.stdin.close()
        for slot in range(len(self.processes)):
            self.runtime.counters.forget_records(slot)  # the last flush must not wait for workers that are gone
        if self._server is not None:
            self._server.should_exit = True
        if self._event_link is not None:
            self._event_link.close()
        for thread in self._threads:
            thread.join(10)
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)

    def _run(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _spawn(self, slot: int) -> subprocess.Popen:
        listener = self.listeners[slot]
        process = subprocess.Popen([sys.executable, "-m", "nimbus.workers.front"], stdin=subprocess.PIPE,
                                   pass_fds=[listener.fileno()], text=True,
                                   start_new_session=True)  # a terminal's Ctrl-C is the primary's to act on
        assert process.stdin is not None
        process.stdin.write(json.dumps({"config": dataclasses.asdict(self.config), "listener": listener.fileno(),
                                        "primary_socket": self.socket_path, "slot": slot}) + "\n")
        process.stdin.flush()  # and kept open: the worker exits when it closes
        return process

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_SECONDS):
            for index, process in enumerate(self.processes):
                if process.poll() is not None and not self._stopping.is_set():
                    log.warning("front worker %d exited (%s); starting another", process.pid, process.returncode)
                    if process.stdin is not None:
                        process.stdin.close()
                    self.runtime.counters.forget_records(index)  # a flush no longer waits for them
                    self.processes[index] = self._spawn(index)
