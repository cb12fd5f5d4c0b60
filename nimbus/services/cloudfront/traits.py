"""CloudFront's place in the shared request path: its edge answers viewers' requests, which no model
operation describes, on names of its own (distribution domain names and aliases) as well as nimbus's."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits
from nimbus.services.cloudfront import routes

TRAITS = ServiceTraits(claims_raw_request=routes.claims_raw_request, serves_host=routes.serves_host,
                       answers_without_blocking=routes.fresh_hit)
