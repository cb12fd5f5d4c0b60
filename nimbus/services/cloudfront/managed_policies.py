"""AWS's managed cache, origin request and response headers policies, under their real ids and with the
settings AWS documents for them ("Use managed cache policies", "Use managed origin request policies",
"Use managed response headers policies" in the CloudFront Developer Guide)."""
from __future__ import annotations


def _names(items: list[str]) -> dict:
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


def _cache(name: str, comment: str, ttls: tuple[int, int, int], gzip: bool, brotli: bool,
           headers: list[str] = (), cookies: str = "none", query: str = "none", query_names: list[str] = ()) -> dict:
    low, default, high = ttls
    headers_config: dict = {"HeaderBehavior": "whitelist" if headers else "none"}
    if headers:
        headers_config["Headers"] = _names(list(headers))
    query_config: dict = {"QueryStringBehavior": query}
    if query_names:
        query_config["QueryStrings"] = _names(list(query_names))
    return {"Name": name, "Comment": comment, "MinTTL": low, "DefaultTTL": default, "MaxTTL": high,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": gzip, "EnableAcceptEncodingBrotli": brotli,
                "HeadersConfig": headers_config, "CookiesConfig": {"CookieBehavior": cookies},
                "QueryStringsConfig": query_config}}


_ORIGIN_CACHE_CONTROL_HEADERS = ["host", "origin", "x-http-method-override", "x-http-method", "x-method-override"]
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

MANAGED_CACHE_POLICIES = {
    CACHING_OPTIMIZED: _cache("Managed-CachingOptimized", "Policy with caching enabled. Supports Gzip and "
                              "Brotli compression.", (1, 86400, 31536000), True, True),
    CACHING_DISABLED: _cache("Managed-CachingDisabled", "Policy with caching disabled", (0, 0, 0), False, False),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": _cache(
        "Managed-CachingOptimizedForUncompressedObjects", "Default policy when compression is disabled",
        (1, 86400, 31536000), False, False),
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": _cache(
        "Managed-Elemental-MediaPackage", "Policy for Elemental MediaPackage Origin", (0, 86400, 31536000),
        True, False, headers=["origin"], query="whitelist", query_names=["aws.manifestfilter", "start", "end", "m"]),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": _cache(
        "Managed-UseOriginCacheControlHeaders", "Policy for origins that return Cache-Control headers. Query "
        "strings are not included in the cache key.", (0, 0, 31536000), True, True,
        headers=_ORIGIN_CACHE_CONTROL_HEADERS, cookies="all"),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": _cache(
        "Managed-UseOriginCacheControlHeaders-QueryStrings", "Policy for origins that return Cache-Control "
        "headers and serve different content based on query strings.", (0, 0, 31536000), True, True,
        headers=_ORIGIN_CACHE_CONTROL_HEADERS, cookies="all", query="all"),
}

_CLOUDFRONT_HEADERS_2022 = [
    "CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-IOS-Viewer", "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer",
    "CloudFront-Is-Tablet-Viewer", "CloudFront-Viewer-Address", "CloudFront-Viewer-ASN", "CloudFront-Viewer-City",
    "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Name", "CloudFront-Viewer-Country-Region",
    "CloudFront-Viewer-Country-Region-Name", "CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Latitude",
    "CloudFront-Viewer-Longitude", "CloudFront-Viewer-Metro-Code", "CloudFront-Viewer-Postal-Code",
    "CloudFront-Viewer-Time-Zone", "CloudFront-Viewer-TLS"]


def _origin_request(name: str, comment: str, headers: str, header_names: list[str] = (), cookies: str = "none",
                    query: str = "none") -> dict:
    headers_config: dict = {"HeaderBehavior": headers}
    if header_names:
        headers_config["Headers"] = _names(list(header_names))
    return {"Name": name, "Comment": comment, "HeadersConfig": headers_config,
            "CookiesConfig": {"CookieBehavior": cookies}, "QueryStringsConfig": {"QueryStringBehavior": query}}


MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": _origin_request(
        "Managed-AllViewer", "Policy to forward all parameters in viewer requests", "allViewer", cookies="all",
        query="all"),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": _origin_request(
        "Managed-AllViewerExceptHostHeader", "Policy to forward all parameters in viewer requests except for the "
        "Host header", "allExcept", ["host"], cookies="all", query="all"),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": _origin_request(
        "Managed-CORS-S3Origin", "Policy for origin request to enable CORS when the origin is S3", "whitelist",
        ["origin", "access-control-request-headers", "access-control-request-method"]),
    "59781a5b-3903-41f3-afcb-af62929ccde1": _origin_request(
        "Managed-CORS-CustomOrigin", "Policy for origin request to enable CORS when the origin is a custom "
        "origin", "whitelist", ["origin"]),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": _origin_request(
        "Managed-UserAgentRefererHeaders", "Policy to forward user-agent and referer headers to origin",
        "whitelist", ["user-agent", "referer"]),
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": _origin_request(
        "Managed-AllViewerAndCloudFrontHeaders-2022-06", "Policy to forward all parameters in viewer requests "
        "and all CloudFront headers released through June 2022", "allViewerAndWhitelistCloudFront",
        _CLOUDFRONT_HEADERS_2022, cookies="all", query="all"),
}


def _listed(items: list[str]) -> dict:
    return {"Quantity": len(items), "Items": items}


_SIMPLE_CORS = {"AccessControlAllowOrigins": _listed(["*"]), "AccessControlAllowHeaders": _listed(["*"]),
                "AccessControlAllowMethods": _listed(["ALL"]), "AccessControlAllowCredentials": False,
                "AccessControlExposeHeaders": _listed(["*"]), "OriginOverride": False}
_PREFLIGHT_CORS = {**_SIMPLE_CORS, "AccessControlAllowMethods": _listed(
    ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"])}
_SECURITY = {
    "XSSProtection": {"Override": False, "Protection": True, "ModeBlock": True},
    "FrameOptions": {"Override": False, "FrameOption": "SAMEORIGIN"},
    "ReferrerPolicy": {"Override": False, "ReferrerPolicy": "strict-origin-when-cross-origin"},
    "ContentTypeOptions": {"Override": True},
    "StrictTransportSecurity": {"Override": False, "IncludeSubdomains": False, "Preload": False,
                                "AccessControlMaxAgeSec": 31536000}}


def _response_headers(name: str, comment: str, cors: dict | None = None, security: dict | None = None) -> dict:
    config: dict = {"Name": name, "Comment": comment}
    if cors is not None:
        config["CorsConfig"] = cors
    if security is not None:
        config["SecurityHeadersConfig"] = security
    return config


MANAGED_RESPONSE_HEADERS_POLICIES = {
    "60669652-455b-4ae9-85a4-c4c02393f86c": _response_headers(
        "Managed-SimpleCORS", "Allows all origins for simple CORS requests", cors=_SIMPLE_CORS),
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": _response_headers(
        "Managed-CORS-With-Preflight", "Allows all origins for CORS requests, including preflight requests",
        cors=_PREFLIGHT_CORS),
    "67f7725c-6f97-4210-82d7-5512b31e9d03": _response_headers(
        "Managed-SecurityHeadersPolicy", "Adds a set of security headers to every response", security=_SECURITY),
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": _response_headers(
        "Managed-CORS-and-SecurityHeadersPolicy", "Allows all origins for simple CORS requests and adds security "
        "headers", cors=_SIMPLE_CORS, security=_SECURITY),
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": _response_headers(
        "Managed-CORS-with-preflight-and-SecurityHeadersPolicy", "Allows all origins for CORS requests, including "
        "preflight requests, and adds security headers", cors=_PREFLIGHT_CORS, security=_SECURITY),
}
