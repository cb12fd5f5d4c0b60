"""Dynamic partitioning: partition keys from each JSON record with a JQ query (the PyPI ``jq`` library).

The ``MetadataExtraction`` processor's ``MetadataExtractionQuery`` (e.g. ``{customer: .customer_id}``) runs
on every record; its result's values fill ``!{partitionKeyFromQuery:<key>}`` in the prefix, and records
with the same keys share an object. A record that is not JSON, or whose query fails or yields a missing
key, goes to the error prefix as ``partitioning-failed``. ``AppendDelimiterToRecord`` adds its delimiter
(default newline) to every record.
"""
from __future__ import annotations

import codecs
import functools
import json
import re

from nimbus.services.firehose.common import invalid
from nimbus.services.firehose.prefixes import EXPRESSION


def processor_parameter(config: dict, kind: str, name: str) -> str | None:
    processing = config.get("ProcessingConfiguration") or {}
    if processing.get("Enabled") is False:
        return None
    for processor in processing.get("Processors") or []:
        if processor.get("Type") == kind:
            for parameter in processor.get("Parameters") or []:
                if parameter.get("ParameterName") == name:
                    return parameter.get("ParameterValue")
            return ""
    return None


@functools.lru_cache(maxsize=64)
def _compiled(query: str):
    import jq
    return jq.compile(query)


def query_keys(config: dict) -> list[str]:
    return [key for namespace, key in EXPRESSION.findall(config.get("Prefix") or "")
            if namespace == "partitionKeyFromQuery"]


def check(config: dict) -> None:
    keys = query_keys(config)
    query = processor_parameter(config, "MetadataExtraction", "MetadataExtractionQuery")
    if keys and not query:
        raise invalid("The prefix uses partitionKeyFromQuery but no MetadataExtraction processor with a "
                      "MetadataExtractionQuery is configured.")
    if any(ns == "partitionKeyFromLambda" for ns, _ in EXPRESSION.findall(config.get("Prefix") or "")):
        raise invalid("nimbus has no Lambda: partitionKeyFromLambda is not supported; use partitionKeyFromQuery.")
    if query:
        try:
            _compiled(query)
        except ValueError as exc:
            raise invalid(f"MetadataExtractionQuery is not a valid JQ expression: {exc}") from None


def delimited(config: dict, records: list[bytes]) -> list[bytes]:
    delimiter = processor_parameter(config, "AppendDelimiterToRecord", "Delimiter")
    if delimiter is None:
        return records
    suffix = codecs.decode(delimiter or "\\n", "unicode_escape").encode()
    return [record + suffix for record in records]


def _value(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def group(config: dict, records: list[bytes], arrivals: list[float]):
    """([(part id, keys, records, arrivals)], [(record, arrival, error)])."""
    query = processor_parameter(config, "MetadataExtraction", "MetadataExtractionQuery")
    wanted = query_keys(config)
    program = _compiled(query) if query else None
    groups: dict[str, tuple[dict, list, list]] = {}
    failed = []
    for record, arrival, out in zip(records, arrivals, delimited(config, records)):
        try:
            found = program.input_value(json.loads(record)).first() if program else {}
            if not isinstance(found, dict):
                raise ValueError("the MetadataExtractionQuery must yield a JSON object")
            keys = {key: _value(found[key]) for key in wanted if found.get(key) is not None}
            missing = [key for key in wanted if key not in keys]
            if missing:
                raise ValueError(f"partition keys {missing} not found in the record")
            if any(re.search(r"[\x00-\x1f]", value) for value in keys.values()):
                raise ValueError("a partition key value contains control characters")
        except (ValueError, TypeError) as exc:
            failed.append((record, arrival, str(exc)))
            continue
        part = json.dumps(keys, sort_keys=True)
        entry = groups.setdefault(part, (keys, [], []))
        entry[1].append(out)
        entry[2].append(arrival)
    return [(part, keys, recs, times) for part, (keys, recs, times) in groups.items()], failed
