"""Security checks over IAM and CloudTrail: IAM Use, MFA on Root Account, IAM Access Key Rotation and
AWS CloudTrail Logging (which also covers regions no trail logs, so it is AWS's multi-region check too)."""
from __future__ import annotations

from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError

from .catalog import SECURITY, Check, register
from .reader import COLOUR, REGIONS, AccountReader, Outcome, Row, Status

DAY = 86400.0
ROTATION_WARNING_DAYS = 90
ROTATION_ERROR_DAYS = 730


def iam_use(reader: AccountReader) -> Outcome:
    has_user = next(reader.pages("iam", "ListUsers", "Users", {"MaxItems": 1}), None) is not None
    return Outcome(status="ok" if has_user else "warning")


def mfa_on_root(reader: AccountReader) -> Outcome:
    # nimbus's IAM has no MFA device for an account's root user, so it is never enabled.
    return Outcome(status="error")


def key_rotation(reader: AccountReader) -> Outcome:
    rows = []
    for user in reader.pages("iam", "ListUsers", "Users"):
        keys = reader.call("iam", "ListAccessKeys", {"UserName": user["UserName"]})["AccessKeyMetadata"]
        for key in keys:
            if key.get("Status") != "Active":
                continue
            created = epoch(key["CreateDate"]) or 0.0
            age_days = (reader.now() - created) / DAY
            status: Status = ("error" if age_days > ROTATION_ERROR_DAYS else
                              "warning" if age_days > ROTATION_WARNING_DAYS else "ok")
            reason = {"ok": None, "warning": "Key not rotated in the last 90 days",
                      "error": "Key not rotated in the last 2 years"}[status]
            rows.append(Row(status, user["Arn"], [COLOUR[status], user["UserName"], key["AccessKeyId"],
                                                  key["CreateDate"].strftime("%Y-%m-%dT%H:%M:%S.000Z"), reason]))
    return Outcome(rows)


def cloudtrail_logging(reader: AccountReader) -> Outcome:
    """One row per trail per region it logs (a multi-region trail in every region, as AWS lists it), and a
    red row for each region no trail covers."""
    rows = []
    for region in REGIONS:
        trails = reader.call("cloudtrail", "DescribeTrails", {}, region)["trailList"]
        if not trails:
            rows.append(Row("error", f"arn:aws:cloudtrail:{region}:{reader.account}:trail/",
                            [region, None, "Not enabled", None, None, COLOUR["error"]], region))
        for trail in trails:
            rows.append(_trail_row(reader, trail, region))
    return Outcome(rows)


def _trail_row(reader: AccountReader, trail: dict, region: str) -> Row:
    try:
        state = reader.call("cloudtrail", "GetTrailStatus", {"Name": trail["TrailARN"]}, trail["HomeRegion"])
    except ServiceError:
        state = {}
    logging = bool(state.get("IsLogging"))
    error = state.get("LatestDeliveryError")
    status: Status = "error" if not logging else "warning" if error else "ok"
    return Row(status, trail["TrailARN"], [region, trail["Name"], "On" if logging else "Off",
                                           trail.get("S3BucketName"), error, COLOUR[status]], region)


register(Check(
    "zXCkfM1nI3", "IAM Use", SECURITY, (),
    "Yellow: No IAM users have been created for this account.",
    "Create IAM users and groups, each with only the permissions its work needs, instead of using the root user.",
    ("iam",), iam_use),
    "Checks whether the account uses AWS Identity and Access Management (IAM): IAM users, each with their own "
    "credentials and permissions, rather than the root user.")
register(Check(
    "7DAFEmoDos", "MFA on Root Account", SECURITY, (),
    "Red: MFA is not enabled on the root account.",
    "Sign in as the root user and activate an MFA device for it.",
    ("iam",), mfa_on_root),
    "Checks whether the root user signs in with multi-factor authentication (MFA).")
register(Check(
    "DqdJqYeRm5", "IAM Access Key Rotation", SECURITY,
    ("Status", "IAM User", "Access Key", "Key Last Rotated", "Reason"),
    "Green: The access key is active and was rotated in the last 90 days.<br>\n"
    "Yellow: The access key is active and was rotated in the last 2 years, but more than 90 days ago.<br>\n"
    "Red: The access key is active and has not been rotated in the last 2 years.",
    "Rotate access keys regularly: create a second key, move its users to it, then deactivate and delete the old one.",
    ("iam",), key_rotation),
    "Checks for active IAM access keys that have not been rotated in the last 90 days; a key's last rotation is "
    "when it was created.")
register(Check(
    "vjafUGJ9H0", "AWS CloudTrail Logging", SECURITY,
    ("Region", "Trail Name", "Logging Status", "Bucket Name", "Last Delivery Error", "Status"),
    "Yellow: CloudTrail reports log delivery errors for a trail.<br>\n"
    "Red: A trail has not been created for a region, or logging is turned off for a trail.",
    "Create a trail that applies to all regions and start logging; if delivery fails, check that the bucket "
    "exists and its policy lets CloudTrail write.",
    ("cloudtrail",), cloudtrail_logging),
    "Checks that CloudTrail logs the account's API calls in every region, and that its trails deliver their "
    "log files; a trail that applies to all regions appears once for each region.")
