"""Access-control operations: bucket policies, ACLs, Block Public Access and Object Ownership."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import acl, policies
from nimbus.services.s3.access import BPA_FIELDS, ENFORCED, block_public_access, check_acl_allowed, ownership
from nimbus.services.s3.common import malformed_xml, no_such_key
from nimbus.services.s3.documents import Bucket, ObjectVersion
from nimbus.services.s3.state import S3State

OWNERSHIPS = ("BucketOwnerPreferred", "ObjectWriter", ENFORCED)
NEW_BUCKET_BPA = {name: True for name in BPA_FIELDS}


def new_bucket_access(ctx: RequestContext, params: dict) -> dict:
    """The access fields of a bucket being created: AWS's defaults since April 2023 are Block Public
    Access on and ACLs disabled (BucketOwnerEnforced). Raises before anything is created."""
    chosen = params.get("ObjectOwnership") or ENFORCED
    bucket = {"Ownership": chosen, "PublicAccessBlock": dict(NEW_BUCKET_BPA)}
    grants = acl.from_request(params, ctx.account_id, ctx.account_id, True)
    check_acl_allowed(bucket, grants, ctx.account_id, creating=True)
    if acl.is_public(grants):
        raise ServiceError("InvalidBucketAclWithBlockPublicAccessError", "Bucket cannot have public ACLs set with "
                           "BlockPublicAccess enabled", status=400)
    return {**bucket, "Acl": grants}


def object_owner(ctx: RequestContext, bucket: Bucket, params: dict) -> str:
    """Who owns an object being written, under the bucket's Object Ownership setting."""
    mode = ownership(bucket)
    if mode == ENFORCED or (mode == "BucketOwnerPreferred" and params.get("ACL") == "bucket-owner-full-control"):
        return bucket["Account"]
    return ctx.principal.account_id if ctx.principal.type != "Anonymous" else bucket["Account"]


def new_object_acl(ctx: RequestContext, bucket: Bucket, params: dict) -> dict:
    """``Owner`` and ``Acl`` of an object being written (PutObject, CopyObject, CreateMultipartUpload)."""
    owner = object_owner(ctx, bucket, params)
    grants = acl.from_request(params, owner, bucket["Account"], False)
    check_acl_allowed(bucket, grants, bucket["Account"], store=ctx.store)
    if ownership(bucket) == ENFORCED:
        return {"Owner": owner}
    return {"Owner": owner, "Acl": grants}


class AccessOps(S3State):
    # -- bucket policy -----------------------------------------------------------------
    def put_bucket_policy(self, ctx: RequestContext, params: dict) -> dict:
        text = params["Policy"]
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketPolicy")
            policy = policies.validate(text, bucket["Name"])
            if block_public_access(bucket, self.store).get("BlockPublicPolicy") and policies.is_public(policy):
                raise ServiceError("AccessDenied", f"User: {ctx.principal.arn} is not authorized to perform: "
                                   f"s3:PutBucketPolicy on resource: \"arn:aws:s3:::{bucket['Name']}\" because "
                                   "public policies are blocked by the BlockPublicPolicy block public access "
                                   "setting.", status=403)
            bucket["Policy"] = text
            self._save_changed_bucket(ctx, bucket)
        return {}

    def _stored_policy(self, ctx: RequestContext, params: dict, action: str) -> tuple[Bucket, str]:
        bucket = self._bucket(ctx, params["Bucket"], action)
        if not bucket.get("Policy"):
            raise ServiceError("NoSuchBucketPolicy", "The bucket policy does not exist", status=404,
                               BucketName=bucket["Name"])
        return bucket, bucket["Policy"]

    def get_bucket_policy(self, ctx: RequestContext, params: dict) -> dict:
        return {"Policy": self._stored_policy(ctx, params, "s3:GetBucketPolicy")[1]}

    def delete_bucket_policy(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:DeleteBucketPolicy")
            bucket.pop("Policy", None)
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_bucket_policy_status(self, ctx: RequestContext, params: dict) -> dict:
        bucket, text = self._stored_policy(ctx, params, "s3:GetBucketPolicyStatus")
        public = policies.is_public(policies.validate(text, bucket["Name"]))
        return {"PolicyStatus": {"IsPublic": public}}

    # -- Block Public Access (bucket level) ---------------------------------------------------
    def put_public_access_block(self, ctx: RequestContext, params: dict) -> dict:
        config = params.get("PublicAccessBlockConfiguration") or {}
        if not any(name in config for name in BPA_FIELDS):
            raise ServiceError("InvalidRequest", "Must specify at least one configuration.", status=400)
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketPublicAccessBlock")
            bucket["PublicAccessBlock"] = {name: bool(config.get(name, False)) for name in BPA_FIELDS}
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_public_access_block(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketPublicAccessBlock")
        config = bucket.get("PublicAccessBlock")
        if not config:
            raise ServiceError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was "
                               "not found", status=404, BucketName=bucket["Name"])
        return {"PublicAccessBlockConfiguration": {name: bool(config.get(name)) for name in BPA_FIELDS}}

    def delete_public_access_block(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketPublicAccessBlock")
            bucket["PublicAccessBlock"] = None
            self._save_changed_bucket(ctx, bucket)
        return {}

    # -- Object Ownership ---------------------------------------------------------------------
    def put_bucket_ownership_controls(self, ctx: RequestContext, params: dict) -> dict:
        rules = (params.get("OwnershipControls") or {}).get("Rules") or []
        if len(rules) != 1 or rules[0].get("ObjectOwnership") not in OWNERSHIPS:
            raise malformed_xml()
        chosen = rules[0]["ObjectOwnership"]
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketOwnershipControls")
            if chosen == ENFORCED and not acl.owner_only(
                    [g for g in bucket.get("Acl") or [] if g["Grantee"].get("URI") != acl.LOG_DELIVERY],
                    bucket["Account"]):
                raise ServiceError("InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with "
                                   "ObjectOwnership's BucketOwnerEnforced setting", status=400)
            bucket["Ownership"] = chosen
            self._save_bucket(bucket)
        return {}

    def get_bucket_ownership_controls(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketOwnershipControls")
        if bucket.get("Ownership") == "":
            raise ServiceError("OwnershipControlsNotFoundError", "The bucket ownership controls were not found",
                               status=404, BucketName=bucket["Name"])
        return {"OwnershipControls": {"Rules": [{"ObjectOwnership": ownership(bucket)}]}}

    def delete_bucket_ownership_controls(self, ctx: RequestContext, params: dict) -> dict:
        # Without controls a bucket behaves as ObjectWriter; "" records that they were removed.
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketOwnershipControls")
            bucket["Ownership"] = ""
            self._save_bucket(bucket)
        return {}

    # -- ACLs ---------------------------------------------------------------------------------
    def put_bucket_acl(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketAcl")
            grants = acl.from_request(params, bucket["Account"], bucket["Account"], True, default=None)
            if grants is None:
                raise ServiceError("MissingSecurityHeader", "Your request was missing a required header", status=400,
                                   MissingHeaderName="x-amz-acl")
            check_acl_allowed(bucket, grants, bucket["Account"], store=ctx.store)
            bucket["Acl"] = grants
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_bucket_acl(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketAcl")
        grants = bucket.get("Acl") or acl.canned("private", bucket["Account"], bucket["Account"], True)
        return {"Owner": acl.owner(bucket["Account"]), "Grants": acl.describe(grants)}

    def _acl_version(self, ctx: RequestContext, params: dict, action: str) -> tuple[Bucket, ObjectVersion]:
        name, key, version_id = params["Bucket"], params["Key"], params.get("VersionId")
        if version_id:
            action = action.replace("ObjectAcl", "ObjectVersionAcl")
        bucket = self._bucket(ctx, name, action, key)
        record = self._find_version(name, key, version_id) if version_id else self._latest(name, key)
        if record is None or record.get("DeleteMarker"):
            raise no_such_key(key)
        return bucket, record

    def get_object_acl(self, ctx: RequestContext, params: dict) -> dict:
        bucket, record = self._acl_version(ctx, params, "s3:GetObjectAcl")
        owner = bucket["Account"] if ownership(bucket) == ENFORCED else record.get("Owner", record.get("Account"))
        grants = record.get("Acl") if ownership(bucket) != ENFORCED else None
        grants = grants or acl.canned("private", owner, bucket["Account"], False)
        return {"Owner": acl.owner(owner), "Grants": acl.describe(grants)}

    def put_object_acl(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket, record = self._acl_version(ctx, params, "s3:PutObjectAcl")
            owner = record.get("Owner", record.get("Account", bucket["Account"]))
            grants = acl.from_request(params, owner, bucket["Account"], False, default=None)
            if grants is None:
                raise ServiceError("MissingSecurityHeader", "Your request was missing a required header", status=400,
                                   MissingHeaderName="x-amz-acl")
            check_acl_allowed(bucket, grants, bucket["Account"], store=ctx.store)
            if ownership(bucket) != ENFORCED:
                record["Acl"] = grants
                self._save_version(bucket["Name"], record)
        return {}
