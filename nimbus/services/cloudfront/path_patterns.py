"""The path patterns CloudFront takes for cache behaviours ("Path pattern" in the developer guide): up to
255 characters of A-Z, a-z, 0-9 and ``_ - . * $ / ~ " ' @ : + &``, with ``?`` as the one-character
wildcard beside ``*``. Anything else is refused when the distribution is written, as AWS refuses it."""
from __future__ import annotations

import re

from .common import invalid_argument

MAX_PATTERN = 255
_ALLOWED = re.compile(r"""[A-Za-z0-9_\-.*?$/~"'@:+&]+""")


def check_path_patterns(config: dict) -> None:
    for behaviour in (config.get("CacheBehaviors") or {}).get("Items", []):
        pattern = behaviour.get("PathPattern", "")
        if len(pattern) > MAX_PATTERN or not _ALLOWED.fullmatch(pattern):
            raise invalid_argument(f"The parameter PathPattern {pattern!r} is not valid: it must have 1 to "
                                   f"{MAX_PATTERN} characters of A-Z, a-z, 0-9 and _-.*?$/~\"'@:+&.")
