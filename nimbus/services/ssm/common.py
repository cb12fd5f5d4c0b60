"""What every Parameter Store module shares: namespaces, names and ARNs, errors, paging tokens."""
from __future__ import annotations

import base64
import binascii
import json
import re

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

parameters_ns = Namespace("ssm", "parameters")
versions_ns = Namespace("ssm", "versions")  # (account, region, name): one document per version

MAX_NAME_LENGTH = 1011
MAX_LEVELS = 15
NAME_CHARS = re.compile(r"^[a-zA-Z0-9_.\-/]+$")
RESERVED = ("aws", "ssm")
NAME_RULES = ("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, "
              "it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of "
              "letters, numbers and the following 3 symbols .-_")
PATH_RULES = ("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a "
              "forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use "
              "only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special "
              "characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". "
              "Valid example: /get/parameters2-/by1./path0_.")


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def not_found(name: str) -> ServiceError:
    return ServiceError("ParameterNotFound", f"Parameter {name} not found.")


def version_not_found(name: str, version: object) -> ServiceError:
    return ServiceError("ParameterVersionNotFound",
                        f"Systems Manager could not find version {version} of {name}. Verify the version and try "
                        "again.")


def parameter_arn(ctx, name: str) -> str:
    """``arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>``."""
    return ctx.arn("parameter/" + name.removeprefix("/"), "ssm")


def names_of(identifier: str) -> list[str]:
    """The names a name or ARN may stand for: ``parameter/x`` is the ARN of both ``x`` and ``/x``."""
    if not identifier.startswith("arn:"):
        return [identifier]
    parts = identifier.split(":", 5)
    if len(parts) < 6 or parts[2] != "ssm" or not parts[5].startswith("parameter/"):
        return [identifier]
    name = parts[5].removeprefix("parameter")
    return [name] if name.count("/") > 1 else [name, name[1:]]


def check_new_name(name: str) -> None:
    """AWS's rules for a name PutParameter creates: characters, reserved prefixes, length and depth."""
    bare = name.lstrip("/").lower()
    if name.lower().startswith("/aws") and name.count("/") > 1:
        raise ServiceError("AccessDeniedException", f"No access to reserved parameter name: {name}.")
    if bare.startswith(RESERVED):
        if "/" in name:
            raise validation(NAME_RULES.replace('"aws" or "ssm"', '"ssm"'))
        raise validation("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).")
    if not NAME_CHARS.match(name) or "//" in name or name.endswith("/"):
        raise validation(NAME_RULES)
    if "/" in name and not name.startswith("/"):
        raise validation("Parameter name must be a fully qualified name.")
    if len(name) > MAX_NAME_LENGTH:
        raise validation(f"Parameter name cannot be longer than {MAX_NAME_LENGTH} characters.")
    if name.count("/") > MAX_LEVELS:
        raise ServiceError("HierarchyLevelLimitExceededException",
                           "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and "
                           "constraints for parameter names in the AWS Systems Manager User Guide.")


def check_path(path: str) -> str:
    """A hierarchy path (GetParametersByPath, a Path filter), without its trailing slash."""
    if (not path.startswith("/") or "//" in path or not NAME_CHARS.match(path)
            or path.lstrip("/").lower().startswith(RESERVED)):
        raise validation(PATH_RULES)
    return path.rstrip("/")


def encode_token(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def decode_token(token: str | None) -> str | None:
    """The name (or zero-padded version) a page ends after."""
    if token is None:
        return None
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError):
        raise ServiceError("InvalidNextToken", "The specified token isn't valid.") from None
    if not isinstance(after, str):
        raise ServiceError("InvalidNextToken", "The specified token isn't valid.")
    return after
