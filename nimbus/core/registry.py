"""Which services nimbus serves, and their providers, loaded on first use.

A service is a package ``nimbus/services/<botocore service name>/`` whose
``provider.py`` defines ``Provider``. Listing packages costs nothing; a model
and provider are only loaded when a request needs them, so startup stays fast.
A package may also declare its ``traits.py`` (read without loading the
provider) and a ``startup.py`` (run once at start-up).
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.model import ServiceModel

import nimbus.services
from nimbus.core import routing_index
from nimbus.core.traits import DEFAULT_TRAITS, ServiceTraits
from nimbus.protocol import models

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

_SERVICES_DIR = Path(nimbus.services.__file__).resolve().parent


def implemented_service_names() -> list[str]:
    """botocore's names; a ``-`` in one is ``_`` in its package (``cloudfront_keyvaluestore``)."""
    return sorted(
        m.name.replace("_", "-") for m in pkgutil.iter_modules([str(_SERVICES_DIR)])
        if m.ispkg and not m.name.startswith("_")
    )


def package_name(service: str) -> str:
    return service.replace("-", "_")


@dataclass(frozen=True)
class ServiceInfo:
    """The routing facts of one service model."""
    name: str
    signing_name: str
    target_prefix: str | None
    protocols: tuple[str, ...]

    @classmethod
    def of(cls, name: str, model: ServiceModel) -> ServiceInfo:
        meta = model.metadata
        protocols = tuple(meta.get("protocols") or [meta["protocol"]])
        return cls(name, meta.get("signingName") or meta["endpointPrefix"], meta.get("targetPrefix"), protocols)


def _has_module(service: str, module: str) -> bool:
    return (_SERVICES_DIR / package_name(service) / f"{module}.py").exists()


def _service_module(service: str, module: str):
    return importlib.import_module(f"{nimbus.services.__name__}.{package_name(service)}.{module}")


class LoadedService:
    def __init__(self, name: str, runtime: Runtime, traits: ServiceTraits):
        self.name = name
        self.model = models.service_model(name)
        self.info = ServiceInfo.of(name, self.model)
        self.traits = traits
        # The model query clients are served by, for a service that left the query protocol (traits.query_model).
        self.query_model = traits.query_model(self.model) if traits.query_model is not None else None
        if self.query_model is not None:
            self.info = replace(self.info, protocols=(*self.info.protocols, "query"))
        self.provider = _service_module(name, "provider").Provider(runtime)
        # The model's operation names, keyed by the provider's method name and back.
        self.operations: dict[str, Callable[..., Any] | None] = {
            op: getattr(self.provider, xform_name(op), None) for op in self.model.operation_names
        }


class ServiceRegistry:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.names = implemented_service_names()
        self._loaded: dict[str, LoadedService] = {}
        self._lock = threading.Lock()
        self._index: dict[str, routing_index.ServiceFacts] | None = None
        self._background: list[Any] = []
        self._traits: dict[str, ServiceTraits] = {}

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def get(self, name: str) -> LoadedService:
        service = self._loaded.get(name)
        if service is None:
            with self._lock:
                service = self._loaded.get(name)
                if service is None:
                    service = self._loaded[name] = LoadedService(name, self.runtime, self.traits(name))
        return service

    def traits(self, name: str) -> ServiceTraits:
        """What sets the service apart (``core/traits.py``), without loading its provider."""
        traits = self._traits.get(name)
        if traits is None:
            traits = _service_module(name, "traits").TRAITS if _has_module(name, "traits") else DEFAULT_TRAITS
            self._traits[name] = traits
        return traits

    @functools.cached_property
    def request_owners(self) -> list[tuple[str, Callable[[Any], bool]]]:
        """The services that claim requests by ``traits.owns_request``, read once: traits never change."""
        return [(name, owns) for name in self.names if (owns := self.traits(name).owns_request) is not None]

    def with_traits(self, wanted: Callable[[ServiceTraits], Any]) -> list[str]:
        """The services whose traits ``wanted`` accepts (e.g. those open to anonymous callers)."""
        return [name for name in self.names if wanted(self.traits(name))]

    def reset(self) -> None:
        """Providers may keep caches of stored state; a reset drops them with the state."""
        self._close_providers()
        for engine in self._background:
            getattr(engine, "reset", lambda: None)()

    def _close_providers(self) -> None:
        with self._lock:
            retired = list(self._loaded.values())
            self._loaded.clear()
        for service in retired:
            service.provider.close()

    def start_background(self) -> None:
        """Start the engines of services that must run before their first request.

        A service with a ``startup.py`` defining ``start(runtime) -> engine | None`` gets it called once
        at start-up (CloudTrail must record calls from the first one on; Firehose resumes delivery of
        what it buffered). An engine may define ``reset()`` and ``close()``.
        """
        for name in self.names:
            if _has_module(name, "startup"):
                engine = _service_module(name, "startup").start(self.runtime)
                if engine is not None:
                    self._background.append(engine)

    def close(self) -> None:
        """At shutdown: providers first (their schedulers stop), then the background engines."""
        self._close_providers()
        for engine in self._background:
            getattr(engine, "close", lambda: None)()
        self._background.clear()

    @property
    def facts(self) -> dict[str, routing_index.ServiceFacts]:
        """Routing facts of every implemented service, from the routing index: no model is loaded."""
        if self._index is None:
            self._index = routing_index.load(self.names)
        return self._index

    def info(self, name: str) -> ServiceInfo:
        """A service's routing facts as its model states them (without a loaded service's query_model)."""
        facts = self.facts[name]
        return ServiceInfo(name, facts["signing_name"], facts["target_prefix"], tuple(facts["protocols"]))

    def signing_name(self, name: str) -> str:
        """The name a service signs with (CloudTrail's event source), from the routing index: a dict look-up, as
        every recorded call asks."""
        return self.facts[name]["signing_name"]

    def by_signing_name(self, signing_name: str) -> list[str]:
        # A service signing with its own package name is the one meant (kinesisanalytics, not its v2; s3, not
        # s3control, which claims its own requests by path).
        if signing_name in self.facts and self.facts[signing_name]["signing_name"] == signing_name:
            return [signing_name]
        return [name for name, facts in self.facts.items() if facts["signing_name"] == signing_name]

    def by_target_prefix(self, prefix: str) -> str | None:
        return next((name for name, facts in self.facts.items() if facts["target_prefix"] == prefix), None)

    def with_protocol_operation(self, protocols: set[str], operation: str) -> list[str]:
        return [name for name, facts in self.facts.items()
                if protocols.intersection(facts["protocols"]) and operation in facts["operations"]]
