"""Amazon CloudFront: distributions (ETags, If-Match, InProgress -> Deployed on the virtual clock), tags,
invalidations, origin access identities and controls, cache/origin request/response headers policies,
public keys and key groups, CloudFront Functions and KeyValueStores, staging distributions with continuous
deployment policies, and an edge that serves viewers from S3 and custom HTTP origins through a real cache,
with signed URLs and cookies and viewer functions.

Every other CloudFront operation is not served: 501.
"""
from __future__ import annotations

from .deployment_policies import DeploymentPolicyOps
from .functions import FunctionOps
from .functions_edge import FunctionEdgeOps
from .key_groups import KeyGroupOps
from .key_value_stores import KeyValueStoreOps
from .origin_access import OriginAccessOps
from .policies import PolicyOps
from .public_keys import PublicKeyOps
from .staging import StagingOps
from .tagging import TagOps


class Provider(StagingOps, TagOps, FunctionEdgeOps, OriginAccessOps, PolicyOps, PublicKeyOps, KeyGroupOps,
               FunctionOps, KeyValueStoreOps, DeploymentPolicyOps):
    pass
