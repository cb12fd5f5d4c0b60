"""The account's alias, and access advisor without AWS Organizations: which services a user, group, role or
policy allows and when its principals last used each (from the recorded calls)."""
from __future__ import annotations

import re
import uuid
from typing import cast

from nimbus.core.context import RequestContext
from nimbus.core.policy import compile_policy
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import already_exists, no_such_entity, ns
from nimbus.services.iam.documents import ACCESS_ADVISOR_JOB, AccessAdvisorJob, Entity
from nimbus.services.iam.key_usage import recorded_so_far, service_uses
from nimbus.services.iam.state import IamState

ALIAS = re.compile(r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
ALIASES = ("iam", "_global", "account_aliases")  # alias → account: aliases are unique across accounts
ENTITY_TYPES = {"user": "USER", "role": "ROLE", "group": "GROUP"}


class AccountOps(IamState):
    def create_account_alias(self, ctx: RequestContext, params: dict) -> dict:
        alias = params["AccountAlias"]
        if not ALIAS.match(alias):
            raise ServiceError("ValidationError", f"1 validation error detected: Value '{alias}' at 'accountAlias' "
                               "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                               "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", status=400)
        with self.store.transaction():
            owner = self.store.get(ALIASES, alias)
            if owner is not None and owner != ctx.account_id:
                raise already_exists(f"The account alias {alias} already exists.")
            for old in self._aliases(ctx):
                self.store.delete(ALIASES, old)
            self.store.put(ALIASES, alias, ctx.account_id)
        return {}

    def delete_account_alias(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            if params["AccountAlias"] not in self._aliases(ctx):
                raise no_such_entity(f"The account alias {params['AccountAlias']} cannot be found.")
            self.store.delete(ALIASES, params["AccountAlias"])
        return {}

    def list_account_aliases(self, ctx: RequestContext, params: dict) -> dict:
        return {"AccountAliases": self._aliases(ctx), "IsTruncated": False}

    def _aliases(self, ctx: RequestContext) -> list[str]:
        return [alias for alias, account in self.store.scan(ALIASES) if account == ctx.account_id]

    # -- access advisor ----------------------------------------------------------------------

    def generate_service_last_accessed_details(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["Arn"]
        principals, documents = self._advised(ctx, arn)
        namespaces = set()
        for document in documents:
            for statement in compile_policy(document).statements:
                if statement.allow:
                    namespaces.update(a.split(":")[0].lower() for a in statement.actions or () if ":" in a)
        recorded_so_far(ctx.runtime)
        uses = service_uses(self.store, ctx.account_id, set(principals))
        namespaces.update(u["Service"] for u in uses)  # what "*" allowed shows once it was used
        services = []
        for namespace in sorted(n for n in namespaces if "*" not in n and "?" not in n):
            used = sorted((u for u in uses if u["Service"] == namespace), key=lambda u: -u["LastAuthenticated"])
            service: dict = {"ServiceName": namespace, "ServiceNamespace": namespace,
                             "TotalAuthenticatedEntities": len(used),
                             "Entities": [{"Arn": u["Principal"], "LastAuthenticated": u["LastAuthenticated"]}
                                          for u in used]}
            if used:
                service.update(LastAuthenticated=used[0]["LastAuthenticated"],
                               LastAuthenticatedEntity=used[0]["Principal"], LastAuthenticatedRegion=used[0]["Region"])
            services.append(service)
        job_id = str(uuid.uuid4())
        job: AccessAdvisorJob = {"Arn": arn, "JobType": params.get("Granularity", "SERVICE_LEVEL"),
                                 "Created": ctx.clock.time(), "Services": services}
        ACCESS_ADVISOR_JOB.put(self.store, ns(ctx.account_id, "access_advisor_jobs"), job_id, job)
        return {"JobId": job_id}

    def get_service_last_accessed_details(self, ctx: RequestContext, params: dict) -> dict:
        job = self._job(ctx, params["JobId"])
        services = []
        for service in job["Services"]:
            shown = {k: v for k, v in service.items() if k != "Entities"}
            if "LastAuthenticated" in shown:
                shown["LastAuthenticated"] = timestamp(shown["LastAuthenticated"])
            services.append(shown)
        return {"JobStatus": "COMPLETED", "JobType": job["JobType"], "JobCreationDate": timestamp(job["Created"]),
                "JobCompletionDate": timestamp(job["Created"]), "ServicesLastAccessed": services,
                "IsTruncated": False}

    def get_service_last_accessed_details_with_entities(self, ctx: RequestContext, params: dict) -> dict:
        job = self._job(ctx, params["JobId"])
        service = next((s for s in job["Services"] if s["ServiceNamespace"] == params["ServiceNamespace"]), None)
        details = []
        for entity in (service or {}).get("Entities", []):
            kind, _, rest = entity["Arn"].split(":", 5)[5].partition("/")
            details.append({"EntityInfo": {"Arn": entity["Arn"], "Name": rest.rpartition("/")[2],
                                           "Type": ENTITY_TYPES.get(kind, "USER"), "Id": entity["Arn"],
                                           "Path": "/" + rest.rpartition("/")[0] + ("/" if "/" in rest else "")},
                            "LastAuthenticated": timestamp(entity["LastAuthenticated"])})
        return {"JobStatus": "COMPLETED", "JobCreationDate": timestamp(job["Created"]),
                "JobCompletionDate": timestamp(job["Created"]), "EntityDetailsList": details, "IsTruncated": False}

    def _job(self, ctx: RequestContext, job_id: str) -> AccessAdvisorJob:
        job = ACCESS_ADVISOR_JOB.get(self.store, ns(ctx.account_id, "access_advisor_jobs"), job_id)
        if job is None:
            raise no_such_entity(f"The job with id {job_id} cannot be found.")
        return job

    def _advised(self, ctx: RequestContext, arn: str) -> tuple[list[str], list[str]]:
        """The principals (user and role ARNs) whose use counts for ``arn``, and the policies it has."""
        account = ctx.account_id
        resource = arn.split(":", 5)[-1]
        kind, _, _ = resource.partition("/")
        if kind == "policy":
            self._policy(account, arn)
            holders: list[tuple[str, Entity]] = [(k, e) for k in ("user", "group", "role") for e in self._all(account, k)
                                                 if arn in e.get("AttachedPolicies", ())]
            documents = [self._managed_document(account, arn)]
        elif kind in ENTITY_TYPES:
            entity = next((e for e in self._all(account, kind) if e["Arn"] == arn), None)
            if entity is None:
                raise no_such_entity(f"The entity with ARN {arn} cannot be found.")
            holders = [(kind, entity)]
            documents = self._holder_documents(account, entity)
        else:
            raise ServiceError("InvalidInput", f"ARN {arn} is not valid.", status=400)
        principals = []
        for holder_kind, holder in holders:
            if holder_kind == "group":
                members: list[str] = cast(dict, holder).get("Members", [])
                principals += [u["Arn"] for u in (self._find(account, "user", m) for m in members) if u]
            else:
                principals.append(holder["Arn"])
        return principals, documents
