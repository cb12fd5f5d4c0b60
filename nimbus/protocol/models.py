"""Loading botocore service models, once per process and only when first needed."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

# Models botocore no longer ships (OpsWorks, retired by AWS in 2024), vendored under Apache-2.0.
BUNDLED_MODELS = Path(__file__).resolve().parents[1] / "models"


def extra_model_paths() -> list[str]:
    paths = [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    paths.append(str(BUNDLED_MODELS))
    return paths


@functools.lru_cache(maxsize=1)
def loader() -> Loader:
    return Loader(extra_search_paths=extra_model_paths())


@functools.cache
def service_model(name: str) -> ServiceModel:
    model = loader().load_service_model(name, "service-2")
    return ServiceModel(model, service_name=name)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)
