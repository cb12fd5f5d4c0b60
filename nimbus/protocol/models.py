"""Loading botocore service models, once per process and only when first needed."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


def _extra_model_paths() -> list[str]:
    """Models botocore no longer ships (OpsWorks) live in ../shared/models or AWS_DATA_PATH."""
    paths = [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "models"
    if shared.is_dir():
        paths.append(str(shared))
    return paths


@functools.lru_cache(maxsize=1)
def loader() -> Loader:
    return Loader(extra_search_paths=_extra_model_paths())


@functools.lru_cache(maxsize=None)
def service_model(name: str) -> ServiceModel:
    model = loader().load_service_model(name, "service-2")
    return ServiceModel(model, service_name=name)


@functools.lru_cache(maxsize=None)
def available_services() -> frozenset[str]:
    return frozenset(loader().list_available_services("service-2"))


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)
