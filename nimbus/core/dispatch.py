"""Calling a provider: validation, the operation itself, and the API-call record.

The gateway (for HTTP requests) and the internal client (for calls one
service makes to another) both come through here, so every call is validated
and recorded the same way.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.core.needs_thread import NeedsThread
from nimbus.core.redaction import Walker, walker_for
from nimbus.core.waiting import AnsweredElsewhere, Suspended
from nimbus.protocol.errors import NotImplementedOperation, ServiceError, ValidationError
from nimbus.protocol.validation import validate_input

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)

READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Search", "Select")


def is_read_only(operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES)


class InternalFailure(ServiceError):
    def __init__(self, code: str):
        super().__init__(code, "We encountered an internal error. Please try again.", status=500, sender_fault=False)


class Dispatcher:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def invoke(self, ctx: RequestContext, params: dict | None = None,
               parse: Callable[[], dict] | None = None) -> dict[str, Any]:
        """Run the operation; ``parse`` reads params from the wire inside the recorded span."""
        output = error = None
        recorded = True
        try:
            if parse is not None:
                params = parse()
            params = params or {}
            normalize = self.runtime.services.traits(ctx.service).normalize_input
            if normalize is not None:
                params = normalize(ctx, params)
            try:
                validate_input(ctx.operation_model, params, ctx.protocol)
            except ValidationError as invalid:
                reword = self.runtime.services.traits(ctx.service).reword_validation
                raise (reword(invalid) if reword else invalid) from None
            ctx.params = params
            service = self.runtime.services.get(ctx.service)
            method = service.operations.get(ctx.operation)
            if method is None:
                raise NotImplementedOperation(ctx.service, ctx.operation)
            if not ctx.forwarded:
                # Computed even when not enforced, so the API-call record shows what would be denied.
                self.runtime.authz.authorize_operation(ctx, service, params)
            output = method(ctx, params) or {}
            return output
        except ServiceError as exc:
            error = exc
            raise
        except (Suspended, AnsweredElsewhere, NeedsThread):
            # The request is handled again (after the wait, by the primary, on a worker thread): that call is recorded.
            recorded = False
            raise
        except Exception as exc:
            log.exception("%s.%s failed", ctx.service, ctx.operation)
            error = InternalFailure(self.runtime.services.traits(ctx.service).internal_error_code)
            raise error from exc
        finally:
            if recorded:
                self._record(ctx, params, output, error)

    def _record(self, ctx: RequestContext, params, output, error: ServiceError | None) -> None:
        if not self.runtime.events.wants(API_CALL):
            return
        # The record is redacted when the bus hands it over (ApiCallEvent.settle), not while the call answers: a walk
        # over 500 Kinesis records or a large listing does not delay the caller.
        redaction = None
        operation = ctx.operation_model
        if operation is not None:
            provider = self.runtime.services.get(ctx.service).provider if self.runtime.services.is_loaded(
                ctx.service) else None
            hidden: frozenset[str] = getattr(provider, "REDACTED_MEMBERS", frozenset())
            redaction = _redaction(operation, hidden)
        self.runtime.events.publish(API_CALL, ApiCallEvent(
            time=ctx.clock.now(),
            request_id=ctx.request_id,
            account_id=ctx.account_id,
            region=ctx.region,
            principal=ctx.principal.to_dict(),
            access_key_id=ctx.principal.access_key_id,
            source_ip=ctx.source_ip,
            user_agent=ctx.user_agent,
            service=ctx.service,
            operation=ctx.operation,
            request_parameters=params,
            response=output,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            read_only=is_read_only(ctx.operation),
            internal=ctx.internal,
            authorization=ctx.authorization.to_dict() if ctx.authorization is not None else None,
            host=ctx.request.host if ctx.request is not None else None,
            redaction=redaction,
        ))


class _Redaction:
    """What CloudTrail must not see of one operation's parameters and response (see ``redact``)."""

    def __init__(self, operation, hidden: frozenset[str]):
        self.operation = operation
        self.hidden = hidden
        self._walkers: tuple[Walker | None, Walker | None] | None = None  # worked out on the first call

    def __call__(self, params, output):
        walkers = self._walkers
        if walkers is None:
            walkers = self._walkers = (walker_for(self.operation.input_shape, self.hidden),
                                       walker_for(self.operation.output_shape, self.hidden))
        into, out = walkers
        return (params if params is None or into is None else into(params),
                output if output is None or out is None else out(output))


# One per (operation, hidden names), with its walkers: looking them up for every call cost a recorded call 1 µs.
# The operation is kept with its redaction, so its id stays its own.
_redactions: dict[tuple[int, frozenset[str]], _Redaction] = {}
_REDACTIONS = 4096


def _redaction(operation, hidden: frozenset[str]) -> _Redaction:
    key = (id(operation), hidden)
    found = _redactions.get(key)
    if found is None or found.operation is not operation:
        if len(_redactions) >= _REDACTIONS:
            _redactions.clear()
        found = _redactions[key] = _Redaction(operation, hidden)
    return found
