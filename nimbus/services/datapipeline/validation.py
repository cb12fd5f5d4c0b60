"""ValidatePipelineDefinition's checks, per object, in AWS's words (``CATEGORY: message``): unknown types,
missing required fields, references to objects that do not exist, cycles, invalid expressions and
literal date-times; fields a type does not know are warnings."""
from __future__ import annotations

from .expressions import ExpressionError, check, expressions_in, parse_datetime
from .objects_model import Definition, PipelineObject
from .schedule import parse_period

_COMMON = {"type", "parent", "name", "id", "schedule", "scheduleType", "workerGroup", "runsOn", "dependsOn",
           "precondition", "onFail", "onSuccess", "onLateAction", "maximumRetries", "retryDelay",
           "attemptTimeout", "lateAfterTimeout", "failureAndRerunMode", "pipelineLogUri", "role",
           "resourceRole", "reportProgressTimeout", "maxActiveInstances", "input", "output",
           "attemptStatus", "healthStatus"}
# type -> (required fields: each an alternative of names, one of which must be set; extra known fields)
TYPES: dict[str, tuple[list[tuple[str, ...]], set[str]]] = {
    "Schedule": ([("period",)], {"startDateTime", "startAt", "endDateTime", "occurrences"}),
    "ShellCommandActivity": ([("command", "scriptUri")], {"scriptArgument", "stage", "stdout", "stderr"}),
    "CopyActivity": ([("input",), ("output",)], set()),
    "SqlActivity": ([("database",), ("script", "scriptUri")], {"scriptArgument", "queue"}),
    "RedshiftCopyActivity": ([("input",), ("output",), ("insertMode",)], {"commandOptions", "transformSql"}),
    "EmrActivity": ([("step",)], {"preStepCommand", "postStepCommand"}),
    "HiveActivity": ([("hiveScript", "scriptUri")], {"scriptVariable", "stage"}),
    "S3DataNode": ([], {"directoryPath", "filePath", "dataFormat", "compression", "manifestFilePath"}),
    "SqlDataNode": ([("table",), ("database",)], {"selectQuery", "insertQuery", "createTableSql"}),
    "RedshiftDataNode": ([("tableName",), ("database",)], {"createTableSql", "primaryKeys", "schemaName"}),
    "JdbcDatabase": ([("connectionString",), ("jdbcDriverClass",)],
                     {"username", "*password", "databaseName", "jdbcProperties", "jdbcDriverJarUri"}),
    "RedshiftDatabase": ([("username",), ("*password",)], {"clusterId", "connectionString", "databaseName"}),
    "Ec2Resource": ([], {"terminateAfter", "instanceType", "imageId", "keyPair", "securityGroups", "subnetId",
                         "actionOnTaskFailure", "actionOnResourceFailure"}),
    "EmrCluster": ([], {"releaseLabel", "masterInstanceType", "coreInstanceType", "coreInstanceCount",
                        "terminateAfter", "applications", "bootstrapAction"}),
    "S3KeyExists": ([("s3Key",)], set()), "S3PrefixNotEmpty": ([("s3Prefix",)], set()),
    "ShellCommandPrecondition": ([("command", "scriptUri")], {"scriptArgument", "stdout", "stderr",
                                                              "preconditionTimeout"}),
    "Exists": ([], set()),
    "SnsAlarm": ([("topicArn",), ("message",), ("subject",)], set()),
    "Terminate": ([], set()),
    "CSV": ([], {"column"}), "TSV": ([], {"column"}), "Custom": ([], {"column", "columnSeparator"}),
}
ACTIVITIES = {"ShellCommandActivity", "CopyActivity", "SqlActivity", "RedshiftCopyActivity", "EmrActivity",
              "HiveActivity"}
_DATETIMES = ("startDateTime", "endDateTime")
_PERIODS = ("period", "attemptTimeout", "retryDelay", "lateAfterTimeout", "terminateAfter", "reportProgressTimeout",
            "preconditionTimeout")
_INTEGERS = {"maximumRetries": 10, "occurrences": 1_000_000}  # field -> its largest value


def _problems(definition: Definition, obj: PipelineObject) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    object_id = obj["id"]
    kind = definition.type_of(object_id)
    if kind is None and object_id != "Default":
        errors.append("MISSING_REQUIRED_FIELD: Object is missing the required field 'type'")
    elif kind is not None and kind not in TYPES:
        errors.append(f"INVALID_OBJECT_TYPE: '{kind}' is not a valid object type")
    for field in obj.get("fields", []):
        if "refValue" in field and field["refValue"] not in definition.objects:
            errors.append(f"INVALID_FIELD_VALUE: '{field['key']}' references an object that does not exist: "
                          f"'{field['refValue']}'")
        text = field.get("stringValue")
        if text is not None and text == "" or field.get("refValue") == "":
            errors.append(f"INVALID_FIELD_VALUE: '{field['key']}' cannot be empty")
        try:
            for expression in expressions_in(text or ""):
                check(expression)
        except ExpressionError as exc:
            errors.append(f"INVALID_EXPRESSION: '{field['key']}' has an invalid expression: {exc}")
        if text and "#{" not in text:
            problem = _literal_problem(field["key"], text)
            if problem:
                errors.append(problem)
        if field["key"] in _DATETIMES and text and "#{" not in text:
            try:
                parse_datetime(text)
            except ExpressionError:
                errors.append(f"INVALID_FIELD_VALUE: '{field['key']}' value must be a literal datetime value.")
    if kind in TYPES:
        required, known = TYPES[kind]
        for names in required:
            if not any(definition.fields(object_id, name) for name in names):
                errors.append(f"MISSING_REQUIRED_FIELD: Object of type '{kind}' requires the field "
                              f"'{' or '.join(names)}'")
        for field in obj.get("fields", []):
            if field["key"] not in known and not any(field["key"] in names for names in required) and field["key"] not in _COMMON and not field["key"].startswith("@"):
                warnings.append(f"UNKNOWN_FIELD: '{field['key']}' is not a field of type '{kind}'")
        if kind == "Schedule" and not definition.fields(object_id, "startDateTime") \
                and definition.get(object_id, "startAt") != "FIRST_ACTIVATION_DATE_TIME":
            errors.append("MISSING_REQUIRED_FIELD: Schedule requires 'startDateTime' or "
                          "'startAt' FIRST_ACTIVATION_DATE_TIME")
        if kind in ACTIVITIES and not definition.fields(object_id, "runsOn") \
                and not definition.fields(object_id, "workerGroup"):
            errors.append("MISSING_REQUIRED_FIELD: An activity requires 'runsOn' or 'workerGroup'")
    return errors, warnings


def _literal_problem(key: str, text: str) -> str | None:
    """What is wrong with a period or a number written literally, if anything."""
    if key in _PERIODS:
        try:
            parse_period(text)
        except ExpressionError:
            return f"INVALID_FIELD_VALUE: '{key}' value '{text}' is not a valid period (such as '1 hour')"
    if key in _INTEGERS and not (text.isdigit() and int(text) <= _INTEGERS[key]):
        return f"INVALID_FIELD_VALUE: '{key}' value '{text}' must be an integer from 0 to {_INTEGERS[key]}"
    return None


def _cycles(definition: Definition) -> dict[str, str]:
    """Objects on a cycle of ``dependsOn`` or ``parent`` references, with the cycle in words."""
    found: dict[str, str] = {}
    for key in ("dependsOn", "parent"):
        for start in definition.objects:
            for cycle in _cycle_through(definition, key, start):
                found.setdefault(start, cycle)
    return found


def _cycle_through(definition: Definition, key: str, start: str) -> list[str]:
    """The cycle of ``key`` references back to ``start``, if any, found by depth-first search."""
    seen: set[str] = set()
    stack = [(start, [start])]
    while stack:
        current, path = stack.pop()
        for field in definition.objects[current].get("fields", []):
            target = field.get("refValue")
            if field["key"] != key or target not in definition.objects:
                continue
            if target == start:
                return [f"CIRCULAR_DEPENDENCY: '{key}' references form a cycle: {' -> '.join([*path, start])}"]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return []


def validate(objects: list[PipelineObject]) -> tuple[list[dict], list[dict]]:
    """(validationErrors, validationWarnings) as the API answers them."""
    definition = Definition(objects)
    cycles = _cycles(definition)
    errors, warnings = [], []
    seen: set[str] = set()
    for obj in objects:
        found, cautions = _problems(definition, obj)
        if obj["id"] in seen:
            found.append(f"DUPLICATE_OBJECT: more than one object has the id '{obj['id']}'")
        seen.add(obj["id"])
        if obj["id"] in cycles:
            found.append(cycles[obj["id"]])
        if found:
            errors.append({"id": obj["id"], "errors": found})
        if cautions:
            warnings.append({"id": obj["id"], "warnings": cautions})
    return errors, warnings
