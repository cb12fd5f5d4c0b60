"""Amazon CloudFront: distributions (ETags, If-Match, InProgress -> Deployed on the virtual clock), tags,
invalidations, and an edge that serves viewers from S3 and custom HTTP origins through a real cache.

Every other CloudFront operation (policies, origin access, functions, key groups...) is not served: 501.
"""
from __future__ import annotations

from .distributions import DistributionOps
from .edge import EdgeOps
from .key_groups import KeyGroupOps
from .public_keys import PublicKeyOps
from .tagging import TagOps


class Provider(DistributionOps, TagOps, EdgeOps, PublicKeyOps, KeyGroupOps):
    pass
