"""Started with the server: recorders that were recording before a restart record on."""
from __future__ import annotations

from nimbus.services.config.engine import Engine


def start(runtime) -> Engine:
    return Engine(runtime)
