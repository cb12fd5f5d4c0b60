"""CloudWatch Logs' place in the shared request path: its model has no ValidationException, so a model
constraint failure (length, pattern, range, enum, required) is InvalidParameterException, HTTP 400, with
the usual "1 validation error detected: ..." text."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits
from nimbus.protocol.errors import ServiceError, ValidationError


def _reword(error: ValidationError) -> ServiceError:
    return ServiceError("InvalidParameterException", error.message, status=400)


TRAITS = ServiceTraits(reword_validation=_reword)
