"""Work begun on the event loop that turns out to need a worker thread.

A request for an operation that runs on the event loop (gateway/on_loop.py) is answered there only while its
work stays in memory. A provider that finds otherwise (S3 GetObject of a large object, a blob not in the page
cache, a lifecycle sweep that falls due) raises ``NeedsThread`` before it has changed anything; the dispatcher
records nothing for that attempt and the gateway handles the request again, whole, on a worker thread. A
BaseException, like ``AnsweredElsewhere``: no provider's ``except Exception`` takes it for a failure.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext


class NeedsThread(BaseException):
    def __init__(self, why: str):
        super().__init__(why)


def on_event_loop(ctx: RequestContext) -> bool:
    """Whether ``ctx``'s request is being answered on the event loop (where no wait may happen)."""
    return ctx.request is not None and ctx.request.on_loop


def leave_event_loop(ctx: RequestContext, why: str) -> None:
    """Raise ``NeedsThread`` if ``ctx``'s request is on the event loop: what follows may wait (``why``)."""
    if on_event_loop(ctx):
        raise NeedsThread(why)
