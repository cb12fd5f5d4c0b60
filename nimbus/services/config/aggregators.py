"""Configuration aggregators: one account's view of the items recorded in several nimbus accounts and
regions. Another account's data is aggregated only once that account authorized the aggregator's account
and region (PutAggregationAuthorization, in the source account and region); the account's own needs none."""
from __future__ import annotations

import secrets
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.documents import AGGREGATOR, AUTHORIZATION, Aggregator, Authorization
from nimbus.services.config.history import base_item, not_discovered
from nimbus.services.config.items import GONE, ItemStore, api_item
from nimbus.services.config.paging import window
from nimbus.services.config.select import current_items, selected
from nimbus.services.config.state import ConfigState, validation
from nimbus.services.config.state_names import aggregators_ns, authorizations_ns

_PAGED = ("Limit", "NextToken")
_GROUP_FIELDS = {"RESOURCE_TYPE": "resourceType", "ACCOUNT_ID": "accountId", "AWS_REGION": "region"}


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400)


def no_such_aggregator() -> ServiceError:
    return ServiceError("NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check "
                        "the configuration aggregator name and try again.", status=400)


def _sources(sources: list[dict]) -> list[dict]:
    for source in sources:
        if bool(source.get("AllAwsRegions")) == bool(source.get("AwsRegions")):
            raise invalid("Your request does not specify the regions. Specify either AllAwsRegions or AwsRegions.")
        if not source.get("AccountIds"):
            raise invalid("Your request does not specify the source accounts: AccountIds is required.")
    return [{"AccountIds": s["AccountIds"], "AllAwsRegions": bool(s.get("AllAwsRegions")),
             **({"AwsRegions": s["AwsRegions"]} if s.get("AwsRegions") else {})} for s in sources]


def _aggregator_output(aggregator: Aggregator) -> dict:
    return {k: v for k, v in aggregator.items() if k != "SchemaVersion"}


class AggregatorOps(ConfigState):
    # -- aggregators ----------------------------------------------------------------------------------

    def put_configuration_aggregator(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("OrganizationAggregationSource"):
            raise ServiceError("NoAvailableOrganizationException", "Organization is not available: nimbus serves no "
                               "AWS Organizations; aggregate accounts with AccountAggregationSources.", status=400)
        sources = _sources(params.get("AccountAggregationSources") or [])
        if not sources:
            raise invalid("Your request does not specify a source: give AccountAggregationSources.")
        name, now = params["ConfigurationAggregatorName"], self.clock.time()
        ns = aggregators_ns(ctx.account_id, ctx.region)
        with self.store.transaction():
            aggregator = AGGREGATOR.get(self.store, ns, name) or Aggregator(
                ConfigurationAggregatorName=name, CreationTime=now, LastUpdatedTime=now,
                ConfigurationAggregatorArn=f"arn:aws:config:{ctx.region}:{ctx.account_id}:config-aggregator/"
                                           f"config-aggregator-{secrets.token_hex(4)}")
            aggregator.update(AccountAggregationSources=sources, LastUpdatedTime=now)
            AGGREGATOR.put(self.store, ns, name, aggregator)
        return {"ConfigurationAggregator": _aggregator_output(aggregator)}

    def describe_configuration_aggregators(self, ctx: RequestContext, params: dict) -> dict:
        found = [a for _, a in AGGREGATOR.scan(self.store, aggregators_ns(ctx.account_id, ctx.region))]
        names = params.get("ConfigurationAggregatorNames") or []
        if names:
            if set(names) - {a["ConfigurationAggregatorName"] for a in found}:
                raise no_such_aggregator()
            found = [a for a in found if a["ConfigurationAggregatorName"] in names]
        chunk, token = window(found, params, 100, 100, lambda a: a["ConfigurationAggregatorName"], _PAGED)
        return {"ConfigurationAggregators": [_aggregator_output(a) for a in chunk], **({"NextToken": token} if token else {})}

    def delete_configuration_aggregator(self, ctx: RequestContext, params: dict) -> dict:
        if not self.store.delete(aggregators_ns(ctx.account_id, ctx.region), params["ConfigurationAggregatorName"]):
            raise no_such_aggregator()
        return {}

    # -- authorizations -------------------------------------------------------------------------------

    def put_aggregation_authorization(self, ctx: RequestContext, params: dict) -> dict:
        account, region = params["AuthorizedAccountId"], params["AuthorizedAwsRegion"]
        ns = authorizations_ns(ctx.account_id, ctx.region)
        authorization = AUTHORIZATION.get(self.store, ns, f"{account}/{region}") or Authorization(
            AggregationAuthorizationArn=f"arn:aws:config:{ctx.region}:{ctx.account_id}:aggregation-authorization/"
                                        f"{account}/{region}",
            AuthorizedAccountId=account, AuthorizedAwsRegion=region, CreationTime=self.clock.time())
        AUTHORIZATION.put(self.store, ns, f"{account}/{region}", authorization)
        return {"AggregationAuthorization": {k: v for k, v in authorization.items() if k != "SchemaVersion"}}

    def describe_aggregation_authorizations(self, ctx: RequestContext, params: dict) -> dict:
        found = [{k: v for k, v in a.items() if k != "SchemaVersion"}
                 for _, a in AUTHORIZATION.scan(self.store, authorizations_ns(ctx.account_id, ctx.region))]
        chunk, token = window(found, params, 100, 100, lambda a: a["AggregationAuthorizationArn"], _PAGED)
        return {"AggregationAuthorizations": chunk, **({"NextToken": token} if token else {})}

    def delete_aggregation_authorization(self, ctx: RequestContext, params: dict) -> dict:
        key = f"{params['AuthorizedAccountId']}/{params['AuthorizedAwsRegion']}"
        self.store.delete(authorizations_ns(ctx.account_id, ctx.region), key)
        return {}

    # -- what an aggregator sees ----------------------------------------------------------------------

    def _aggregator(self, ctx: RequestContext, name: str) -> Aggregator:
        aggregator = AGGREGATOR.get(self.store, aggregators_ns(ctx.account_id, ctx.region), name)
        if aggregator is None:
            raise no_such_aggregator()
        return aggregator

    def _source_stores(self, ctx: RequestContext, aggregator: Aggregator) -> list[ItemStore]:
        """The accounts and regions the aggregator covers and may read (authorized, or its own account)."""
        self.engine.flush()
        stores = []
        for source in aggregator.get("AccountAggregationSources", []):
            for account in source["AccountIds"]:
                regions = source.get("AwsRegions") or sorted(
                    {ns[2] for ns in self.store.namespaces(("config", account)) if len(ns) > 3 and ns[3] == "resources"})
                for region in regions:
                    key = f"{ctx.account_id}/{ctx.region}"
                    if account == ctx.account_id or AUTHORIZATION.get(
                            self.store, authorizations_ns(account, region), key) is not None:
                        stores.append(ItemStore(self.store, account, region))
        return stores

    def _resources(self, ctx: RequestContext, name: str, resource_type: str | None = None) -> list[dict[str, Any]]:
        found = []
        for items in self._source_stores(ctx, self._aggregator(ctx, name)):
            for kind in [resource_type] if resource_type else items.resource_types():
                for recorded in items.resources(kind):
                    if "resourceDeletionTime" not in recorded:
                        found.append({"accountId": items.account, "region": items.region, "item": recorded["item"]})
        return found

    def get_aggregate_discovered_resource_counts(self, ctx: RequestContext, params: dict) -> dict:
        filters = params.get("Filters") or {}
        found = [r for r in self._resources(ctx, params["ConfigurationAggregatorName"], filters.get("ResourceType"))
                 if filters.get("AccountId", r["accountId"]) == r["accountId"]
                 and filters.get("Region", r["region"]) == r["region"]]
        output: dict[str, Any] = {"TotalDiscoveredResources": len(found)}
        group_by = params.get("GroupByKey")
        if group_by:
            field = _GROUP_FIELDS[group_by]
            counts: dict[str, int] = {}
            for resource in found:
                group = resource["item"]["resourceType"] if field == "resourceType" else resource[field]
                counts[group] = counts.get(group, 0) + 1
            grouped = [{"GroupName": g, "ResourceCount": c} for g, c in sorted(counts.items())]
            chunk, token = window(grouped, params, 1000, 1000, lambda g: g["GroupName"], _PAGED)
            output.update(GroupByKey=group_by, GroupedResourceCounts=chunk, **({"NextToken": token} if token else {}))
        return output

    def list_aggregate_discovered_resources(self, ctx: RequestContext, params: dict) -> dict:
        filters = params.get("Filters") or {}
        found = [r for r in self._resources(ctx, params["ConfigurationAggregatorName"], params["ResourceType"])
                 if filters.get("AccountId", r["accountId"]) == r["accountId"]
                 and filters.get("Region", r["region"]) == r["region"]
                 and filters.get("ResourceId", r["item"]["resourceId"]) == r["item"]["resourceId"]
                 and filters.get("ResourceName", r["item"].get("resourceName")) == r["item"].get("resourceName")]
        identifiers = [{"SourceAccountId": r["accountId"], "SourceRegion": r["region"],
                        "ResourceId": r["item"]["resourceId"], "ResourceType": r["item"]["resourceType"],
                        **({"ResourceName": r["item"]["resourceName"]} if r["item"].get("resourceName") else {})}
                       for r in found]
        chunk, token = window(identifiers, params, 100, 100,
                              lambda i: f"{i['SourceAccountId']}/{i['SourceRegion']}/{i['ResourceId']}", _PAGED)
        return {"ResourceIdentifiers": chunk, **({"NextToken": token} if token else {})}

    def _latest(self, ctx: RequestContext, aggregator: Aggregator, identifier: dict) -> dict | None:
        for items in self._source_stores(ctx, aggregator):
            if (items.account, items.region) == (identifier["SourceAccountId"], identifier["SourceRegion"]):
                recorded = items.latest(identifier["ResourceType"], identifier["ResourceId"])
                if recorded is not None and recorded["item"]["configurationItemStatus"] not in GONE:
                    return recorded["item"]
        return None

    def get_aggregate_resource_config(self, ctx: RequestContext, params: dict) -> dict:
        identifier = params["ResourceIdentifier"]
        item = self._latest(ctx, self._aggregator(ctx, params["ConfigurationAggregatorName"]), identifier)
        if item is None:
            raise not_discovered(identifier["ResourceType"], identifier["ResourceId"])
        return {"ConfigurationItem": api_item(item)}

    def batch_get_aggregate_resource_config(self, ctx: RequestContext, params: dict) -> dict:
        identifiers = params["ResourceIdentifiers"]
        if len(identifiers) > 100:
            raise validation("The number of resource identifiers exceeds the limit of 100.")
        aggregator = self._aggregator(ctx, params["ConfigurationAggregatorName"])
        found, missing = [], []
        for identifier in identifiers:
            item = self._latest(ctx, aggregator, identifier)
            if item is None:
                missing.append(identifier)
            else:
                found.append(base_item(item))
        return {"BaseConfigurationItems": found, "UnprocessedResourceIdentifiers": missing}

    def select_aggregate_resource_config(self, ctx: RequestContext, params: dict) -> dict:
        stores = self._source_stores(ctx, self._aggregator(ctx, params["ConfigurationAggregatorName"]))
        limit = params.get("Limit") or params.get("MaxResults")
        return selected(params["Expression"], current_items(stores), limit, params.get("NextToken"))
