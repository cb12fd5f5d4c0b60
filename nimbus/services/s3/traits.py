"""S3's place in the shared request path: its own error words, anonymous access decided by bucket policies,
every operation authorized by the provider, and addressing its model's URI templates cannot describe."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits
from nimbus.services.s3 import routes, validation_errors

TRAITS = ServiceTraits(
    error_family="s3",
    anonymous_access=True,
    authorizes_itself=True,
    browser_cors=True,
    internal_error_code="InternalError",
    path_style=routes.path_style,
    refine_operation=routes.refine_operation,
    claims_raw_request=routes.claims_raw_request,
    reword_validation=validation_errors.reword,
    # Reads of an object: a lazy lifecycle sweep they meet writes, which sends the request to the primary.
    answers_in_any_worker=frozenset({"GetObject", "HeadObject"}),
    # On the event loop while they stay in memory: a small body from the page cache, no lifecycle sweep due
    # (objects.py, storage.py and sweeper.py send anything else to a worker thread).
    runs_on_event_loop=frozenset({"GetObject", "HeadObject"}),
)
