"""Tags on customer managed policies and instance profiles (users' and roles' are in state.py)."""
from __future__ import annotations

from collections.abc import Callable

from nimbus.core.context import RequestContext
from nimbus.services.iam.common import merge_tags, ns, paged_output
from nimbus.services.iam.documents import INSTANCE_PROFILE, MANAGED_POLICY
from nimbus.services.iam.profiles import InstanceProfileOps


class ResourceTagOps(InstanceProfileOps):
    def tag_policy(self, ctx, params): return self._retag(ctx, *self._policy_tags(ctx, params), params)  # noqa: E704
    def untag_policy(self, ctx, params): return self._retag(ctx, *self._policy_tags(ctx, params), params)  # noqa
    def tag_instance_profile(self, ctx, params): return self._retag(ctx, *self._profile_tags(ctx, params), params)  # noqa
    def untag_instance_profile(self, ctx, params): return self._retag(ctx, *self._profile_tags(ctx, params), params)  # noqa

    def list_policy_tags(self, ctx: RequestContext, params: dict) -> dict:
        return paged_output(self._policy_tags(ctx, params)[0]["Tags"], params, lambda t: t["Key"], "Tags", dict)

    def list_instance_profile_tags(self, ctx: RequestContext, params: dict) -> dict:
        return paged_output(self._profile_tags(ctx, params)[0]["Tags"], params, lambda t: t["Key"], "Tags", dict)

    def _policy_tags(self, ctx: RequestContext, params: dict) -> tuple[dict, Callable[[dict], None]]:
        policy = self._policy(ctx.account_id, params["PolicyArn"], local=True)
        return dict(policy), lambda p: MANAGED_POLICY.put(self.store, ns(ctx.account_id, "policies"), p["Arn"], p)

    def _profile_tags(self, ctx: RequestContext, params: dict) -> tuple[dict, Callable[[dict], None]]:
        profile = self._profile(ctx.account_id, params["InstanceProfileName"])
        return dict(profile), lambda p: INSTANCE_PROFILE.put(
            self.store, ns(ctx.account_id, "instance_profiles"), p["InstanceProfileName"].lower(), p)

    def _retag(self, ctx: RequestContext, resource: dict, save: Callable[[dict], None], params: dict) -> dict:
        """Tag (``Tags`` given) or untag (``TagKeys`` given) a policy or instance profile."""
        with self.store.transaction():
            tags = resource.get("Tags", [])
            if "Tags" in params:
                resource["Tags"] = merge_tags(tags, params["Tags"])
            else:
                resource["Tags"] = [t for t in tags if t["Key"] not in params["TagKeys"]]
            save(resource)
        return {}
