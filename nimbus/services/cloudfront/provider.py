"""Amazon CloudFront: distributions (ETags, If-Match, InProgress -> Deployed on the virtual clock), tags,
invalidations, origin access identities and controls, cache/origin request/response headers policies, and
an edge that serves viewers from S3 and custom HTTP origins through a real cache.

Every other CloudFront operation (functions, key groups...) is not served: 501.
"""
from __future__ import annotations

from .distributions import DistributionOps
from .edge import EdgeOps
from .origin_access import OriginAccessOps
from .policies import PolicyOps
from .tagging import TagOps


class Provider(DistributionOps, TagOps, EdgeOps, OriginAccessOps, PolicyOps):
    pass
