"""Reports on the account: the credential report (AWS's CSV columns, from real state), each access key's
last use, and GetAccountSummary's counts and quotas."""
from __future__ import annotations

import csv
import io

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import (
    INLINE_POLICY_SIZE,
    MANAGED_POLICIES_PER_ENTITY,
    MANAGED_POLICY_SIZE,
    POLICY_VERSIONS,
    no_such_entity,
    ns,
)
from nimbus.services.iam.documents import ACCESS_KEY, CREDENTIAL_REPORT, STS_PREFERENCES, AccessKey, User
from nimbus.services.iam.key_usage import last_used, recorded_so_far
from nimbus.services.iam.mfa_devices import MfaDeviceOps
from nimbus.services.iam.users import ACCESS_KEYS_PER_USER

COLUMNS = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
           "password_next_rotation", "mfa_active"]
for _n in (1, 2):
    COLUMNS += [f"access_key_{_n}_active", f"access_key_{_n}_last_rotated", f"access_key_{_n}_last_used_date",
                f"access_key_{_n}_last_used_region", f"access_key_{_n}_last_used_service"]
COLUMNS += ["cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
QUOTAS = {"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
          "InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20, "GroupsPerUserQuota": 10,
          "AttachedPoliciesPerUserQuota": MANAGED_POLICIES_PER_ENTITY,
          "AttachedPoliciesPerGroupQuota": MANAGED_POLICIES_PER_ENTITY,
          "AttachedPoliciesPerRoleQuota": MANAGED_POLICIES_PER_ENTITY, "PolicySizeQuota": MANAGED_POLICY_SIZE,
          "PolicyVersionsInUseQuota": 10000, "VersionsPerPolicyQuota": POLICY_VERSIONS,
          "UserPolicySizeQuota": INLINE_POLICY_SIZE["user"], "GroupPolicySizeQuota": INLINE_POLICY_SIZE["group"],
          "RolePolicySizeQuota": INLINE_POLICY_SIZE["role"], "AssumeRolePolicySizeQuota": 2048,
          "AccessKeysPerUserQuota": ACCESS_KEYS_PER_USER, "SigningCertificatesPerUserQuota": 2}


def _time(epoch: float | None) -> str:
    return timestamp(epoch).isoformat() if epoch is not None else "N/A"


class ReportOps(MfaDeviceOps):
    def get_access_key_last_used(self, ctx: RequestContext, params: dict) -> dict:
        key = ACCESS_KEY.get(self.store, ns(ctx.account_id, "access_keys"), params["AccessKeyId"])
        if key is None:
            raise no_such_entity(f"The Access Key with id {params['AccessKeyId']} cannot be found.")
        recorded_so_far(ctx.runtime)
        used = last_used(self.store, ctx.account_id, key["AccessKeyId"])
        output: dict = {"ServiceName": "N/A", "Region": "N/A"}
        if used is not None:
            output = {"LastUsedDate": timestamp(used["LastUsedDate"]), "ServiceName": used["ServiceName"],
                      "Region": used["Region"]}
        return {"UserName": key["UserName"], "AccessKeyLastUsed": output}

    def generate_credential_report(self, ctx: RequestContext, params: dict) -> dict:
        ns_reports = ns(ctx.account_id, "credential_report")
        first = CREDENTIAL_REPORT.get(self.store, ns_reports, "report") is None
        recorded_so_far(ctx.runtime)
        CREDENTIAL_REPORT.put(self.store, ns_reports, "report", {"Content": self._credential_csv(ctx),
                                                                 "Generated": ctx.clock.time()})
        # AWS answers STARTED to the first request and COMPLETE once a report exists.
        return {"State": "STARTED" if first else "COMPLETE",
                "Description": "No report exists. Starting a new report generation task" if first else ""}

    def get_credential_report(self, ctx: RequestContext, params: dict) -> dict:
        report = CREDENTIAL_REPORT.get(self.store, ns(ctx.account_id, "credential_report"), "report")
        if report is None:
            raise ServiceError("ReportNotPresent", "Credential report not present. Call GenerateCredentialReport "
                               "first.", status=410)
        return {"Content": report["Content"].encode(), "ReportFormat": "text/csv",
                "GeneratedTime": timestamp(report["Generated"])}

    def get_account_summary(self, ctx: RequestContext, params: dict) -> dict:
        account = ctx.account_id
        devices = self._devices(ctx)
        policies = self._local_policies(account)
        preferences = STS_PREFERENCES.get(self.store, ns(account, "sts_preferences"), "preferences")
        summary = {
            "Users": len(self._all(account, "user")), "Groups": len(self._all(account, "group")),
            "Roles": len(self._all(account, "role")), "Policies": len(policies),
            "InstanceProfiles": len(self.store.scan(ns(account, "instance_profiles"))),
            "ServerCertificates": len(self.store.scan(ns(account, "server_certificates"))),
            "Providers": len(self.store.scan(ns(account, "oidc_providers")))
            + len(self.store.scan(ns(account, "saml_providers"))),
            "MFADevices": len(devices), "MFADevicesInUse": sum(1 for d in devices if d["UserName"]),
            "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "AccountSigningCertificatesPresent": 0,
            "PolicyVersionsInUse": sum(len(p["Versions"]) for p in policies), **QUOTAS,
            "GlobalEndpointTokenVersion": (preferences or {}).get("GlobalEndpointTokenVersion", 1),
        }
        return {"SummaryMap": summary}

    def _credential_csv(self, ctx: RequestContext) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        root = ["<root_account>", ctx.arn("root"), "N/A", "not_supported", "N/A", "not_supported",
                "not_supported", "false"]
        writer.writerow(root + ["false", "N/A", "N/A", "N/A", "N/A"] * 2 + ["false", "N/A"] * 2)
        keys: dict[str, list[AccessKey]] = {}
        for _, key in ACCESS_KEY.scan(self.store, ns(ctx.account_id, "access_keys")):
            keys.setdefault(key["UserName"], []).append(key)
        holders = {d["UserName"] for d in self._devices(ctx) if d["UserName"]}
        for user in sorted(self._all(ctx.account_id, "user"), key=lambda u: u["UserName"].lower()):
            writer.writerow(self._user_row(ctx, user, keys.get(user["UserName"], []), user["UserName"] in holders))
        return out.getvalue()

    def _user_row(self, ctx: RequestContext, user: User, keys: list[AccessKey], mfa: bool) -> list[str]:
        profile = user.get("LoginProfile")
        row = [user["UserName"], user["Arn"], _time(user["CreateDate"]), "true" if profile else "false",
               "no_information" if profile else "N/A", _time(profile["PasswordChanged"]) if profile else "N/A",
               "N/A", "true" if mfa else "false"]
        for key in (sorted(keys, key=lambda k: k["CreateDate"]) + [None, None])[:2]:  # type: ignore[list-item]
            if key is None:
                row += ["false", "N/A", "N/A", "N/A", "N/A"]
                continue
            used = last_used(self.store, ctx.account_id, key["AccessKeyId"])
            row += ["true" if key["Status"] == "Active" else "false", _time(key["CreateDate"]),
                    _time(used["LastUsedDate"]) if used else "N/A", used["Region"] if used else "N/A",
                    used["ServiceName"] if used else "N/A"]
        certificates = (user.get("SigningCertificates") or []) + [None, None]  # type: ignore[operator]
        for certificate in certificates[:2]:
            row += ["false", "N/A"] if certificate is None else [
                "true" if certificate["Status"] == "Active" else "false", _time(certificate["UploadDate"])]
        return row
