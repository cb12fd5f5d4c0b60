"""Started with the server: recorders that were recording before a restart record on, and rules evaluate on.

The engine (with the rule engine and the registry of every type Config records: about 20 ms of a start) is
built at start only when the store holds Config state; otherwise with Config's provider, through which all of
that state comes, so an idle server never builds it. Where no background runs (a front worker), neither does.
"""
from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime
    from nimbus.services.config.engine import Engine

_started: weakref.WeakKeyDictionary[Runtime, ConfigBackground] = weakref.WeakKeyDictionary()


class ConfigBackground:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.engine: Engine | None = None
        self._building = threading.Lock()
        _started[runtime] = self
        if runtime.store.namespaces(("config",)):
            self.build()

    def build(self) -> Engine:
        with self._building:
            if self.engine is None:
                from nimbus.services.config.engine import Engine
                self.engine = Engine(self.runtime)
            return self.engine

    def reset(self) -> None:
        if self.engine is not None:
            self.engine.reset()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()


def start(runtime: Runtime) -> ConfigBackground:
    return ConfigBackground(runtime)


def wake(runtime: Runtime) -> None:
    """Config's provider is serving: its engine runs from now on (where the runtime runs background work)."""
    background = _started.get(runtime)
    if background is not None:
        background.build()
