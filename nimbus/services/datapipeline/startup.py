"""Started with the server: pipelines scheduled before a restart keep making and handing out instances
without waiting for a Data Pipeline request (the provider's engine starts with it)."""
from __future__ import annotations


def start(runtime) -> None:
    if any(len(ns) == 4 and ns[3] == "pipelines" for ns in runtime.store.namespaces(("datapipeline",))):
        runtime.services.get("datapipeline").provider  # noqa: B018 - loading the provider starts its engine
