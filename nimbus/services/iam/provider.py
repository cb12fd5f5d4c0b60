"""AWS IAM: users, groups, roles, managed and inline policies, and what they allow.

The operations are split by topic into operations classes beside this file, on ``IamState`` (state.py); the policy
language itself lives in nimbus/core/policy (every service evaluates it), and
IAM hands each principal's policies to the authorizer (``identity_policies``).
"""
from __future__ import annotations

from nimbus.services.iam.account import AccountOps
from nimbus.services.iam.account_properties import AccountPropertyOps
from nimbus.services.iam.attachments import AttachmentOps
from nimbus.services.iam.context_keys import ContextKeyOps
from nimbus.services.iam.details import DetailOps
from nimbus.services.iam.groups import GroupOps
from nimbus.services.iam.managed import ManagedPolicyOps
from nimbus.services.iam.mfa_devices import MfaDeviceOps
from nimbus.services.iam.oidc_providers import OidcProviderOps
from nimbus.services.iam.passwords import PasswordOps
from nimbus.services.iam.profiles import InstanceProfileOps
from nimbus.services.iam.reports import ReportOps
from nimbus.services.iam.resource_tags import ResourceTagOps
from nimbus.services.iam.roles import RoleOps
from nimbus.services.iam.saml_providers import SamlProviderOps
from nimbus.services.iam.server_certificates import ServerCertificateOps
from nimbus.services.iam.service_access import ServiceAccessOps
from nimbus.services.iam.service_credentials import ServiceCredentialOps
from nimbus.services.iam.service_linked_roles import ServiceLinkedRoleOps
from nimbus.services.iam.simulate import SimulationOps
from nimbus.services.iam.updates import UpdateOps
from nimbus.services.iam.user_credentials import UserCredentialOps
from nimbus.services.iam.users import UserOps


class Provider(UpdateOps, UserOps, GroupOps, RoleOps, ManagedPolicyOps, AttachmentOps, ResourceTagOps,
               InstanceProfileOps, DetailOps, SimulationOps, OidcProviderOps,
               SamlProviderOps, ReportOps, MfaDeviceOps, PasswordOps,
               UserCredentialOps, AccountOps, ServerCertificateOps,
               ServiceLinkedRoleOps, ContextKeyOps, ServiceCredentialOps,
               AccountPropertyOps, ServiceAccessOps):
    pass
