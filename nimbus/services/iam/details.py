"""What the rest of nimbus asks of IAM: a principal's policies (for the authorizer), the resources
of IAM operations (for the dispatcher's check), and GetAccountAuthorizationDetails."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.identity import Principal
from nimbus.core.times import timestamp
from nimbus.services.iam.aws_managed import is_aws_managed
from nimbus.services.iam.common import ENTITIES, add_boundary_and_tags, encode_document
from nimbus.services.iam.documents import Entity, User
from nimbus.services.iam.managed import policy_output, version_output
from nimbus.services.iam.profiles import profile_output
from nimbus.services.iam.roles import role_output
from nimbus.services.iam.state import IamState

FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
ALLOW_EVERYTHING = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


class DetailOps(IamState):
    # -- for the authorizer ----------------------------------------------------------------

    def identity_policies(self, account: str, principal: Principal) -> dict:
        """Documents of every identity policy that applies to the principal, its boundary and its tags."""
        if principal.type == "IAMUser":
            entity = self._find(account, "user", principal.user_name or "")
            holders = [entity] if entity else []
            if entity:
                holders += [g for g in (self._find(account, "group", n) for n in entity.get("Groups", ())) if g]
        elif principal.type == "AssumedRole":
            issuer = (principal.session_context or {}).get("sessionIssuer") or {}
            role = self._find(account, "role", issuer.get("userName", ""))
            # A session belongs to the role it was issued for: one re-created under the name is not it.
            entity = role if role and role["RoleId"] == issuer.get("principalId") else None
            holders = [entity] if entity else []
        elif principal.type == "FederatedUser":  # GetFederationToken's: its issuing user's policies
            issuer = (principal.session_context or {}).get("sessionIssuer") or {}
            if issuer.get("type") == "Root":
                return {"identity": [ALLOW_EVERYTHING]}  # the root's powers, narrowed by the session policy
            entity = self._find(account, "user", issuer.get("userName", ""))
            holders = [entity] if entity and entity["UserId"] == issuer.get("principalId") else []
            if holders:
                holders += [g for g in (self._find(account, "group", n) for n in entity.get("Groups", ())) if g]
        else:
            return {"identity": []}
        documents = [doc for holder in holders for doc in self._holder_documents(account, holder)]
        boundary = None
        if entity and entity.get("PermissionsBoundary"):
            policy = self._find_policy(account, entity["PermissionsBoundary"])
            boundary = policy["Versions"][policy["DefaultVersionId"]]["Document"] if policy else None
        tags = {t["Key"]: t["Value"] for t in (entity or {}).get("Tags", ())}
        return {"identity": documents, "boundary": boundary, "tags": tags}

    # -- for the dispatcher ------------------------------------------------------------------

    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        """The ARN an IAM operation acts on (the user, group, role or policy it names)."""
        if "PolicyArn" in params:
            return [params["PolicyArn"]]
        for kind in ("role", "group", "user"):
            name = params.get(ENTITIES[kind][1])
            if name is None and kind == "user" and operation in ("GetUser", "CreateAccessKey", "ListAccessKeys"):
                if ctx.principal.type == "IAMUser":
                    return [ctx.principal.arn]
            if name is not None:
                entity = self._find(ctx.account_id, kind, name)
                if entity is not None:
                    return [entity["Arn"]]
                return [ctx.arn(f"{ENTITIES[kind][2]}{params.get('Path', '/')}{name}")]
        if "PolicyName" in params and operation == "CreatePolicy":
            return [ctx.arn(f"policy{params.get('Path', '/')}{params['PolicyName']}")]
        return None

    # -- GetAccountAuthorizationDetails ----------------------------------------------------

    def get_account_authorization_details(self, ctx: RequestContext, params: dict) -> dict:
        wanted = set(params.get("Filter") or FILTERS)
        account = ctx.account_id
        output = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
                  "IsTruncated": False}
        if "User" in wanted:
            output["UserDetailList"] = [self._user_detail(account, u) for u in self._all(account, "user")]
        if "Group" in wanted:
            output["GroupDetailList"] = [{
                "Path": g["Path"], "GroupName": g["GroupName"], "GroupId": g["GroupId"], "Arn": g["Arn"],
                "CreateDate": timestamp(g["CreateDate"]), "GroupPolicyList": _inline(g),
                "AttachedManagedPolicies": self._attached(account, g)} for g in self._all(account, "group")]
        if "Role" in wanted:
            output["RoleDetailList"] = [{
                **role_output(r), "RolePolicyList": _inline(r),
                "InstanceProfileList": [profile_output(p, self._profile_roles(account, p)) for p in (
                    self._find_profile(account, n) for n in r.get("InstanceProfiles", ())) if p],
                "AttachedManagedPolicies": self._attached(account, r)} for r in self._all(account, "role")]
        counts = self._attachment_counts(account)
        policies = []
        if "LocalManagedPolicy" in wanted:
            policies += self._local_policies(account)
        if "AWSManagedPolicy" in wanted:
            # Only the AWS managed policies the account uses, as AWS lists them.
            policies += [self._find_policy(account, arn) for arn in sorted(counts) if is_aws_managed(arn)]
        output["Policies"] = [{
            **{k: v for k, v in policy_output(p, counts[p["Arn"]]).items() if k != "Tags"},
            "PolicyVersionList": [version_output(p, v) for v in sorted(p["Versions"])]} for p in policies if p]
        return output

    def _user_detail(self, account: str, user: User) -> dict:
        detail = {k: user[k] for k in ("Path", "UserName", "UserId", "Arn")}
        detail.update(CreateDate=timestamp(user["CreateDate"]), UserPolicyList=_inline(user),
                      GroupList=[g["GroupName"] for g in (self._find(account, "group", n)
                                                          for n in user.get("Groups", ())) if g],
                      AttachedManagedPolicies=self._attached(account, user))
        return add_boundary_and_tags(detail, user)

    def _attached(self, account: str, entity: Entity) -> list[dict]:
        policies = (self._find_policy(account, arn) for arn in entity.get("AttachedPolicies", ()))
        return [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in policies if p]


def _inline(entity: Entity) -> list[dict]:
    return [{"PolicyName": name, "PolicyDocument": encode_document(doc)}
            for name, doc in sorted(entity.get("InlinePolicies", {}).items())]
