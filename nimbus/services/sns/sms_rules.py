"""SMS rules shared by publishing and the fan-out: E.164 numbers, sender ids, SMS attributes and the
record of a text message nimbus would have sent."""
from __future__ import annotations

import re

from .common import invalid_parameter, sent_ns, sms_ns
from .documents import SMS_SETTINGS, SmsSettings
from .fanout import next_record_seq

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
SENDER_ID = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$")
SMS_TYPES = ("Promotional", "Transactional")
SMS_ATTRIBUTES = {"MonthlySpendLimit", "DeliveryStatusIAMRole", "DeliveryStatusSuccessSamplingRate",
                  "DefaultSenderID", "DefaultSMSType", "UsageReportS3Bucket"}
DEFAULT_SMS_ATTRIBUTES = {"MonthlySpendLimit": "1"}  # AWS's default spend limit, in USD
OPT_IN_INTERVAL_SECONDS = 30 * 24 * 3600  # a number can be opted back in once every 30 days
MAX_SANDBOX_NUMBERS = 10
SETTINGS_KEY = "settings"


def check_number(number: str | None) -> str:
    if not number or not E164.match(number):
        raise invalid_parameter("PhoneNumber Reason: input incorrectly formatted")
    return number


def check_sms_attribute(name: str, value: str) -> None:
    if name not in SMS_ATTRIBUTES:
        raise invalid_parameter(f"{name} is not a valid attribute")
    if name == "DefaultSMSType" and value not in SMS_TYPES:
        raise invalid_parameter("DefaultSMSType Reason: must be Promotional or Transactional")
    if name == "DefaultSenderID" and value and not SENDER_ID.match(value):
        raise invalid_parameter("DefaultSenderID Reason: 1 to 11 letters and digits, at least one letter")
    if name == "MonthlySpendLimit" and not value.isdigit():
        raise invalid_parameter("MonthlySpendLimit Reason: must be a whole number of USD")
    if name == "DeliveryStatusSuccessSamplingRate" and (not value.isdigit() or int(value) > 100):
        raise invalid_parameter("DeliveryStatusSuccessSamplingRate Reason: must be an integer from 0 to 100")
    if name == "DeliveryStatusIAMRole" and value and ":iam::" not in value:
        raise invalid_parameter("DeliveryStatusIAMRole Reason: must be a role ARN")


def sms_options(attributes: dict | None, settings: SmsSettings) -> dict[str, str]:
    """The SMS settings of one message: its AWS.SNS.SMS.* attributes over the account's defaults."""
    attributes = attributes or {}
    defaults = settings.get("Attributes", {})
    options = {"SMSType": defaults.get("DefaultSMSType", "Promotional")}
    if defaults.get("DefaultSenderID"):
        options["SenderID"] = defaults["DefaultSenderID"]
    for name in ("SenderID", "SMSType", "MaxPrice"):
        given = attributes.get(f"AWS.SNS.SMS.{name}")
        if given is None:
            continue
        value = given.get("StringValue", given.get("Value", ""))  # as sent, or as stored
        if name == "SenderID" and not SENDER_ID.match(value):
            raise invalid_parameter("MessageAttributes Reason: AWS.SNS.SMS.SenderID must be 1 to 11 letters and "
                                    "digits, at least one letter")
        if name == "SMSType" and value not in SMS_TYPES:
            raise invalid_parameter(f"MessageAttributes Reason: AWS.SNS.SMS.SMSType: Invalid value [{value}]")
        if name == "MaxPrice":
            try:
                if float(value) < 0:
                    raise ValueError
            except ValueError:
                raise invalid_parameter("MessageAttributes Reason: AWS.SNS.SMS.MaxPrice must be a "
                                        "non-negative number") from None
        options[name] = value
    return options


def settings_of(store, account: str, region: str) -> SmsSettings:
    return SMS_SETTINGS.get(store, sms_ns(account, region), SETTINGS_KEY) or SmsSettings()


def sms_record(settings: SmsSettings, account: str, region: str, number: str, message: str, message_id: str,
               now: float, options: dict[str, str], subscription: dict | None = None) -> tuple[tuple, str, dict]:
    """The text message as the carrier would get it; an opted-out number's is kept as suppressed
    (AWS accepts the publish and delivers nothing)."""
    status = "OPTED_OUT" if number in settings.get("OptedOut", {}) else "DELIVERED"
    return sent_ns(account, region), f"{now:017.6f}-{next_record_seq():012d}", {
        "Protocol": "sms", "Endpoint": number, "MessageId": message_id, "Type": "Notification",
        "Body": message, "Time": now, "SMSType": options.get("SMSType"), "SenderID": options.get("SenderID"),
        "MaxPrice": options.get("MaxPrice"), "Status": status,
        "SubscriptionArn": (subscription or {}).get("SubscriptionArn"), "TopicArn": (subscription or {}).get("TopicArn"),
    }
