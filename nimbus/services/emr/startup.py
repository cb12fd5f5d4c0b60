"""Started with the server: clusters that had not ended when nimbus stopped go on (a persistent cluster
waits again; steps that were running are INTERRUPTED) without waiting for an EMR request."""
from __future__ import annotations


def start(runtime) -> None:
    if any(len(ns) == 4 and ns[3] == "clusters" for ns in runtime.store.namespaces(("emr",))):
        runtime.services.get("emr").provider.resume()
