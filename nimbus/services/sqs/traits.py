"""SQS's differences in the shared request path: the query protocol its older clients speak, with the queue
named by the URL a request is posted to, and ReceiveMessage's legacy ``AttributeNames``."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits

from .query_model import query_model


def _legacy_input(ctx, params: dict) -> dict:
    """A query request posted to a queue's URL names its queue so; SDKs from before 2024 ask for message system
    attributes (ApproximateReceiveCount...) in AttributeNames, which the model now types as queue attribute
    names: AWS still serves them, as MessageSystemAttributeNames."""
    request = ctx.request
    if request is not None and "QueueUrl" not in params and request.path.count("/") == 2 and \
            ctx.operation_model.input_shape is not None and "QueueUrl" in ctx.operation_model.input_shape.members:
        params = {**params, "QueueUrl": f"{request.scheme}://{request.headers.get('host', '')}{request.path}"}
    if ctx.operation != "ReceiveMessage" or not params.get("AttributeNames"):
        return params
    names = list(params.get("MessageSystemAttributeNames") or [])
    names += [n for n in params["AttributeNames"] if n not in names]
    return {**{k: v for k, v in params.items() if k != "AttributeNames"}, "MessageSystemAttributeNames": names}


TRAITS = ServiceTraits(normalize_input=_legacy_input, query_model=query_model)
