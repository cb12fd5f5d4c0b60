"""AWS IAM: users, groups, roles, managed and inline policies, and what they allow.

The operations are split by topic into mixins beside this file; the policy
language itself lives in nimbus/core/policy (every service evaluates it), and
IAM hands each principal's policies to the authorizer (``identity_policies``).
"""
from __future__ import annotations

from nimbus.services.iam.groups import GroupsMixin
from nimbus.services.iam.roles import RolesMixin
from nimbus.services.iam.simulate import SimulationMixin
from nimbus.services.iam.users import UsersMixin


class Provider(UsersMixin, GroupsMixin, RolesMixin, SimulationMixin):
    pass
