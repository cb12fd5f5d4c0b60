"""OpenID Connect identity providers: the issuers whose tokens STS AssumeRoleWithWebIdentity accepts.

A provider is its issuer URL (``https://``, or ``http://`` for nimbus's own test issuer under
``/_nimbus/oidc/``), the audiences (client ids) its tokens may name and the thumbprints of its TLS
certificate, which AWS no longer needs for most issuers and nimbus keeps as given.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import (
    already_exists,
    checked_tags,
    limit_exceeded,
    no_such_entity,
    ns,
    paged_output,
    tags_output,
)
from nimbus.services.iam.documents import OIDC_PROVIDER, OidcProvider
from nimbus.services.iam.oidc_context import (
    apply_update,
    checked_context_provider,
    checked_instance,
    invalid_input,
)
from nimbus.services.iam.saml_providers import retag
from nimbus.services.iam.state import IamState

THUMBPRINT = re.compile(r"[0-9a-fA-F]{40}")
MAX_THUMBPRINTS = 5
MAX_CLIENT_IDS = 100
LOCAL_ISSUER = "/_nimbus/oidc/"


def _url(url: str) -> str:
    """The issuer as IAM keeps it: host and path, without scheme or trailing slash."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.path.startswith(LOCAL_ISSUER)
    if not (parts.scheme == "https" or local) or not parts.netloc or parts.query or parts.fragment:
        raise invalid_input("Invalid openid connect provider URL. The URL must begin with https://")
    return (parts.netloc + parts.path).rstrip("/")


def _thumbprints(values: list[str]) -> list[str]:
    if len(values) > MAX_THUMBPRINTS:
        raise limit_exceeded(f"Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {MAX_THUMBPRINTS}")
    for value in values:
        if not THUMBPRINT.fullmatch(value):
            raise ServiceError("ValidationError", f"1 validation error detected: Value '{value}' at "
                               "'thumbprintList' failed to satisfy constraint: Member must have length "
                               "greater than or equal to 40", status=400)
    return values


def oidc_output(provider: OidcProvider) -> dict:
    return {"Url": provider["Url"], "ClientIDList": provider["ClientIDList"],
            "ThumbprintList": provider["ThumbprintList"], "CreateDate": timestamp(provider["CreateDate"]),
            "Tags": tags_output(provider["Tags"]),
            **{k: provider[k] for k in ("ContextProvider", "IdentityCenterInstanceArn") if k in provider}}  # type: ignore[literal-required]


class OidcProviderOps(IamState):
    def create_open_id_connect_provider(self, ctx: RequestContext, params: dict) -> dict:
        url = _url(params["Url"])
        client_ids = list(dict.fromkeys(params.get("ClientIDList", [])))
        if len(client_ids) > MAX_CLIENT_IDS:
            raise limit_exceeded(f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}")
        arn = ctx.arn(f"oidc-provider/{url}")
        provider: OidcProvider = {"Arn": arn, "Url": url, "ClientIDList": client_ids,
                                  "ThumbprintList": _thumbprints(params.get("ThumbprintList", [])),
                                  "CreateDate": ctx.clock.time(), "Tags": checked_tags(params.get("Tags", []))}
        if "ContextProvider" in params:
            provider["ContextProvider"] = checked_context_provider(params["ContextProvider"])
        if "IdentityCenterInstanceArn" in params:
            provider["IdentityCenterInstanceArn"] = checked_instance(params["IdentityCenterInstanceArn"])
        with self.store.transaction():
            if OIDC_PROVIDER.get(self.store, ns(ctx.account_id, "oidc_providers"), arn):
                raise already_exists(f"Provider with url {params['Url']} already exists.")
            OIDC_PROVIDER.put(self.store, ns(ctx.account_id, "oidc_providers"), arn, provider)
        return {"OpenIDConnectProviderArn": arn, "Tags": tags_output(provider["Tags"])}

    def get_open_id_connect_provider(self, ctx: RequestContext, params: dict) -> dict:
        return oidc_output(self._oidc(ctx, params["OpenIDConnectProviderArn"]))

    def list_open_id_connect_providers(self, ctx: RequestContext, params: dict) -> dict:
        providers = [p for _, p in OIDC_PROVIDER.scan(self.store, ns(ctx.account_id, "oidc_providers"))]
        return {"OpenIDConnectProviderList": [{"Arn": p["Arn"]} for p in providers]}

    def delete_open_id_connect_provider(self, ctx: RequestContext, params: dict) -> dict:
        provider = self._oidc(ctx, params["OpenIDConnectProviderArn"])
        self.store.delete(ns(ctx.account_id, "oidc_providers"), provider["Arn"])
        return {}

    def add_client_id_to_open_id_connect_provider(self, ctx: RequestContext, params: dict) -> dict:
        def add(provider: OidcProvider) -> None:
            if params["ClientID"] not in provider["ClientIDList"]:
                if len(provider["ClientIDList"]) >= MAX_CLIENT_IDS:
                    raise limit_exceeded(f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: "
                                         f"{MAX_CLIENT_IDS}")
                provider["ClientIDList"].append(params["ClientID"])
        return self._change_oidc(ctx, params, add)

    def remove_client_id_from_open_id_connect_provider(self, ctx: RequestContext, params: dict) -> dict:
        def remove(provider: OidcProvider) -> None:
            provider["ClientIDList"] = [c for c in provider["ClientIDList"] if c != params["ClientID"]]
        return self._change_oidc(ctx, params, remove)

    def update_open_id_connect_provider_thumbprint(self, ctx: RequestContext, params: dict) -> dict:
        def update(provider: OidcProvider) -> None:
            provider["ThumbprintList"] = _thumbprints(params["ThumbprintList"])
        return self._change_oidc(ctx, params, update)

    def update_open_id_connect_provider(self, ctx: RequestContext, params: dict) -> dict:
        return self._change_oidc(ctx, params, lambda provider: apply_update(provider, params))

    def tag_open_id_connect_provider(self, ctx, params): return self._change_oidc(ctx, params, retag(params))  # noqa
    def untag_open_id_connect_provider(self, ctx, params): return self._change_oidc(ctx, params, retag(params))  # noqa

    def list_open_id_connect_provider_tags(self, ctx: RequestContext, params: dict) -> dict:
        provider = self._oidc(ctx, params["OpenIDConnectProviderArn"])
        return paged_output(provider["Tags"], params, lambda t: t["Key"], "Tags", dict)

    def _oidc(self, ctx: RequestContext, arn: str) -> OidcProvider:
        provider = OIDC_PROVIDER.get(self.store, ns(ctx.account_id, "oidc_providers"), arn)
        if provider is None:
            raise no_such_entity(f"OpenIDConnect Provider not found for arn {arn}")
        return provider

    def _change_oidc(self, ctx: RequestContext, params: dict, change) -> dict:
        with self.store.transaction():
            provider = self._oidc(ctx, params["OpenIDConnectProviderArn"])
            change(provider)
            OIDC_PROVIDER.put(self.store, ns(ctx.account_id, "oidc_providers"), provider["Arn"], provider)
        return {}
