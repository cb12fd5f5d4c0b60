"""Tag limits every service shares."""
from __future__ import annotations

# AWS's user-defined tags per resource, the same for every service nimbus serves.
MAX_TAGS = 50
