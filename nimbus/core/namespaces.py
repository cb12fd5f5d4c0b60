"""Store namespaces of regional documents: ``(service, account, region, kind, *more)``.

Every service keeps its state this way (docs/architecture.md), so one builder serves them all.
"""
from __future__ import annotations


def regional(service: str, account: str, region: str, kind: str, *more: str) -> tuple[str, ...]:
    return (service, account, region, kind, *more)


class Namespace:
    """The namespace builder of one kind of document: ``topics_ns = Namespace("sns", "topics")``, then
    ``topics_ns(account, region)``; extra parts (a log group's name) follow the region."""

    def __init__(self, service: str, kind: str):
        self.service, self.kind = service, kind

    def __call__(self, account: str, region: str, *more: str) -> tuple[str, ...]:
        return regional(self.service, account, region, self.kind, *more)

    def __repr__(self) -> str:
        return f"Namespace({self.service!r}, {self.kind!r})"
