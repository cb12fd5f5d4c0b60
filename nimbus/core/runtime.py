"""The running nimbus: settings, store, clock, event bus, credentials and services."""
from __future__ import annotations

from nimbus.config import Config
from nimbus.core.authz import Authorizer
from nimbus.core.clock import Clock
from nimbus.core.dispatch import Dispatcher
from nimbus.core.events import EventBus
from nimbus.core.identity import CredentialRegistry
from nimbus.core.internal_client import InternalClient
from nimbus.core.registry import ServiceRegistry
from nimbus.core.scheduler import Scheduler
from nimbus.store import open_store

CLOCK_NS = ("nimbus", "clock")


class Runtime:
    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self.store = open_store(self.config.data_dir, self.config.ephemeral)
        saved = self.store.get(CLOCK_NS, "history") or []
        self.clock = Clock([tuple(entry) for entry in saved])
        self.scheduler = Scheduler(self.clock)
        self.events = EventBus(self.scheduler)
        self.credentials = CredentialRegistry(self.store)
        self.services = ServiceRegistry(self)
        self.authz = Authorizer(self)
        self.dispatcher = Dispatcher(self)
        self.client = InternalClient(self)
        self.services.start_background()

    def advance_clock(self, seconds: float):
        now = self.clock.advance(seconds)
        self.store.put(CLOCK_NS, "history", self.clock.history)
        return now

    def reset(self) -> None:
        """Forget all state, as a fresh data dir would."""
        self.events.flush()
        self.store.wipe()
        self.clock.reset()
        self.services.reset()
        self.authz.invalidate()
        self.client.sessions.forget()

    def close(self) -> None:
        self.services.close()
        self.events.close()
        self.scheduler.stop()
        self.store.close()
