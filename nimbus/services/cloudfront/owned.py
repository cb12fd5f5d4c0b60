"""What origin access identities, origin access controls and the three kinds of policy share: each is a
configuration with an id and an ETag, created, read, changed with ``If-Match``, listed, and deleted only
while no distribution uses it, with the error codes AWS words for each kind."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError

from .common import GLOBAL, check_if_match, new_etag
from .configs import behaviours
from .documents import OWNED_CONFIG, OwnedConfig
from .state import CloudFrontState


@dataclass(frozen=True)
class OwnedKind:
    """One kind of owned configuration, named as the API names its members and errors."""
    shape: str  # the resource's shape name: "CachePolicy"
    noun: str  # as AWS's messages name it: "cache policy"
    location: str  # the Location path: "cache-policy"
    namespace: Namespace
    new_id: Callable[[], str]
    unique_member: str  # what a second create may not repeat: "Name" or "CallerReference"
    uses: Callable[[dict], Iterable[str]]  # the ids of this kind a distribution config refers to
    timestamped: bool = True  # the resource shape has LastModifiedTime (policies; not origin access)
    managed: dict[str, dict] = field(default_factory=dict)  # AWS's own: id -> config, read-only

    @property
    def config_member(self) -> str:
        return self.shape + "Config"

    def missing(self) -> ServiceError:
        return ServiceError(f"NoSuch{self.shape}", f"The specified {self.noun} does not exist.",
                            status=404)

    def in_use(self) -> ServiceError:
        return ServiceError(f"{self.shape}InUse", f"Cannot delete {self.noun} because it is attached to one or "
                            f"more cache behaviors." if "policy" in self.noun else
                            f"The {self.noun} is in use.", status=409)

    def exists(self) -> ServiceError:
        return ServiceError(f"{self.shape}AlreadyExists", f"A {self.noun} with this name already exists. You "
                            f"must provide a unique name." if self.unique_member == "Name" else
                            f"The caller reference that you are using to create a {self.noun} is associated "
                            f"with another {self.noun}.", status=409)


def behaviour_member(member: str) -> Callable[[dict], list[str]]:
    """The ids a distribution's behaviours name in ``member`` (CachePolicyId...)."""
    return lambda config: [b[member] for b in behaviours(config) if b.get(member)]


MANAGED_ETAG = "E23ZP02F085DFQ"  # what AWS answers for its managed policies, which never change
MANAGED_SINCE = 1609459200.0  # their LastModifiedTime: AWS's are years old and never change


def managed_document(kind: OwnedKind, owned_id: str) -> OwnedConfig:
    return {"Id": owned_id, "ETag": MANAGED_ETAG, "LastModifiedTime": MANAGED_SINCE, "Config": kind.managed[owned_id]}


def find_owned(store, account: str, kind: OwnedKind, owned_id: str) -> OwnedConfig | None:
    """One of the account's resources of the kind, or AWS's managed one by that id."""
    if owned_id in kind.managed:
        return managed_document(kind, owned_id)
    return OWNED_CONFIG.get(store, kind.namespace(account, GLOBAL), owned_id)


class OwnedConfigs(CloudFrontState):
    """Create, get, update, delete and list for every kind; each topic's operations call these."""

    def owned_create(self, ctx: RequestContext, kind: OwnedKind, config: dict, canonical_user_id: str = "") -> dict:
        with self.store.transaction():
            same = next((d for d in self._owned(ctx, kind)
                         if d["Config"].get(kind.unique_member) == config.get(kind.unique_member)), None)
            if same is not None:
                if kind.unique_member == "Name" or same["Config"] != config:
                    raise kind.exists()
                document = same  # the same request again: the same resource, as AWS answers
            else:
                if kind.unique_member == "Name" and any(c.get("Name") == config.get("Name")
                                                        for c in kind.managed.values()):
                    raise kind.exists()
                document = {"Id": kind.new_id(), "ETag": new_etag(), "LastModifiedTime": ctx.clock.time(),
                            "Config": config}
                if canonical_user_id:
                    document["S3CanonicalUserId"] = canonical_user_id
                OWNED_CONFIG.put(self.store, self._ns(ctx, kind), document["Id"], document)
        return {kind.shape: self.owned_output(kind, document), "ETag": document["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/{kind.location}/{document['Id']}"}

    def owned_get(self, ctx: RequestContext, kind: OwnedKind, owned_id: str) -> dict:
        document = self.owned(ctx, kind, owned_id)
        return {kind.shape: self.owned_output(kind, document), "ETag": document["ETag"]}

    def owned_get_config(self, ctx: RequestContext, kind: OwnedKind, owned_id: str) -> dict:
        document = self.owned(ctx, kind, owned_id)
        return {kind.config_member: document["Config"], "ETag": document["ETag"]}

    def owned_update(self, ctx: RequestContext, kind: OwnedKind, params: dict, check=None) -> dict:
        with self.store.transaction():
            before = self.owned(ctx, kind, params["Id"])
            self._refuse_managed(kind, params["Id"])
            check_if_match(params.get("IfMatch"), before["ETag"])
            config = params[kind.config_member]
            if check is not None:
                check(before["Config"], config)
            if kind.unique_member == "Name" and config["Name"] != before["Config"]["Name"] and any(
                    d["Config"]["Name"] == config["Name"] for d in self._owned(ctx, kind)):
                raise kind.exists()
            document: OwnedConfig = {**before, "Config": config, "ETag": new_etag(),
                                     "LastModifiedTime": ctx.clock.time()}
            OWNED_CONFIG.put(self.store, self._ns(ctx, kind), document["Id"], document)
        return {kind.shape: self.owned_output(kind, document), "ETag": document["ETag"]}

    def owned_delete(self, ctx: RequestContext, kind: OwnedKind, params: dict) -> dict:
        with self.store.transaction():
            document = self.owned(ctx, kind, params["Id"])
            self._refuse_managed(kind, params["Id"])
            check_if_match(params.get("IfMatch"), document["ETag"])
            if any(document["Id"] in kind.uses(d["DistributionConfig"]) for d in self.all_distributions(ctx)):
                raise kind.in_use()
            self.store.delete(self._ns(ctx, kind), document["Id"])
        return {}

    def owned_list(self, ctx: RequestContext, kind: OwnedKind, params: dict) -> tuple[list[OwnedConfig], dict]:
        """A page of the kind's resources in id order (AWS's managed ones too when ``Type`` allows them)."""
        wanted = params.get("Type")
        managed = [managed_document(kind, i) for i in kind.managed] if wanted in (None, "managed") else []
        custom = self._owned(ctx, kind) if wanted in (None, "custom") else []
        limit = int(params.get("MaxItems") or 100)
        everything = sorted([*managed, *custom], key=lambda d: d["Id"])
        page, more = page_after(everything, lambda d: d["Id"], params.get("Marker"), limit)
        listing = {"MaxItems": limit, "Quantity": len(page)}
        if more:
            listing["NextMarker"] = page[-1]["Id"]
        return page, listing

    def owned(self, ctx: RequestContext, kind: OwnedKind, owned_id: str) -> OwnedConfig:
        found = find_owned(self.store, ctx.account_id, kind, owned_id)
        if found is None:
            raise kind.missing()
        return found

    @staticmethod
    def owned_output(kind: OwnedKind, document: OwnedConfig) -> dict:
        out = {"Id": document["Id"], kind.config_member: document["Config"]}
        if kind.timestamped:
            out["LastModifiedTime"] = document["LastModifiedTime"]
        if "S3CanonicalUserId" in document:
            out["S3CanonicalUserId"] = document["S3CanonicalUserId"]
        return out

    @staticmethod
    def _refuse_managed(kind: OwnedKind, owned_id: str) -> None:
        if owned_id in kind.managed:
            raise ServiceError("AccessDenied", f"You can't change or delete a managed {kind.noun}.", status=403)

    def _owned(self, ctx: RequestContext, kind: OwnedKind) -> list[OwnedConfig]:
        return [d for _, d in OWNED_CONFIG.scan(self.store, self._ns(ctx, kind))]

    @staticmethod
    def _ns(ctx: RequestContext, kind: OwnedKind) -> tuple[str, ...]:
        return kind.namespace(ctx.account_id, GLOBAL)
