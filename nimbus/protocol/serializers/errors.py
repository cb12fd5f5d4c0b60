"""Which modeled error a ServiceError is, and the status, fault and codes that follow from it."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.serializers.documents import DocumentEncoder


@dataclass(frozen=True, slots=True)
class ResolvedError:
    shape: Shape | None
    status: int
    sender_fault: bool
    # JSON-family protocols name the error by its shape; XML protocols (and the
    # x-amzn-query-error header) by the shape's ``error.code``, e.g. IAM's
    # EntityAlreadyExistsException travels as EntityAlreadyExists.
    shape_code: str
    query_code: str

    @property
    def fault_type(self) -> str:
        return "Sender" if self.sender_fault else "Receiver"


def resolve(service_model: ServiceModel, operation_model: OperationModel | None,
            error: ServiceError) -> ResolvedError:
    # The operation's own errors first: they are what its clients expect.
    shape = _index(operation_model).get(error.code) if operation_model is not None else None
    if shape is None:
        shape = _index(service_model).get(error.code)
    if shape is None:
        status = error.status or (500 if error.sender_fault is False else 400)
        sender = error.sender_fault if error.sender_fault is not None else status < 500
        return ResolvedError(None, status, sender, error.code, error.query_code or error.code)

    modeled = shape.metadata.get("error", {})
    # ``fault`` (a server-side error) is not among botocore's parsed metadata keys.
    server_fault = bool(shape._shape_model.get("fault"))
    status = modeled.get("httpStatusCode") or error.status or (
        500 if server_fault or error.sender_fault is False else 400)
    if error.sender_fault is not None:
        sender = error.sender_fault
    elif "senderFault" in modeled:
        sender = bool(modeled["senderFault"])
    else:
        sender = not server_fault and status < 500
    return ResolvedError(shape, status, sender, shape.name, error.query_code or shape.error_code)


@functools.cache
def _index(model: ServiceModel | OperationModel) -> dict[str, Shape]:
    """Error shapes by ``error.code`` and by name; a name match wins over a code match."""
    shapes = model.error_shapes
    index = {shape.error_code: shape for shape in shapes}
    index.update((shape.name, shape) for shape in shapes)
    return index


def error_document(encoder: DocumentEncoder, resolved: ResolvedError, error: ServiceError) -> dict:
    """A JSON or CBOR error body: the shape's members from ``error.fields``, undeclared
    fields as given, and the message under the shape's own message member name."""
    shape = resolved.shape
    body = encoder.encode(shape, error.fields) if shape is not None else {}
    body.update(unmodeled_fields(shape, error.fields))
    if error.message:
        body.setdefault(message_member(shape) or "message", error.message)
    return body


def unmodeled_fields(shape: Shape | None, fields: dict) -> list[tuple[str, object]]:
    """Fields the error shape does not declare (S3's BucketName, Key...): sent verbatim."""
    members = shape.members if shape is not None else {}
    return [(name, value) for name, value in fields.items() if name not in members and value is not None]


@functools.cache
def message_member(shape: Shape | None) -> str | None:
    """The error shape's own message member (``message`` or ``Message``), if it has one."""
    if shape is None:
        return None
    return next((name for name in shape.members if name.lower() == "message"), None)
