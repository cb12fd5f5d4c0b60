"""What every CloudTrail operation module builds on. Trails are store documents and the delivery engine is
runtime-wide (engine.py), so the provider itself keeps no state beyond BaseProvider's."""
from __future__ import annotations

from nimbus.services.base import BaseProvider


class CloudTrailState(BaseProvider):
    pass
