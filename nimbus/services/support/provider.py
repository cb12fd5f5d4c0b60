"""AWS Support (service ``support``): Trusted Advisor's checks computed over the account's real resources,
and the support-case operations answered as for an account without a support plan. Like AWS's, the API is
global: every region's endpoint serves the same checks."""
from __future__ import annotations

from .cases import CaseOps
from .checks import CheckOps


class Provider(CheckOps, CaseOps):
    pass
