"""S3's words for a request that breaks its model's constraints: S3 has no ValidationException.

The shared validator names the first offending member (``Value 'X' at 'storageClass' failed to ...``);
S3 answers by what that member is: a location constraint, a storage class, a member of an XML body
(``MalformedXML``) or a header or query argument (``InvalidArgument``).
"""
from __future__ import annotations

import re

from nimbus.protocol.errors import ServiceError, ValidationError
from nimbus.services.s3.common import invalid_argument, malformed_xml

_FIRST_VIOLATION = re.compile(r"Value (?:'(?P<value>.*?)' )?at '(?P<path>[^']+)'", re.DOTALL)
_NULL_MEMBER = re.compile(r"Value null at '(?P<path>[^']+)'")


def reword(error: ValidationError) -> ServiceError:
    match = _FIRST_VIOLATION.search(error.message) or _NULL_MEMBER.search(error.message)
    if match is None:
        return invalid_argument(error.message)
    path, value = match.group("path"), match.groupdict().get("value")
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "locationConstraint":
        return ServiceError("InvalidLocationConstraint", "The specified location-constraint is not valid",
                            status=400, LocationConstraint=value or "")
    if leaf == "storageClass" and "." not in path:
        return ServiceError("InvalidStorageClass", "The storage class you specified is not valid", status=400,
                            StorageClassRequested=value or "")
    if "." in path:  # a member inside a request body's XML document
        return malformed_xml()
    return invalid_argument(error.message, path, value)
