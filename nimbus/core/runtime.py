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
from nimbus.core.secrets import Vault, load_master_key, new_admin_token, root_key, secure_data_dir
from nimbus.store import open_store
from nimbus.store.base import Store
from nimbus.store.decoded_cache import remember_decoded

CLOCK_NS = ("nimbus", "clock")


class Runtime:
    def __init__(self, config: Config | None = None):
        self.config = config = config or Config()
        # The data dir holds the credentials below even when the state itself is ephemeral.
        secure_data_dir(config.data_dir)
        self.vault = Vault(load_master_key(config.data_dir, config.ephemeral))
        # What /_nimbus/ requests carry under --strict-auth; the nimbus command reads it from the data dir.
        self.admin_token = self._admin_token()
        self.store = self._open_store()
        self.clock = Clock(self.saved_clock())
        self.scheduler = Scheduler(self.clock)
        self.events = self._event_bus()
        self.credentials = CredentialRegistry(self.store, self.vault, root_key(config.data_dir),
                                              well_known=not config.strict_auth)
        self.services = ServiceRegistry(self)
        self.authz = Authorizer(self)
        self.dispatcher = Dispatcher(self)
        self.client = InternalClient(self)
        self._start_background()

    # What a front worker (nimbus/workers/front.py) does otherwise: it shares the primary's token and store,
    # ships its events to the primary, and runs no background work.
    def _admin_token(self) -> str:
        return new_admin_token(self.config.data_dir)

    def _open_store(self) -> Store:
        return remember_decoded(open_store(self.config.data_dir, self.config.ephemeral, self.config.store_url))

    def _event_bus(self) -> EventBus:
        return EventBus(self.scheduler)

    def _start_background(self) -> None:
        self.services.start_background()

    def saved_clock(self) -> list[tuple[float, float]]:
        return [(entry[0], entry[1]) for entry in self.store.get(CLOCK_NS, "history") or []]

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
