"""What a channel writes to S3: object keys from the output key template, compression, dead-letter lines.

The key template syntax is AWS's: ``!{name}`` variables (``channel-name``, ``channel-id``, ``stream-name``,
``yyyy``, ``yy``, ``MM``, ``dd``, ``HH``, ``mm``, ``extension`` or ``extension:.literal``), times in UTC from
the oldest record of the object. Kinesis appends a unique suffix to every key; nimbus puts it before the
trailing extension and derives it from the channel and the object's first records, so an object written
again after a crash (delivered, not yet checkpointed) replaces itself instead of appearing twice.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from datetime import UTC, datetime

from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.documents import Channel

DEFAULT_TEMPLATE = ("kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/"
                    "!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}")
EXTENSIONS = {"NONE": "", "GZIP": ".gz", "ZSTD": ".zst"}
VARIABLES = ("channel-name", "channel-id", "stream-name", "yyyy", "yy", "MM", "dd", "HH", "mm", "extension")
_VARIABLE = re.compile(r"!\{([A-Za-z-]+)(?::([^{}]*))?\}")
_LITERAL_EXTENSION = re.compile(r"\.[A-Za-z0-9.]+")


def default_error_prefix(name: str, channel_id: str) -> str:
    return f"kinesis-channel/errors/{name}/{channel_id}/"


def validate_template(template: str, compression: str) -> None:
    """The template rules AWS documents; the model's pattern already limited the characters."""
    def invalid(why: str) -> ServiceError:
        return ServiceError("InvalidArgumentException", f"Invalid OutputKeyTemplate {template!r}: {why}.")
    if template.startswith("/") or template.endswith("/"):
        raise invalid("it must not start or end with '/'")
    if ".." in template or "./" in template:
        raise invalid("it must not contain '..' or './'")
    remainder = _VARIABLE.sub("", template)
    if "!{" in remainder or "{" in remainder or "}" in remainder:
        raise invalid("every '!{' needs a closing '}' around a variable name")
    found = list(_VARIABLE.finditer(template))
    if not found:
        raise invalid("it must contain at least one variable")
    for match in found:
        name, literal = match.group(1), match.group(2)
        if name not in VARIABLES:
            raise invalid(f"unknown variable !{{{name}}}")
        if literal is not None and (name != "extension" or not _LITERAL_EXTENSION.fullmatch(literal)):
            raise invalid(f"!{{{name}:{literal}}} is not a variable nimbus knows")
    if compression != "NONE" and not (found[-1].group(1) == "extension" and found[-1].end() == len(template)):
        raise invalid("with compression the template must end with !{extension}")


def object_key(template: str, channel: Channel, oldest_ms: int, unique: str) -> str:
    moment = datetime.fromtimestamp(oldest_ms / 1000, tz=UTC)
    extension = EXTENSIONS[channel["Destination"]["StorageConfiguration"]["CompressionType"]]
    values = {"channel-name": channel["ChannelName"], "channel-id": channel["ChannelId"],
              "stream-name": channel["Stream"]["StreamName"],
              "yyyy": f"{moment.year:04d}", "yy": f"{moment.year % 100:02d}", "MM": f"{moment.month:02d}",
              "dd": f"{moment.day:02d}", "HH": f"{moment.hour:02d}", "mm": f"{moment.minute:02d}"}

    def expand(text: str) -> str:
        def one(match: re.Match) -> str:
            if match.group(1) == "extension":
                return match.group(2) or extension
            return values[match.group(1)]
        return _VARIABLE.sub(one, text)
    last = list(_VARIABLE.finditer(template))
    if last and last[-1].group(1) == "extension" and last[-1].end() == len(template):
        cut = last[-1].start()
        return expand(template[:cut]) + f"-{unique}" + expand(template[cut:])
    return expand(template) + f"-{unique}"


def unique_suffix(channel_id: str, firsts: list[tuple[int, int]], part: str) -> str:
    """Stable for the same channel, first (shard, position) of each shard, and part (data or errors)."""
    text = channel_id + part + ";".join(f"{shard}:{position}" for shard, position in sorted(firsts))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def compress(data: bytes, kind: str) -> bytes:
    if kind == "GZIP":
        return gzip.compress(data, compresslevel=6)
    if kind == "ZSTD":
        import cramjam
        return bytes(cramjam.zstd.compress(data))
    return data


def invalid_reason(data: bytes, fmt: str) -> str | None:
    """Why a record cannot be delivered as ``fmt`` (AWS validates STRING as UTF-8 and JSON as JSON)."""
    if fmt not in ("JSON", "STRING"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"Record is not valid UTF-8: {exc.reason} at byte {exc.start}"
    if fmt == "JSON":
        try:
            json.loads(text)
        except ValueError as exc:
            return f"Record is not valid JSON: {exc}"
    return None


def dead_letter_line(channel: Channel, record: dict, reason: str, now_ms: int) -> str:
    """One failed record with its error context, as a JSON line of a dead-letter object."""
    return json.dumps({
        "channelName": channel["ChannelName"], "channelId": channel["ChannelId"],
        "streamARN": channel["Stream"]["StreamARN"],
        "shardId": record["shard_id"], "sequenceNumber": record["seq"], "partitionKey": record["key"],
        "approximateArrivalTimestamp": record["arrival"], "errorCode": "InvalidRecordFormat",
        "errorMessage": reason, "recordFormatType": channel["RecordConfiguration"]["RecordFormatType"],
        "attemptEndingTimestamp": now_ms, "rawData": base64.b64encode(record["data"]).decode(),
    })
