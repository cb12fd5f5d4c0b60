"""Server-side request parsing: an HTTP request back into the params a boto3 caller passed.

``parse_request`` reads any of botocore's wire protocols, driven only by the
operation's model. Input that cannot be read becomes a ``ProtocolError`` and
unknown parameters a ``ValidationError``, each with the code AWS uses for that
protocol; no other exception escapes.
"""
from __future__ import annotations

from typing import NamedTuple

from botocore.model import OperationModel

from ..errors import ProtocolError, ServiceError, ValidationError
from ..http import HttpRequest
from .common import BadValue, Malformed, UnknownMember
from .document import parse_cbor, parse_json
from .encoding import decode_body
from .query import parse_query
from .rest import parse_rest

__all__ = ["parse_request"]


class _Codes(NamedTuple):
    malformed: str  # the body cannot be decoded
    bad_value: str  # a value does not fit its shape
    unknown: str  # a parameter the shape does not have


_JSON_CODES = _Codes("SerializationException", "SerializationException", "ValidationException")
_QUERY_CODES = _Codes("MalformedQueryString", "InvalidParameterValue", "ValidationError")
_CODES = {
    "json": _JSON_CODES,
    "rest-json": _JSON_CODES,
    "smithy-rpc-v2-cbor": _JSON_CODES,
    "query": _QUERY_CODES,
    "ec2": _QUERY_CODES,
    # rest-xml ignores unknown elements, so its "unknown" code is never used.
    "rest-xml": _Codes("MalformedXML", "InvalidArgument", "InvalidArgument"),
}


def _parse(operation_model: OperationModel, request: HttpRequest, protocol: str) -> dict:
    body, headers = decode_body(operation_model, request)
    if protocol == "json":
        return parse_json(operation_model, body)
    if protocol == "smithy-rpc-v2-cbor":
        return parse_cbor(operation_model, body)
    if protocol in ("query", "ec2"):
        return parse_query(operation_model, request.query_items, body, ec2=protocol == "ec2")
    return parse_rest(operation_model, request, headers, body, xml=protocol == "rest-xml")


def parse_request(operation_model: OperationModel, request: HttpRequest, protocol: str) -> dict:
    """The operation's input params, keyed by model member names, as a boto3 caller passed them.

    Timestamps come back as aware UTC datetimes, blobs as bytes and a
    streaming payload as the body bytes; members not in the request are absent.
    ``protocol`` is the one the client used (the router's choice among the
    model's ``protocols``). Rest paths must be path-style (``/bucket/key``);
    aws-chunked bodies and modelled request compression are undone first.
    """
    codes = _CODES[protocol]
    try:
        return _parse(operation_model, request, protocol)
    except UnknownMember as error:
        raise ValidationError(str(error), code=codes.unknown) from None
    except BadValue as error:
        raise ProtocolError(str(error), code=codes.bad_value) from None
    except Malformed as error:
        raise ProtocolError(str(error), code=codes.malformed) from None
    except ServiceError:  # meant as said: a chunk's bad signature, a trailing checksum that does not match
        raise
    except Exception as error:  # never let a parser bug or odd input surface as a 500
        raise ProtocolError(
            f"The request could not be parsed ({type(error).__name__}: {error})",
            code=codes.malformed,
        ) from error
