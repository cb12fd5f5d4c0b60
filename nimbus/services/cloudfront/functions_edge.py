"""CloudFront Functions at the edge: a behaviour's viewer-request function sees the viewer's request before
the cache and may change its uri, query string, headers and cookies or answer it itself (a redirect); its
viewer-response function sees the response on its way out and may change its status, headers and cookies.
The event has the shape CloudFront documents (version, context, viewer, request, response). A function
that throws or runs past its time budget is CloudFront's 503."""
from __future__ import annotations

import base64
import dataclasses
import secrets
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, quote

from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

from .documents import Distribution
from .edge import EdgeOps, _edge_headers, _error
from .functions import FunctionOps, associations, find_function, function_name
from .functions_runtime import FunctionOutcome

_FAILED = ("The CloudFront function associated with the CloudFront distribution is invalid or could not run. "
           "We can't connect to the server for this app or website at this time.")


class FunctionFailed(Exception):
    pass


class FunctionEdgeOps(EdgeOps, FunctionOps):
    def serve_behaviour(self, request: HttpRequest, distribution: Distribution, behaviour: dict, path: str,
                        query_string: str) -> HttpResponse:
        functions = associations(behaviour)
        try:
            if "viewer-request" in functions:
                event = _event(distribution, request, path, query_string, "viewer-request")
                returned = self._invoke(distribution, functions["viewer-request"], event)
                if "statusCode" in returned:
                    generated = _response_from(returned, None)
                    generated.headers.update(_edge_headers(distribution["DomainName"], "FunctionGeneratedResponse"))
                    return generated
                request, path, query_string = _request_from(returned, request, path)
            response = super().serve_behaviour(request, distribution, behaviour, path, query_string)
            if "viewer-response" in functions:
                event = _event(distribution, request, path, query_string, "viewer-response", response)
                response = _response_from(self._invoke(distribution, functions["viewer-response"], event), response)
        except FunctionFailed as failure:
            return _error(503, f"{_FAILED} ({failure})")
        return response

    def _invoke(self, distribution: Distribution, arn: str, event: dict) -> dict:
        """What the function's LIVE stage returns for the event."""
        account = distribution["ARN"].split(":")[4]
        function = find_function(self.store, account, function_name(arn))
        if function is None or "Live" not in function:
            raise FunctionFailed("the function no longer exists")
        outcome: FunctionOutcome = self.functions.run(function["Live"]["FunctionCode"], event,
                                                      self.function_kvs(function["Live"]))
        if outcome.error is not None:
            raise FunctionFailed(outcome.error)
        if not isinstance(outcome.value, dict):
            raise FunctionFailed("the function returned no request or response object")
        return outcome.value


def _event(distribution: Distribution, request: HttpRequest, path: str, query_string: str, event_type: str,
           response: HttpResponse | None = None) -> dict:
    cookie_header = request.headers.get("cookie", "")
    headers = {k: v for k, v in request.headers.items() if k != "cookie"}
    event: dict = {
        "version": "1.0",
        "context": {"distributionDomainName": distribution["DomainName"], "distributionId": distribution["Id"],
                    "eventType": event_type, "requestId": secrets.token_urlsafe(42)},
        "viewer": {"ip": request.source_ip},
        "request": {"method": request.method, "uri": path, "querystring": _values(parse_qsl(query_string, True)),
                    "headers": _values(headers.items()), "cookies": _values(_cookies(cookie_header))}}
    if response is not None:
        set_cookie = response.headers.get("set-cookie")
        event["response"] = {
            "statusCode": response.status, "statusDescription": _reason(response.status),
            "headers": _values((k, v) for k, v in response.headers.items() if k != "set-cookie"),
            "cookies": {} if set_cookie is None else _set_cookies(set_cookie)}
    return event


def _request_from(returned: dict, request: HttpRequest, path: str) -> tuple[HttpRequest, str, str]:
    """The viewer's request as the function changed it: the request to serve, its path and query string."""
    uri = str(returned.get("uri", path))
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in _pairs(returned.get("querystring")))
    headers = Headers(_pairs(returned.get("headers")))
    cookies = "; ".join(f"{k}={v}" for k, v in _pairs(returned.get("cookies")))
    if cookies:
        headers["cookie"] = cookies
    return dataclasses.replace(request, headers=headers, query_string=query), uri if uri.startswith("/") else "/" + uri, query


def _response_from(returned: dict, original: HttpResponse | None) -> HttpResponse:
    """A response a function made (a redirect) or changed (headers added on the way out)."""
    headers = Headers(_pairs(returned.get("headers")))
    for name, cookie in (returned.get("cookies") or {}).items():
        attributes = cookie.get("attributes")
        headers.add("set-cookie", f"{name}={cookie.get('value', '')}" + (f"; {attributes}" if attributes else ""))
    body = original.body_bytes() if original is not None else _body(returned.get("body"))
    if original is None or "content-length" in original.headers:
        headers["content-length"] = str(len(body))
    return HttpResponse(int(returned.get("statusCode", original.status if original else 200)), headers, body)


def _body(body) -> bytes:
    """A generated response's body: a string, or ``{data, encoding}`` (``text`` or ``base64``) in 2.0."""
    if body is None:
        return b""
    if isinstance(body, dict):
        data = str(body.get("data", ""))
        return base64.b64decode(data) if body.get("encoding") == "base64" else data.encode()
    return str(body).encode()


def _values(pairs) -> dict:
    """CloudFront's ``{name: {value, multiValue?}}`` form of headers, query strings and cookies."""
    out: dict = {}
    for name, value in pairs:
        if name in out:
            entry = out[name]
            entry.setdefault("multiValue", [{"value": entry["value"]}]).append({"value": value})
        else:
            out[name] = {"value": value}
    return out


def _pairs(values) -> list[tuple[str, str]]:
    """The (name, value) pairs of CloudFront's ``{name: {value, multiValue?}}`` form."""
    out: list[tuple[str, str]] = []
    for name, entry in (values or {}).items():
        many = entry.get("multiValue") if isinstance(entry, dict) else None
        for one in many or [entry]:
            out.append((str(name), str(one.get("value", "")) if isinstance(one, dict) else str(one)))
    return out


def _cookies(header: str) -> list[tuple[str, str]]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return []
    return [(name, morsel.value) for name, morsel in jar.items()]


def _set_cookies(header: str) -> dict:
    name, _, rest = header.partition("=")
    value, _, attributes = rest.partition(";")
    return {name.strip(): {"value": value.strip(), "attributes": attributes.strip()}}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
