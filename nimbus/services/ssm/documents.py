"""The stored shapes of Parameter Store entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class ParameterVersion(TypedDict, total=False):
    """One version of a parameter, as GetParameterHistory names its members. A SecureString's Value is
    the base64 KMS ciphertext, never the plaintext."""
    Version: Required[int]
    Type: Required[str]
    Value: Required[str]
    LastModifiedDate: Required[float]
    LastModifiedUser: Required[str]
    Tier: Required[str]
    DataType: Required[str]
    Policies: list[str]  # each policy's JSON text, as PolicyText reports it
    KeyId: str
    Description: str
    AllowedPattern: str


class Parameter(ParameterVersion, total=False):
    """A parameter: its latest version's members, plus what belongs to the parameter as a whole."""
    Name: Required[str]
    ARN: Required[str]
    Tags: dict[str, str]
    Labels: dict[str, int]  # label -> the version it is on (a label is on one version at a time)


PARAMETER = DocumentKind[Parameter]("ssm.Parameter")
PARAMETER_VERSION = DocumentKind[ParameterVersion]("ssm.ParameterVersion")
