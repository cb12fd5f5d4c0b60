"""Service-specific credentials: a user name and password for CodeCommit's Git over HTTPS or Amazon
Keyspaces (Cassandra), or an API key for Bedrock, at most 2 per service and user. The secret is answered
once (create and reset) and never kept, as in AWS."""
from __future__ import annotations

import base64
import os
from typing import cast

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import limit_exceeded, no_such_entity
from nimbus.services.iam.documents import User
from nimbus.services.iam.state import IamState

SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com")
PER_SERVICE = 2
DAY = 86400


def _secret() -> str:
    return base64.b64encode(os.urandom(30)).decode()


class ServiceCredentialOps(IamState):
    def create_service_specific_credential(self, ctx: RequestContext, params: dict) -> dict:
        service = params["ServiceName"]
        if service not in SERVICES:
            raise ServiceError("NotSupportedService", f"Service {service} is not supported for service-specific "
                               "credentials.", status=404)
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", params["UserName"])
            held = cast(dict, user).setdefault("ServiceSpecificCredentials", [])
            if sum(1 for c in held if c["ServiceName"] == service) >= PER_SERVICE:
                raise limit_exceeded(f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: "
                                     f"{PER_SERVICE}")
            now = ctx.clock.time()
            credential = {"ServiceSpecificCredentialId": random_id("ACCA"), "ServiceName": service,
                          "ServiceUserName": f"{user['UserName']}-at-{ctx.account_id}", "Status": "Active",
                          "CreateDate": now, "ExpirationDate": now + params["CredentialAgeDays"] * DAY
                          if params.get("CredentialAgeDays") else None}
            held.append(credential)
            self._save(ctx.account_id, "user", user)
        return {"ServiceSpecificCredential": self._with_secret(user["UserName"], credential)}

    def reset_service_specific_credential(self, ctx: RequestContext, params: dict) -> dict:
        user, credential = self._service_credential(ctx, params)
        return {"ServiceSpecificCredential": self._with_secret(user["UserName"], credential)}

    def list_service_specific_credentials(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("AllUsers"):
            users = self._all(ctx.account_id, "user")
        else:
            name = params.get("UserName") or (ctx.principal.user_name if ctx.principal.type == "IAMUser" else None)
            users = [self._entity(ctx.account_id, "user", name)] if name else []
        listed = [_metadata(u["UserName"], c) for u in users
                  for c in cast(dict, u).get("ServiceSpecificCredentials", [])
                  if not params.get("ServiceName") or c["ServiceName"] == params["ServiceName"]]
        return {"ServiceSpecificCredentials": listed, "IsTruncated": False}

    def update_service_specific_credential(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user, credential = self._service_credential(ctx, params)
            credential["Status"] = params["Status"]
            self._save(ctx.account_id, "user", user)
        return {}

    def delete_service_specific_credential(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", params.get("UserName") or ctx.principal.user_name or "")
            held = cast(dict, user).get("ServiceSpecificCredentials", [])
            kept = [c for c in held if c["ServiceSpecificCredentialId"] != params["ServiceSpecificCredentialId"]]
            if len(kept) == len(held):
                raise self._missing(params)
            cast(dict, user)["ServiceSpecificCredentials"] = kept
            self._save(ctx.account_id, "user", user)
        return {}

    def _service_credential(self, ctx: RequestContext, params: dict) -> tuple[User, dict]:
        user = self._entity(ctx.account_id, "user", params.get("UserName") or ctx.principal.user_name or "")
        for credential in cast(dict, user).get("ServiceSpecificCredentials", []):
            if credential["ServiceSpecificCredentialId"] == params["ServiceSpecificCredentialId"]:
                return user, credential
        raise self._missing(params)

    @staticmethod
    def _missing(params: dict) -> ServiceError:
        return no_such_entity(f"No such credential {params['ServiceSpecificCredentialId']} exists")

    @staticmethod
    def _with_secret(user_name: str, credential: dict) -> dict:
        output = _metadata(user_name, credential)
        if credential["ServiceName"] == "bedrock.amazonaws.com":
            output.update(ServiceCredentialAlias=credential["ServiceUserName"], ServiceCredentialSecret=_secret())
        else:
            output["ServicePassword"] = _secret()
        return output


def _metadata(user_name: str, credential: dict) -> dict:
    output = {"UserName": user_name, "Status": credential["Status"], "ServiceUserName": credential["ServiceUserName"],
              "CreateDate": timestamp(credential["CreateDate"]),
              "ServiceSpecificCredentialId": credential["ServiceSpecificCredentialId"],
              "ServiceName": credential["ServiceName"]}
    if credential.get("ExpirationDate"):
        output["ExpirationDate"] = timestamp(credential["ExpirationDate"])
    return output
