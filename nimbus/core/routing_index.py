"""What routing needs to know of every served service, without loading every model.

Routing must find the service a request is for among all of them (a signing name that is not the package's
name, an X-Amz-Target prefix, an unsigned query ``Action``), but all the models together cost about 33 MiB
and 0.15 s to load, while the facts routing reads (signing name, target prefix, protocols, operation names)
fit in a few kilobytes. They are built from the models once, and kept in ``routing-index.json`` next to the
vendored models (``make install`` writes it; a server that finds it missing or stale builds it and writes it
once). Its fingerprint is botocore's version and the files of every extra model path, so a changed model set
rebuilds it; nothing in it is written by hand.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TypedDict

import botocore

from nimbus.protocol import models

log = logging.getLogger(__name__)
INDEX_FILE = models.BUNDLED_MODELS / "routing-index.json"


class ServiceFacts(TypedDict):
    signing_name: str
    target_prefix: str | None
    protocols: list[str]
    operations: list[str]


def _fingerprint(names: list[str]) -> list[str]:
    """botocore's version and every model file an extra search path holds for a served service: what the
    loader would read instead of botocore's own models."""
    seen = [botocore.__version__, *names]
    for root in models.extra_model_paths():
        for name in names:
            directory = Path(root) / name
            if directory.is_dir():
                for path in sorted(directory.rglob("*")):
                    stat = path.stat()
                    seen.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return seen


def facts_of(name: str) -> ServiceFacts:
    model = models.service_model(name)
    meta = model.metadata
    return {"signing_name": meta.get("signingName") or meta["endpointPrefix"],
            "target_prefix": meta.get("targetPrefix"),
            "protocols": list(meta.get("protocols") or [meta["protocol"]]),
            "operations": list(model.operation_names)}


def build(names: list[str]) -> dict:
    return {"fingerprint": _fingerprint(names), "services": {name: facts_of(name) for name in names}}


def write(names: list[str], path: Path = INDEX_FILE) -> dict:
    index = build(names)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(index, sort_keys=True))
    os.replace(partial, path)  # readers see the old file or the whole new one
    return index


def load(names: list[str], path: Path = INDEX_FILE) -> dict[str, ServiceFacts]:
    """The index of ``names``, read from its file when its fingerprint still holds, else built (loading every
    model, this once) and written for the next start."""
    try:
        index = json.loads(path.read_text())
        if index.get("fingerprint") == _fingerprint(names):
            return index["services"]
    except (OSError, ValueError):
        pass
    log.info("building the routing index from the models (%s)", path.name)
    try:
        return write(names, path)["services"]
    except OSError:  # a read-only install: serve from the models, built again at each start
        return build(names)["services"]


if __name__ == "__main__":  # make install: python -m nimbus.core.routing_index
    from nimbus.core.registry import implemented_service_names
    write(implemented_service_names())
    sys.exit(0)
