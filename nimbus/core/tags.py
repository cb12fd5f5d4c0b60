"""Tag limits every service shares."""
from __future__ import annotations

from collections.abc import Callable

from nimbus.protocol.errors import ServiceError

# AWS's user-defined tags per resource, the same for every service nimbus serves.
MAX_TAGS = 50


def check_tags(tags: dict[str, str], invalid: Callable[[str], ServiceError]) -> None:
    """The tags a resource would have, as the Kinesis Analytics generations check them: at most MAX_TAGS
    (TooManyTagsException), none under ``aws:`` (the service's ``invalid`` error)."""
    if len(tags) > MAX_TAGS:
        raise ServiceError("TooManyTagsException", f"An application can have at most {MAX_TAGS} tags.")
    if any(key.lower().startswith("aws:") for key in tags):
        raise invalid("Tag keys may not start with 'aws:'.")
