"""SAML providers: the identity providers whose signed SAML responses STS AssumeRoleWithSAML accepts."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.saml_metadata import signing_certificates, valid_until
from nimbus.core.times import timestamp
from nimbus.services.iam.common import (
    already_exists,
    checked_tags,
    merge_tags,
    no_such_entity,
    ns,
    paged_output,
    tags_output,
)
from nimbus.services.iam.documents import SAML_PROVIDER, SamlProvider
from nimbus.services.iam.state import IamState


def retag(params: dict):
    """The change TagX (``Tags``) or UntagX (``TagKeys``) makes to a provider's tags."""
    def change(provider) -> None:
        if "Tags" in params:
            provider["Tags"] = merge_tags(provider["Tags"], params["Tags"])
        else:
            provider["Tags"] = [t for t in provider["Tags"] if t["Key"] not in params["TagKeys"]]
    return change


class SamlProviderOps(IamState):
    def create_saml_provider(self, ctx: RequestContext, params: dict) -> dict:
        document = params["SAMLMetadataDocument"]
        signing_certificates(document)
        arn = ctx.arn(f"saml-provider/{params['Name']}")
        provider: SamlProvider = {"Arn": arn, "SAMLMetadataDocument": document, "CreateDate": ctx.clock.time(),
                                  "ValidUntil": valid_until(document), "Tags": checked_tags(params.get("Tags", []))}
        with self.store.transaction():
            if SAML_PROVIDER.get(self.store, ns(ctx.account_id, "saml_providers"), arn):
                raise already_exists(f"SAMLProvider {params['Name']} already exists")
            SAML_PROVIDER.put(self.store, ns(ctx.account_id, "saml_providers"), arn, provider)
        return {"SAMLProviderArn": arn, "Tags": tags_output(provider["Tags"])}

    def get_saml_provider(self, ctx: RequestContext, params: dict) -> dict:
        provider = self._saml(ctx, params["SAMLProviderArn"])
        output = {"SAMLMetadataDocument": provider["SAMLMetadataDocument"],
                  "CreateDate": timestamp(provider["CreateDate"]), "Tags": tags_output(provider["Tags"])}
        if provider["ValidUntil"] is not None:
            output["ValidUntil"] = timestamp(provider["ValidUntil"])
        return output

    def list_saml_providers(self, ctx: RequestContext, params: dict) -> dict:
        providers = [p for _, p in SAML_PROVIDER.scan(self.store, ns(ctx.account_id, "saml_providers"))]
        return {"SAMLProviderList": [{"Arn": p["Arn"], "CreateDate": timestamp(p["CreateDate"]),
                                      **({"ValidUntil": timestamp(p["ValidUntil"])} if p["ValidUntil"] else {})}
                                     for p in providers]}

    def update_saml_provider(self, ctx: RequestContext, params: dict) -> dict:
        document = params.get("SAMLMetadataDocument")

        def update(provider: SamlProvider) -> None:
            if document:
                signing_certificates(document)
                provider["SAMLMetadataDocument"], provider["ValidUntil"] = document, valid_until(document)
        self._change_saml(ctx, params, update)
        return {"SAMLProviderArn": params["SAMLProviderArn"]}

    def delete_saml_provider(self, ctx: RequestContext, params: dict) -> dict:
        provider = self._saml(ctx, params["SAMLProviderArn"])
        self.store.delete(ns(ctx.account_id, "saml_providers"), provider["Arn"])
        return {}

    def tag_saml_provider(self, ctx, params): return self._change_saml(ctx, params, retag(params))  # noqa: E704
    def untag_saml_provider(self, ctx, params): return self._change_saml(ctx, params, retag(params))  # noqa: E704

    def list_saml_provider_tags(self, ctx: RequestContext, params: dict) -> dict:
        provider = self._saml(ctx, params["SAMLProviderArn"])
        return paged_output(provider["Tags"], params, lambda t: t["Key"], "Tags", dict)

    def _saml(self, ctx: RequestContext, arn: str) -> SamlProvider:
        provider = SAML_PROVIDER.get(self.store, ns(ctx.account_id, "saml_providers"), arn)
        if provider is None:
            raise no_such_entity(f"SAMLProvider {arn.rpartition('/')[2]} does not exist.")
        return provider

    def _change_saml(self, ctx: RequestContext, params: dict, change) -> dict:
        with self.store.transaction():
            provider = self._saml(ctx, params["SAMLProviderArn"])
            change(provider)
            SAML_PROVIDER.put(self.store, ns(ctx.account_id, "saml_providers"), provider["Arn"], provider)
        return {}
