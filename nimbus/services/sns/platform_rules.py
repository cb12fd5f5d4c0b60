"""Platform applications' rules: the platforms SNS pushes to, the credentials each needs (checked as AWS
checks their shape; nimbus cannot ask Apple or Google whether they are genuine), and the payload each
push service would receive for a published message."""
from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

from nimbus.core.json_text import read_json

from .common import invalid_parameter

PLATFORMS = ("APNS", "APNS_SANDBOX", "GCM", "ADM", "BAIDU", "MPNS", "WNS")
APP_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
APPLICATION_ATTRIBUTES = {
    "PlatformCredential", "PlatformPrincipal", "EventEndpointCreated", "EventEndpointDeleted",
    "EventEndpointUpdated", "EventDeliveryFailure", "SuccessFeedbackRoleArn", "FailureFeedbackRoleArn",
    "SuccessFeedbackSampleRate", "ApplePlatformTeamID", "ApplePlatformBundleID", "AuthenticationMethod", "Enabled",
}
# Never answered by GetPlatformApplicationAttributes (AWS keeps credentials to itself).
SECRET_ATTRIBUTES = ("PlatformCredential", "PlatformPrincipal")
ENDPOINT_ATTRIBUTES = {"CustomUserData", "Enabled", "Token"}
MAX_CUSTOM_USER_DATA = 2048
SERVICE_ACCOUNT_FIELDS = ("type", "project_id", "private_key", "client_email")


def _invalid_credentials():
    return invalid_parameter("Attributes Reason: Platform credentials are invalid")


def check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        raise invalid_parameter(f"Platform Reason: {platform} is not supported")


def check_application_attributes(platform: str, attributes: dict[str, str], creating: bool) -> None:
    """AWS's checks of a platform application's attributes: known names, booleans, sample rates, ARNs,
    and the credential pair each platform needs (on create, or when a set changes them)."""
    for name, value in attributes.items():
        if name not in APPLICATION_ATTRIBUTES:
            raise invalid_parameter(f"Attributes Reason: Invalid attribute name: {name}")
        if name == "Enabled" and value not in ("true", "false"):
            raise invalid_parameter("Attributes Reason: Enabled must be true or false")
        if name == "SuccessFeedbackSampleRate" and (not value.isdigit() or int(value) > 100):
            raise invalid_parameter("Attributes Reason: SuccessFeedbackSampleRate must be an integer from 0 to 100")
        if name.startswith("Event") and value and not value.startswith("arn:aws:sns:"):
            raise invalid_parameter(f"Attributes Reason: {name} must be a topic ARN")
        if name.endswith("RoleArn") and value and ":iam::" not in value:
            raise invalid_parameter(f"Attributes Reason: {name} must be a role ARN")
    has_principal, has_credential = "PlatformPrincipal" in attributes, "PlatformCredential" in attributes
    if not creating and not (has_principal or has_credential):
        return
    if platform == "GCM":
        # FCM: the service-account JSON (HTTP v1) or a legacy server API key; no principal.
        if not has_credential:
            raise invalid_parameter("Attributes Reason: PlatformCredential attribute required")
        _check_fcm_credential(attributes["PlatformCredential"])
        return
    if has_principal and not has_credential:
        raise invalid_parameter("Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential")
    if has_credential and not has_principal:
        raise invalid_parameter("Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal")
    if not has_credential:
        raise invalid_parameter("Attributes Reason: PlatformCredential and PlatformPrincipal attributes required")
    principal, credential = attributes["PlatformPrincipal"], attributes["PlatformCredential"]
    if not principal.strip() or not credential.strip():
        raise _invalid_credentials()
    if platform in ("APNS", "APNS_SANDBOX"):
        _check_apns(principal, credential, attributes)
    elif platform == "MPNS" and ("BEGIN CERTIFICATE" not in principal or "PRIVATE KEY" not in credential):
        raise _invalid_credentials()


def _check_fcm_credential(credential: str) -> None:
    text = credential.strip()
    if not text:
        raise _invalid_credentials()
    if text.startswith("{"):
        try:
            account = read_json(text)
        except ValueError:
            raise _invalid_credentials() from None
        if (not isinstance(account, dict) or account.get("type") != "service_account"
                or not all(isinstance(account.get(k), str) and account[k] for k in SERVICE_ACCOUNT_FIELDS)
                or "PRIVATE KEY" not in account["private_key"]):
            raise _invalid_credentials()
    elif any(c.isspace() for c in text):
        raise _invalid_credentials()  # a legacy API key is one token


def _check_apns(principal: str, credential: str, attributes: dict[str, str]) -> None:
    if attributes.get("AuthenticationMethod") == "Token" or "ApplePlatformTeamID" in attributes:
        # Token-based: the .p8 signing key, its key id, the team and the bundle.
        for needed in ("ApplePlatformTeamID", "ApplePlatformBundleID"):
            if not attributes.get(needed):
                raise invalid_parameter(f"Attributes Reason: {needed} attribute required for token authentication")
        if "PRIVATE KEY" not in credential:
            raise _invalid_credentials()
    elif "BEGIN CERTIFICATE" not in principal or "PRIVATE KEY" not in credential:
        # Certificate-based: the SSL certificate and its private key, PEM-encoded.
        raise _invalid_credentials()


def check_endpoint_attributes(attributes: dict[str, str]) -> None:
    for name, value in attributes.items():
        if name not in ENDPOINT_ATTRIBUTES:
            raise invalid_parameter(f"Attributes Reason: Invalid attribute name: {name}")
        if name == "Enabled" and value not in ("true", "false"):
            raise invalid_parameter("Attributes Reason: Enabled must be true or false")
        if name == "Token" and not value:
            raise invalid_parameter("Attributes Reason: Token cannot be empty")
        if name == "CustomUserData" and len(value.encode()) > MAX_CUSTOM_USER_DATA:
            raise invalid_parameter("Attributes Reason: CustomUserData must be at most 2048 bytes")


def platform_payload(platform: str, published: dict) -> str:
    """What the push service receives: MessageStructure=json's entry for the platform, else the
    message wrapped as SNS wraps a plain message for that platform."""
    message = published["Message"]
    if published.get("MessageStructure") == "json":
        choices = json.loads(message)
        if platform in choices:
            return choices[platform]
        message = choices["default"]
    if platform in ("APNS", "APNS_SANDBOX"):
        return json.dumps({"aps": {"alert": message}})
    if platform in ("GCM", "ADM"):
        return json.dumps({"data": {"default": message}})
    if platform == "BAIDU":
        return json.dumps({"title": message, "description": message})
    if platform == "MPNS":
        return ('<?xml version="1.0" encoding="utf-8"?><wp:Notification xmlns:wp="WPNotification"><wp:Toast>'
                f"<wp:Text1>{escape(message)}</wp:Text1></wp:Toast></wp:Notification>")
    return f'<toast><visual><binding template="ToastText01"><text id="1">{escape(message)}</text></binding></visual></toast>'
