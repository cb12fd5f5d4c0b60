"""Started with the server: deliveries stored before a restart (or a kill -9) continue without waiting
for an SNS request, and the delivery pool closes with the server."""
from __future__ import annotations

from .common import outbox_ns, pending_ns
from .delivery import deliverer_for


class Background:
    def __init__(self, runtime):
        self.runtime = runtime

    def close(self) -> None:
        deliverer = deliverer_for(self.runtime, create=False)
        if deliverer is not None:
            deliverer.close()


def start(runtime) -> Background:
    if any(len(ns) == 4 and ns in (outbox_ns(ns[1], ns[2]), pending_ns(ns[1], ns[2]))
           for ns in runtime.store.namespaces(("sns",))):
        runtime.services.get("sns").provider.resume()
    return Background(runtime)
