"""The stored shapes of IAM entities (see nimbus.core.documents for the convention).

Every IAM document is an entity, kept per account (IAM is global): users, groups and roles (keyed by
their lower-cased name, as names are unique in any case), customer managed policies with their
versions (keyed by ARN), instance profiles and access keys. Fields are named as IAM's API names them;
references between entities (a user's groups, a group's members, a role's instance profiles) hold the
lower-cased names the documents are keyed by.
"""
from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from nimbus.core.documents import DocumentKind


class Tag(TypedDict):
    Key: str
    Value: str


class Entity(TypedDict, total=False):
    """What users, groups and roles share."""
    Path: str
    Arn: str
    CreateDate: float
    InlinePolicies: dict[str, str]  # policy name → document
    AttachedPolicies: list[str]  # managed policy ARNs
    Tags: list[Tag]
    PermissionsBoundary: str | None  # the boundary policy's ARN


class LoginProfile(TypedDict):
    CreateDate: float
    PasswordResetRequired: bool
    PasswordHash: str  # scrypt, salted: "<salt hex>$<hash hex>"
    PreviousHashes: list[str]  # the passwords before it, newest first (PasswordReusePrevention)
    PasswordChanged: float


class User(Entity, total=False):
    UserName: str
    UserId: str
    Groups: list[str]
    LoginProfile: LoginProfile | None
    SigningCertificates: list[SigningCertificate]
    SSHPublicKeys: list[SshPublicKey]


class Group(Entity, total=False):
    GroupName: str
    GroupId: str
    Members: list[str]


class Role(Entity, total=False):
    RoleName: str
    RoleId: str
    AssumeRolePolicyDocument: str
    Description: str | None
    MaxSessionDuration: int
    InstanceProfiles: list[str]


class PolicyVersion(TypedDict):
    Document: str
    CreateDate: float


class ManagedPolicy(TypedDict):
    PolicyName: str
    PolicyId: str
    Arn: str
    Path: str
    DefaultVersionId: str
    IsAttachable: bool
    Description: str | None
    CreateDate: float
    UpdateDate: float
    Tags: list[Tag]
    Versions: dict[str, PolicyVersion]  # "v1", "v2"... → version
    NextVersion: int  # version ids are never reused


class InstanceProfile(TypedDict):
    Path: str
    InstanceProfileName: str
    InstanceProfileId: str
    Arn: str
    CreateDate: float
    Roles: list[str]
    Tags: list[Tag]


class AccessKey(TypedDict):
    """The secret is not here: the credential registry keeps it, sealed under the master key."""
    UserName: str
    AccessKeyId: str
    Status: str
    CreateDate: float


def _without_secret(doc: dict) -> dict:
    """Version 1 kept a plaintext copy of the secret, which the credential registry also holds."""
    return {name: value for name, value in doc.items() if name != "SecretAccessKey"}


USER = DocumentKind[User]("iam.User")
GROUP = DocumentKind[Group]("iam.Group")
ROLE = DocumentKind[Role]("iam.Role")
MANAGED_POLICY = DocumentKind[ManagedPolicy]("iam.ManagedPolicy")
INSTANCE_PROFILE = DocumentKind[InstanceProfile]("iam.InstanceProfile")
ACCESS_KEY = DocumentKind[AccessKey]("iam.AccessKey", version=2, migrations={1: _without_secret})

# The kind of a user, group or role document, by the entity kind name the shared helpers take.
ENTITY_KINDS: dict[str, DocumentKind[Any]] = {"user": USER, "group": GROUP, "role": ROLE}


class OidcProvider(TypedDict):
    """An OpenID Connect identity provider, keyed by its ARN (``oidc-provider/<host and path>``)."""
    Arn: str
    Url: str  # without its scheme, as IAM answers it
    ClientIDList: list[str]
    ThumbprintList: list[str]
    CreateDate: float
    Tags: list[Tag]
    ContextProvider: NotRequired[dict]  # trusted identity propagation: as the API gives it
    IdentityCenterInstanceArn: NotRequired[str]


OIDC_PROVIDER = DocumentKind[OidcProvider]("iam.OidcProvider")


class SamlProvider(TypedDict):
    """A SAML 2.0 identity provider, keyed by its ARN (``saml-provider/<name>``)."""
    Arn: str
    SAMLMetadataDocument: str
    CreateDate: float
    ValidUntil: float | None  # the metadata's validUntil, when it has one
    Tags: list[Tag]


SAML_PROVIDER = DocumentKind[SamlProvider]("iam.SamlProvider")


class MfaDevice(TypedDict):
    """A virtual MFA device, keyed by its serial number (its ARN). The seed is sealed under the master key."""
    SerialNumber: str
    SealedSeed: str
    CreateDate: float
    UserName: str | None  # whose device it is, once enabled
    EnableDate: float | None
    Drift: int  # 30-second steps the device runs ahead (ResyncMFADevice)
    Tags: list[Tag]


MFA_DEVICE = DocumentKind[MfaDevice]("iam.MfaDevice")


class PasswordPolicy(TypedDict, total=False):
    """The account's password policy, as UpdateAccountPasswordPolicy sets it (one per account)."""
    MinimumPasswordLength: int
    RequireSymbols: bool
    RequireNumbers: bool
    RequireUppercaseCharacters: bool
    RequireLowercaseCharacters: bool
    AllowUsersToChangePassword: bool
    MaxPasswordAge: int
    PasswordReusePrevention: int
    HardExpiry: bool


PASSWORD_POLICY = DocumentKind[PasswordPolicy]("iam.PasswordPolicy")


class CredentialReport(TypedDict):
    Content: str  # the CSV
    Generated: float


CREDENTIAL_REPORT = DocumentKind[CredentialReport]("iam.CredentialReport")


class SigningCertificate(TypedDict):
    CertificateId: str
    CertificateBody: str
    Status: str
    UploadDate: float


class SshPublicKey(TypedDict):
    SSHPublicKeyId: str
    SSHPublicKeyBody: str
    Fingerprint: str
    Status: str
    UploadDate: float


class ServerCertificate(TypedDict):
    Path: str
    ServerCertificateName: str
    ServerCertificateId: str
    Arn: str
    UploadDate: float
    Expiration: float
    CertificateBody: str
    CertificateChain: str | None
    SealedPrivateKey: str
    Tags: list[Tag]


SERVER_CERTIFICATE = DocumentKind[ServerCertificate]("iam.ServerCertificate")


class KeyLastUsed(TypedDict):
    LastUsedDate: float
    ServiceName: str
    Region: str


class ServiceUse(TypedDict):
    Principal: str  # the user's or role's ARN
    Service: str
    LastAuthenticated: float
    Region: str


KEY_LAST_USED = DocumentKind[KeyLastUsed]("iam.KeyLastUsed")
SERVICE_USE = DocumentKind[ServiceUse]("iam.ServiceUse")


class AccessAdvisorJob(TypedDict):
    """A GenerateServiceLastAccessedDetails job: computed when asked, kept for its Get... calls."""
    Arn: str
    JobType: str  # SERVICE_LEVEL | ACTION_LEVEL
    Created: float
    Services: list[dict]  # ServicesLastAccessed, with each service's entities under "Entities"


ACCESS_ADVISOR_JOB = DocumentKind[AccessAdvisorJob]("iam.AccessAdvisorJob")


class DeletionTask(TypedDict):
    """DeleteServiceLinkedRole's task, kept for GetServiceLinkedRoleDeletionStatus."""
    RoleName: str
    Status: str  # SUCCEEDED | FAILED
    Created: float


DELETION_TASK = DocumentKind[DeletionTask]("iam.DeletionTask")


class StsPreferences(TypedDict):
    GlobalEndpointTokenVersion: int  # 1 or 2


STS_PREFERENCES = DocumentKind[StsPreferences]("iam.StsPreferences")


class OutboundFederation(TypedDict):
    """Outbound web identity federation of one account: STS GetWebIdentityToken's issuer."""
    IssuerId: str  # the account's issuer, /_nimbus/sts/outbound/<IssuerId>; kept when disabled and re-enabled
    Enabled: bool


OUTBOUND_FEDERATION = DocumentKind[OutboundFederation]("iam.OutboundFederation")


class AccountProperties(TypedDict):
    Properties: dict[str, str]  # Namespace/PropertyName → value


ACCOUNT_PROPERTIES = DocumentKind[AccountProperties]("iam.AccountProperties")
