"""Loading botocore service models, once per process and only when first needed."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from botocore.loaders import Loader, instance_cache
from botocore.model import OperationModel, ServiceModel

# Models botocore no longer ships (OpsWorks, retired by AWS in 2024), vendored under Apache-2.0.
BUNDLED_MODELS = Path(__file__).resolve().parents[1] / "models"


def extra_model_paths() -> list[str]:
    paths = [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    paths.append(str(BUNDLED_MODELS))
    return paths


class ServedModelLoader(Loader):
    """botocore's loader, less its check that a service is among all those it could load: the check lists every
    model directory (about 460: 25 ms, on the first call each process answers), and nimbus asks only for the
    services it serves. A missing model still fails, with DataNotFoundError instead of UnknownServiceError."""

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> dict:
        if api_version is None:
            api_version = self.determine_latest_version(service_name, type_name)
        model = self.load_data(os.path.join(service_name, api_version, type_name))
        self._extras_processor.process(model, self._find_extras(service_name, type_name, api_version))
        return model


@functools.lru_cache(maxsize=1)
def loader() -> Loader:
    return ServedModelLoader(extra_search_paths=extra_model_paths())


@functools.cache
def service_model(name: str) -> ServiceModel:
    model = loader().load_service_model(name, "service-2")
    return ServiceModel(model, service_name=name)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)
