"""Platform applications (APNs, FCM, ADM, Baidu, MPNS, WNS) and their endpoints, and publishing to an
endpoint directly (``TargetArn``)."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import (
    applications_ns,
    authorization_error,
    endpoints_ns,
    invalid_parameter,
    not_found,
    page_after,
)
from .documents import PLATFORM_APPLICATION, PLATFORM_ENDPOINT, PlatformApplication, PlatformEndpoint
from .platform_delivery import application_of, endpoint_of, push_record, split_resource_arn
from .platform_rules import (
    APP_NAME,
    SECRET_ATTRIBUTES,
    check_application_attributes,
    check_endpoint_attributes,
    check_platform,
)
from .state import SnsState


def _shown(application: PlatformApplication) -> dict[str, str]:
    attributes = {k: v for k, v in application["Attributes"].items() if k not in SECRET_ATTRIBUTES}
    attributes.setdefault("Enabled", "true")
    return attributes


class PlatformOps(SnsState):
    # -- applications ------------------------------------------------------------

    def create_platform_application(self, ctx: RequestContext, params: dict) -> dict:
        name, platform = params["Name"], params["Platform"]
        if not APP_NAME.match(name):
            raise invalid_parameter("Name Reason: must contain only alphanumeric characters, hyphens, underscores "
                                    "and periods, and be 1 to 256 characters long")
        check_platform(platform)
        attributes = dict(params.get("Attributes") or {})
        check_application_attributes(platform, attributes, creating=True)
        arn = ctx.arn(f"app/{platform}/{name}")
        application = PlatformApplication(Name=name, Platform=platform, PlatformApplicationArn=arn,
                                          Attributes={"Enabled": "true", **attributes})
        # Creating it again replaces its attributes and keeps its endpoints, as AWS does.
        PLATFORM_APPLICATION.put(self.store, applications_ns(ctx.account_id, ctx.region), f"{platform}/{name}",
                                 application)
        return {"PlatformApplicationArn": arn}

    def get_platform_application_attributes(self, ctx: RequestContext, params: dict) -> dict:
        return {"Attributes": _shown(self._application(ctx, params["PlatformApplicationArn"],
                                                       "SNS:GetPlatformApplicationAttributes"))}

    def set_platform_application_attributes(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            application = self._application(ctx, params["PlatformApplicationArn"], "SNS:SetPlatformApplicationAttributes")
            given = dict(params.get("Attributes") or {})
            merged = {**application["Attributes"], **given}
            if "PlatformPrincipal" in given or "PlatformCredential" in given:
                check_application_attributes(application["Platform"], merged, creating=True)
            else:
                check_application_attributes(application["Platform"], given, creating=False)
            application["Attributes"] = merged
            self._save_application(application)
        return {}

    def list_platform_applications(self, ctx: RequestContext, params: dict) -> dict:
        applications = [{"PlatformApplicationArn": a["PlatformApplicationArn"], "Attributes": _shown(a)}
                        for _, a in PLATFORM_APPLICATION.scan(self.store, applications_ns(ctx.account_id, ctx.region))]
        chunk, token = page_after(applications, lambda a: a["PlatformApplicationArn"], params.get("NextToken"))
        return {"PlatformApplications": chunk, **({"NextToken": token} if token else {})}

    def delete_platform_application(self, ctx: RequestContext, params: dict) -> dict:
        account, region, key = self._own(ctx, params["PlatformApplicationArn"], "app", "SNS:DeletePlatformApplication")
        with self.store.transaction():
            for endpoint_key, _ in PLATFORM_ENDPOINT.scan(self.store, endpoints_ns(account, region), prefix=f"{key}/"):
                self.store.delete(endpoints_ns(account, region), endpoint_key)
            self.store.delete(applications_ns(account, region), key)  # deleting a missing one succeeds
        return {}

    # -- endpoints ---------------------------------------------------------------

    def create_platform_endpoint(self, ctx: RequestContext, params: dict) -> dict:
        token = params.get("Token") or ""
        if not token:
            raise invalid_parameter("Token Reason: cannot be empty")
        attributes = dict(params.get("Attributes") or {})
        check_endpoint_attributes(attributes)
        wanted = {"Enabled": "true", **attributes, "Token": token}
        if params.get("CustomUserData") is not None:
            wanted["CustomUserData"] = params["CustomUserData"]
        check_endpoint_attributes(wanted)
        with self.store.transaction():
            application = self._application(ctx, params["PlatformApplicationArn"], "SNS:CreatePlatformEndpoint")
            account, region, app_key = split_resource_arn(application["PlatformApplicationArn"], "app",
                                                          "PlatformApplicationArn")
            for _, existing in PLATFORM_ENDPOINT.scan(self.store, endpoints_ns(account, region), prefix=f"{app_key}/"):
                if existing["Attributes"]["Token"] != token:
                    continue
                # The same token again is the same endpoint, unless the request asks for something else.
                if existing["Attributes"] != wanted:
                    raise invalid_parameter(f"Token Reason: Endpoint {existing['EndpointArn']} already exist with "
                                            "the same Token, but different attributes.")
                return {"EndpointArn": existing["EndpointArn"]}
            key = f"{app_key}/{uuid.uuid4()}"
            arn = f"arn:aws:sns:{region}:{account}:endpoint/{key}"
            PLATFORM_ENDPOINT.put(self.store, endpoints_ns(account, region), key, PlatformEndpoint(
                EndpointArn=arn, PlatformApplicationArn=application["PlatformApplicationArn"], Attributes=wanted))
        return {"EndpointArn": arn}

    def get_endpoint_attributes(self, ctx: RequestContext, params: dict) -> dict:
        return {"Attributes": dict(self._endpoint(ctx, params["EndpointArn"], "SNS:GetEndpointAttributes")["Attributes"])}

    def set_endpoint_attributes(self, ctx: RequestContext, params: dict) -> dict:
        given = dict(params.get("Attributes") or {})
        check_endpoint_attributes(given)
        with self.store.transaction():
            endpoint = self._endpoint(ctx, params["EndpointArn"], "SNS:SetEndpointAttributes")
            endpoint["Attributes"].update(given)
            account, region, key = split_resource_arn(endpoint["EndpointArn"], "endpoint", "EndpointArn")
            PLATFORM_ENDPOINT.put(self.store, endpoints_ns(account, region), key, endpoint)
        return {}

    def list_endpoints_by_platform_application(self, ctx: RequestContext, params: dict) -> dict:
        application = self._application(ctx, params["PlatformApplicationArn"],
                                        "SNS:ListEndpointsByPlatformApplication")
        account, region, app_key = split_resource_arn(application["PlatformApplicationArn"], "app",
                                                      "PlatformApplicationArn")
        endpoints = [{"EndpointArn": e["EndpointArn"], "Attributes": e["Attributes"]}
                     for _, e in PLATFORM_ENDPOINT.scan(self.store, endpoints_ns(account, region), prefix=f"{app_key}/")]
        chunk, token = page_after(endpoints, lambda e: e["EndpointArn"], params.get("NextToken"))
        return {"Endpoints": chunk, **({"NextToken": token} if token else {})}

    def delete_endpoint(self, ctx: RequestContext, params: dict) -> dict:
        account, region, key = self._own(ctx, params["EndpointArn"], "endpoint", "SNS:DeleteEndpoint")
        self.store.delete(endpoints_ns(account, region), key)  # deleting a missing one succeeds, as in AWS
        return {}

    # -- publishing to one endpoint ---------------------------------------------------

    def publish_to_endpoint(self, ctx: RequestContext, params: dict, published: dict) -> dict:
        self._own(ctx, params["TargetArn"], "endpoint", "SNS:Publish")
        endpoint = endpoint_of(self.store, params["TargetArn"])
        if endpoint is None:
            raise not_found("Endpoint does not exist")
        application = application_of(self.store, endpoint["PlatformApplicationArn"])
        if application is not None and application["Attributes"].get("Enabled", "true") != "true":
            raise ServiceError("PlatformApplicationDisabled", "Platform application is disabled.")
        if endpoint["Attributes"].get("Enabled") != "true":
            raise ServiceError("EndpointDisabled", "Endpoint is disabled")
        record = push_record(self.store, endpoint, published, ctx.clock.time())
        if record is not None:
            self.store.put(*record)
        return {"MessageId": published["MessageId"]}

    # -- lookups -------------------------------------------------------------------

    def _own(self, ctx: RequestContext, arn: str, kind: str, action: str) -> tuple[str, str, str]:
        """(account, region, key) of an application or endpoint of the caller's own account and region:
        another account's is refused (these resources have no policy to share them), another region's
        is not found from here."""
        param = "PlatformApplicationArn" if kind == "app" else "EndpointArn"
        account, region, key = split_resource_arn(arn, kind, param)
        if account != ctx.account_id:
            raise authorization_error(f"User: {ctx.principal.arn} is not authorized to perform: {action} on "
                                      f"resource: {arn}")
        if region != ctx.region:
            raise not_found("PlatformApplication does not exist" if kind == "app" else "Endpoint does not exist")
        return account, region, key

    def _application(self, ctx: RequestContext, arn: str, action: str) -> PlatformApplication:
        self._own(ctx, arn, "app", action)
        application = application_of(self.store, arn)
        if application is None:
            raise not_found("PlatformApplication does not exist")
        return application

    def _endpoint(self, ctx: RequestContext, arn: str, action: str) -> PlatformEndpoint:
        account, region, key = self._own(ctx, arn, "endpoint", action)
        endpoint = PLATFORM_ENDPOINT.get(self.store, endpoints_ns(account, region), key)
        if endpoint is None:
            raise not_found("Endpoint does not exist")
        return endpoint

    def _save_application(self, application: PlatformApplication) -> None:
        account, region, key = split_resource_arn(application["PlatformApplicationArn"], "app",
                                                  "PlatformApplicationArn")
        PLATFORM_APPLICATION.put(self.store, applications_ns(account, region), key, application)
