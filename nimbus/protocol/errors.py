"""Errors that become AWS-shaped error responses.

Providers raise ``ServiceError(code, message)`` with the model's error code.
The serializer looks the code up in the service model for its HTTP status and
extra members; ``status`` here is only the fallback when the model is silent.
"""
from __future__ import annotations


class ServiceError(Exception):
    def __init__(
        self,
        code: str,
        message: str = "",
        status: int | None = None,
        sender_fault: bool | None = None,
        **fields,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        # Extra members of the error shape (e.g. S3's BucketName), in model member names.
        self.fields = fields
        # Extra response headers (e.g. S3's x-amz-delete-marker on errors).
        self.headers: dict[str, str] = {}
        # The code a query-compatible service answers this error with in XML and ``x-amzn-query-error``
        # when its model does not say (SQS's QueueDoesNotExist is AWS.SimpleQueueService.NonExistentQueue).
        self.query_code: str | None = None

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r})"


class ProtocolError(ServiceError):
    """The request could not be read as the protocol says (malformed body, wrong types)."""

    def __init__(self, message: str, code: str = "SerializationException", status: int = 400):
        super().__init__(code, message, status=status, sender_fault=True)


class ValidationError(ServiceError):
    """The request parsed but breaks the model's constraints."""

    def __init__(self, message: str, code: str = "ValidationException", status: int = 400):
        super().__init__(code, message, status=status, sender_fault=True)


class NotImplementedOperation(ServiceError):
    def __init__(self, service: str, operation: str):
        super().__init__(
            "NotImplemented",
            f"The operation {operation} of service {service} is not yet implemented by nimbus.",
            status=501,
            sender_fault=False,
        )


class UnknownOperation(ServiceError):
    def __init__(self, message: str, code: str = "UnknownOperationException", status: int = 400):
        super().__init__(code, message, status=status, sender_fault=True)
