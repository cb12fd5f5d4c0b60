"""SearchSampleQueries: CloudTrail Lake sample queries ranked by how much of the search phrase they cover.

AWS ranks its catalogue by semantic similarity; nimbus keeps a small catalogue of its own and ranks by the
share of the phrase's words found in a query's name and description (``Relevance`` from 0 to 1)."""
from __future__ import annotations

import base64
import hashlib
import json
import re

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.state import CloudTrailState

SAMPLES = [
    ("Top API calls", "The most frequent API calls (event names) and their sources.",
     "SELECT eventSource, eventName, COUNT(*) AS calls FROM $EDS_ID GROUP BY eventSource, eventName "
     "ORDER BY calls DESC LIMIT 10"),
    ("Top errors", "The most frequent error codes of failed API calls, with the calls that failed.",
     "SELECT errorCode, eventName, COUNT(*) AS errors FROM $EDS_ID WHERE errorCode IS NOT NULL "
     "GROUP BY errorCode, eventName ORDER BY errors DESC LIMIT 10"),
    ("Access denied by user", "Users and roles whose calls were denied access (AccessDenied errors).",
     "SELECT userIdentity.arn, eventName, COUNT(*) AS denied FROM $EDS_ID WHERE errorCode LIKE '%AccessDenied%' "
     "GROUP BY userIdentity.arn, eventName ORDER BY denied DESC"),
    ("Console sign-ins without MFA", "Console logins by users who did not use multi-factor authentication.",
     "SELECT userIdentity.arn, eventTime, sourceIPAddress FROM $EDS_ID WHERE eventName = 'ConsoleLogin' "
     "AND additionalEventData['MFAUsed'] = 'No'"),
    ("S3 bucket policy changes", "Who changed or deleted S3 bucket policies, and when.",
     "SELECT eventTime, userIdentity.arn, eventName, requestParameters FROM $EDS_ID WHERE eventSource = "
     "'s3.amazonaws.com' AND eventName IN ('PutBucketPolicy', 'DeleteBucketPolicy') ORDER BY eventTime DESC"),
    ("KMS keys scheduled for deletion", "KMS keys scheduled for deletion or disabled, with the user who did it.",
     "SELECT eventTime, userIdentity.arn, requestParameters FROM $EDS_ID WHERE eventSource = 'kms.amazonaws.com' "
     "AND eventName IN ('ScheduleKeyDeletion', 'DisableKey')"),
    ("IAM users and access keys created", "New IAM users and access keys, with the user who created them.",
     "SELECT eventTime, userIdentity.arn, eventName, requestParameters FROM $EDS_ID WHERE eventSource = "
     "'iam.amazonaws.com' AND eventName IN ('CreateUser', 'CreateAccessKey') ORDER BY eventTime DESC"),
    ("Calls by source IP address", "The source IP addresses that made the most calls, by user.",
     "SELECT sourceIPAddress, userIdentity.arn, COUNT(*) AS calls FROM $EDS_ID GROUP BY sourceIPAddress, "
     "userIdentity.arn ORDER BY calls DESC LIMIT 20"),
    ("CloudTrail logging stopped", "Trails whose logging was stopped or that were deleted or updated.",
     "SELECT eventTime, userIdentity.arn, eventName, requestParameters FROM $EDS_ID WHERE eventSource = "
     "'cloudtrail.amazonaws.com' AND eventName IN ('StopLogging', 'DeleteTrail', 'UpdateTrail')"),
    ("Activity of one user", "Every call one user or role made, newest first.",
     "SELECT eventTime, eventSource, eventName, errorCode FROM $EDS_ID WHERE userIdentity.arn = "
     "'<user ARN>' ORDER BY eventTime DESC"),
]
WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return {w.rstrip("s") if len(w) > 3 else w for w in WORD.findall(text.lower())}


def _token(phrase: str, offset: int) -> str:
    digest = hashlib.sha256(phrase.encode()).hexdigest()[:16]
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "p": digest}).encode()).decode()


def _offset(phrase: str, token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["p"] != hashlib.sha256(phrase.encode()).hexdigest()[:16] or not isinstance(data["o"], int):
            raise ValueError
        return data["o"]
    except (ValueError, KeyError, TypeError):
        raise ServiceError("InvalidParameterException", "The NextToken is not valid.", status=400) from None


class SampleQueryOps(CloudTrailState):
    def search_sample_queries(self, ctx: RequestContext, params: dict) -> dict:
        phrase = params["SearchPhrase"]
        wanted = _words(phrase)
        scored = []
        for name, description, sql in SAMPLES:
            relevance = len(wanted & _words(f"{name} {description}")) / len(wanted) if wanted else 0.0
            if relevance > 0:
                scored.append((round(relevance, 4), name, description, sql))
        scored.sort(key=lambda r: -r[0])  # stable: the catalogue's order among equals
        ranked = [{"Name": n, "Description": d, "SQL": q, "Relevance": r} for r, n, d, q in scored]
        start = _offset(phrase, params["NextToken"]) if params.get("NextToken") else 0
        limit = params.get("MaxResults") or 10
        out: dict = {"SearchResults": ranked[start:start + limit]}
        if start + limit < len(ranked):
            out["NextToken"] = _token(phrase, start + limit)
        return out
