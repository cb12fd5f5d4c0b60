"""Find the (service, operation, protocol) a request is for.

The cheap hints come first: the SigV4 scope's signing name, the X-Amz-Target
header, the query ``Action``, the rpc-v2-cbor path, and for the rest protocols
the model's URI templates and methods.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from botocore.model import ServiceModel

from nimbus.core.registry import ServiceRegistry
from nimbus.protocol.errors import ServiceError, UnknownOperation
from nimbus.protocol.http import HttpRequest
from nimbus.protocol.uri import UriTemplate, template_for

CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
FORM_TYPE = "application/x-www-form-urlencoded"
REST_PROTOCOLS = ("rest-json", "rest-xml")
QUERY_PROTOCOLS = ("query", "ec2")


@dataclass
class Route:
    service: str
    operation: str
    protocol: str
    labels: dict[str, str] = field(default_factory=dict)


class UnknownService(ServiceError):
    def __init__(self, message: str):
        super().__init__("UnknownServiceException", message, status=400, sender_fault=True)


class RestRoutes:
    """The URI templates of one rest service, most specific first."""

    def __init__(self, model: ServiceModel):
        routes = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            if "requestUri" in http:
                routes.append((http.get("method", "POST").upper(), template_for(http["requestUri"]), name))
        routes.sort(key=lambda r: r[1].specificity, reverse=True)
        self.routes = routes
        # The same order per method: the first of the request's method that matches is the answer, and the
        # other methods' templates are tried only to name what a 405 allows.
        self.by_method: dict[str, list[tuple[UriTemplate, str]]] = {}
        for route_method, template, name in routes:
            self.by_method.setdefault(route_method, []).append((template, name))

    def match(self, method: str, raw_path: str, query: dict[str, str]) -> tuple[str, dict[str, str]] | None:
        for template, name in self.by_method.get(method, ()):
            labels = template.match(raw_path, query)
            if labels is not None:
                return name, labels
        allowed: set[str] = set()
        for route_method, template, name in self.routes:
            labels = template.match(raw_path, query)
            if labels is None:
                continue
            if route_method == method:
                return name, labels
            allowed.add(route_method)
        if allowed:
            error = ServiceError("MethodNotAllowed", f"The specified method {method} is not allowed against this "
                                 "resource.", status=405)
            error.headers["Allow"] = ", ".join(sorted(allowed))  # a 405 names what the resource allows (RFC 9110)
            raise error
        return None


def _owners(registry: ServiceRegistry, request: HttpRequest) -> list[str]:
    """Services that claim the request although another shares their signing name (traits.owns_request)."""
    return [name for name, owns in registry.request_owners if owns(request)]


@functools.cache
def rest_routes(model: ServiceModel) -> RestRoutes:
    """One service's route table, built on its first rest request (models are loaded once)."""
    return RestRoutes(model)


def query_action(request: HttpRequest) -> str | None:
    action = request.query.get("Action")
    if action is None and request.method == "POST" and FORM_TYPE in request.headers.get("content-type", ""):
        action = request.form().get("Action")
    return action


# Signing names of no model of their own: S3 Express One Zone's calls are operations of the s3 model.
SIGNING_ALIASES = {"s3express": "s3"}


def route_request(request: HttpRequest, registry: ServiceRegistry, signing_name: str | None) -> Route:
    candidates = registry.by_signing_name(SIGNING_ALIASES.get(signing_name, signing_name)) if signing_name else []
    if signing_name and not candidates:
        raise UnknownService(f"nimbus does not serve the service '{signing_name}'.")
    candidates = _owners(registry, request) or candidates

    cbor = CBOR_PATH.match(request.path) if request.headers.get("smithy-protocol") == "rpc-v2-cbor" else None
    if cbor:
        service = _by_target_prefix(registry, candidates, cbor.group(1))
        return _checked(registry, Route(service, cbor.group(2), "smithy-rpc-v2-cbor"))

    target = request.headers.get("x-amz-target")
    if target:
        prefix, _, operation = target.rpartition(".")
        service = _by_target_prefix(registry, candidates, prefix)
        return _checked(registry, Route(service, operation, "json"))

    action = query_action(request)
    if action is not None:
        if not candidates:
            candidates = registry.with_protocol_operation(set(QUERY_PROTOCOLS), action)
        for name in candidates:
            protocols = registry.get(name).info.protocols
            protocol = next((p for p in protocols if p in QUERY_PROTOCOLS), None)
            if protocol:
                return _checked(registry, Route(name, action, protocol))

    if not candidates:  # an unsigned request with no other hint: a service open to anonymous callers
        candidates = registry.with_traits(lambda traits: traits.anonymous_access)
    for name in candidates:
        loaded = registry.get(name)
        protocol = next((p for p in loaded.info.protocols if p in REST_PROTOCOLS), None)
        if protocol is None:
            continue
        traits = loaded.traits
        if traits.path_style is not None:
            request.path = traits.path_style(request)  # the parser reads labels from the path too
        found = rest_routes(loaded.model).match(request.method, request.path, request.query)
        if found:
            operation = found[0] if traits.refine_operation is None else traits.refine_operation(request, found[0])
            return Route(name, operation, protocol, found[1])
        raise UnknownOperation(f"No operation of {name} matches {request.method} {request.path}.",
                               code="UnknownOperationException", status=404)
    if action is not None:
        raise UnknownOperation(f"The action {action} is not valid for this web service.", code="InvalidAction")
    if candidates:
        # A query service's request without a readable Action (e.g. a body that is not form-encoded).
        raise UnknownOperation("Missing Action: send it in the query string or a form-encoded body.",
                               code="MissingAction")
    raise UnknownService("Could not determine the service this request is for: sign it with SigV4 or send X-Amz-Target.")


def _by_target_prefix(registry: ServiceRegistry, candidates: list[str], prefix: str) -> str:
    for name in candidates:
        if registry.info(name).target_prefix == prefix:
            return name
    service = registry.by_target_prefix(prefix)
    if service is None or (candidates and service not in candidates and not _signs_as(registry, service, candidates)):
        raise UnknownOperation(f"Unknown target prefix '{prefix}'.")
    return service


def _signs_as(registry: ServiceRegistry, service: str, candidates: list[str]) -> bool:
    """``service`` shares the candidates' signing name (kinesisanalyticsv2 signs as kinesisanalytics, whose
    own name the signing-name lookup answers first)."""
    return registry.info(service).signing_name in {registry.info(name).signing_name for name in candidates}


def _checked(registry: ServiceRegistry, route: Route) -> Route:
    service = registry.get(route.service)
    if route.operation not in service.operations:
        if route.protocol in QUERY_PROTOCOLS:
            raise UnknownOperation(f"The action {route.operation} is not valid for this web service.", code="InvalidAction")
        raise UnknownOperation(f"The operation {route.operation} is not known to {route.service}.")
    if route.protocol not in service.info.protocols and not (
        route.protocol == "json" and "smithy-rpc-v2-cbor" in service.info.protocols
    ):
        raise UnknownOperation(f"{route.service} does not speak the {route.protocol} protocol.")
    return route
