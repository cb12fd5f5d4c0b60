"""What sets one service apart from the others in the shared request path.

Most services behave alike: SigV4-signed calls, AWS's common error codes, the dispatcher checking IAM
before each operation. A service that differs says so once, in ``nimbus/services/<name>/traits.py``
(``TRAITS = ServiceTraits(...)``), which the registry reads without importing the provider: the gateway
needs some of these facts before it knows which service a request is for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from nimbus.protocol.http import HttpRequest


@dataclass(frozen=True)
class ServiceTraits:
    # "s3": S3's own words for auth failures (InvalidAccessKeyId, AccessDenied "Access Denied").
    error_family: Literal["aws", "s3"] = "aws"
    # Unsigned requests are served as the anonymous principal (even with --strict-auth), and a request no
    # signature, target or action routes is this service's: its resource policies decide.
    anonymous_access: bool = False
    # The service checks every operation itself (bucket policies, ACLs); the dispatcher does not.
    authorizes_itself: bool = False
    # Cross-origin browser requests are answered as the service's own CORS configuration says (S3's bucket
    # CORS); any other service refuses a request from a web page on a foreign origin (gateway/browser.py).
    browser_cors: bool = False
    # The error code of an unexpected failure (a 500).
    internal_error_code: str = "InternalFailure"
    # Rewrites a request addressed in its host name (bucket.s3.localhost) to the path the model's URI
    # templates describe.
    path_style: Callable[[HttpRequest], str] | None = None
    # Names the operation of a request when several share one URI template and method.
    refine_operation: Callable[[HttpRequest, str], str] | None = None
    # Claims a request no model operation covers (S3's CORS preflights and website endpoints) for the
    # provider's ``handle_raw(request) -> HttpResponse``, putting it in the shape that method reads.
    claims_raw_request: Callable[[HttpRequest], bool] | None = None
    # Given the runtime and a Host name nimbus does not answer as (gateway/browser.py), whether it is one of
    # the service's own data-plane names (CloudFront's distribution domain names and aliases): such a request
    # passes the Host check and goes to the provider's ``handle_raw``, never to an AWS API.
    serves_host: Callable[[Any, str], bool] | None = None
    # Given the runtime and a request the service claims (``claims_raw_request``) or addressed to a name it
    # serves (``serves_host``, known from memory), its answer when it needs no blocking work (a fresh
    # in-memory hit at CloudFront's edge), made on the event loop without a worker thread; or None to take
    # the usual way.
    answers_without_blocking: Callable[[Any, HttpRequest], Any] | None = None
    # Rewords a model-constraint failure (ValidationException) in the service's own error family: S3 has no
    # ValidationException and answers InvalidArgument, MalformedXML, InvalidStorageClass... instead.
    reword_validation: Callable[[Any], Any] | None = None
    # Given the request context and its parsed parameters, the parameters to validate and serve: a legacy spelling
    # AWS still accepts although the model no longer lists it (SQS's message system attributes asked for in
    # ReceiveMessage's AttributeNames, a query request's queue named by the URL it is posted to).
    normalize_input: Callable[[Any, dict], dict] | None = None
    # A service that moved from the query protocol to JSON but still serves query clients (SQS): given its
    # model, the model with the query protocol's wire names (locationName, result wrappers), which routing,
    # parsing and serializing use for a form-encoded request with an Action.
    query_model: Callable[[Any], Any] | None = None
    # Claims a request that shares its signing name with another service's (s3control's ``/v20180820/``
    # paths, signed as ``s3``): routing tries this service first when it says yes.
    owns_request: Callable[[HttpRequest], bool] | None = None
    # Operations a front worker of ``nimbus serve --workers N`` may answer itself (nimbus/workers/): reads and
    # pure computations that change no state and start nothing. Every other operation goes to the primary.
    answers_in_any_worker: frozenset[str] = frozenset()
    # Operations quick enough to run on the event loop instead of a worker thread (gateway/on_loop.py): work in
    # memory and at most one OS write, never a wait on another request, a long-held lock or a network call.
    runs_on_event_loop: frozenset[str] = frozenset()


DEFAULT_TRAITS = ServiceTraits()
