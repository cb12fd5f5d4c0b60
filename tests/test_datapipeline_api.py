"""Data Pipeline's API with boto3 and the AWS CLI: pipelines, definitions and AWS's validation errors,
activation, objects, expressions and tags."""
from __future__ import annotations

import json

import pytest

from tests.support import aws_cli, aws_cli_error, error_of, unique


def obj(object_id: str, **fields) -> dict:
    """A pipeline object; a field given as ("ref", id) is a reference."""
    out = []
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            out.append({"key": key, "refValue": one[1]} if isinstance(one, tuple) else
                       {"key": key, "stringValue": one})
    return {"id": object_id, "name": object_id, "fields": out}


VALID = [
    obj("Default", scheduleType="cron", workerGroup="wg", failureAndRerunMode="cascade"),
    obj("Daily", type="Schedule", period="1 day", startDateTime="2024-01-01T00:00:00",
        endDateTime="2024-01-04T00:00:00"),
    obj("Out", type="S3DataNode", schedule=("ref", "Daily"),
        directoryPath="s3://b/out/#{format(@scheduledStartTime,'YYYY-MM-dd')}"),
    obj("Hello", type="ShellCommandActivity", schedule=("ref", "Daily"), command="echo #{myGreeting}",
        output=("ref", "Out")),
]
PARAMS = [{"id": "myGreeting", "attributes": [{"key": "type", "stringValue": "String"},
                                              {"key": "default", "stringValue": "hello"}]}]


@pytest.fixture(scope="module")
def dp(aws):
    return aws("datapipeline")


def new_pipeline(dp) -> str:
    return dp.create_pipeline(name=unique("p"), uniqueId=unique("u"))["pipelineId"]


def test_create_is_idempotent_on_unique_id_and_lists(dp):
    token = unique("token")
    first = dp.create_pipeline(name="one", uniqueId=token, description="d", tags=[{"key": "k", "value": "v"}])
    again = dp.create_pipeline(name="one", uniqueId=token)
    assert first["pipelineId"] == again["pipelineId"] and first["pipelineId"].startswith("df-")
    listed = {p["id"]: p["name"] for p in dp.list_pipelines()["pipelineIdList"]}
    assert listed[first["pipelineId"]] == "one"
    described = dp.describe_pipelines(pipelineIds=[first["pipelineId"]])["pipelineDescriptionList"][0]
    fields = {f["key"]: f["stringValue"] for f in described["fields"]}
    assert fields["@pipelineState"] == "PENDING" and fields["uniqueId"] == token
    assert described["tags"] == [{"key": "k", "value": "v"}] and described["description"] == "d"


def test_definition_round_trips_and_activation_needs_a_valid_one(dp):
    pipeline = new_pipeline(dp)
    assert error_of(dp.activate_pipeline, pipelineId=pipeline) == ("InvalidRequestException", 400)
    put = dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=VALID, parameterObjects=PARAMS)
    assert put["errored"] is False and not put.get("validationErrors")
    latest = dp.get_pipeline_definition(pipelineId=pipeline)
    assert latest["pipelineObjects"] == VALID and latest["parameterObjects"] == PARAMS
    assert error_of(dp.get_pipeline_definition, pipelineId=pipeline, version="active").code == \
        "InvalidRequestException"
    dp.activate_pipeline(pipelineId=pipeline)
    assert dp.get_pipeline_definition(pipelineId=pipeline, version="active")["pipelineObjects"] == VALID


def test_validation_errors_per_object(dp):
    pipeline = new_pipeline(dp)
    bad = [
        obj("Default", workerGroup="wg"),
        obj("A", type="ShellCommandActivity", command="true", dependsOn=("ref", "B")),
        obj("B", type="ShellCommandActivity", command="true", dependsOn=("ref", "A")),
        obj("C", type="ShellCommandActivity", command="echo #{format(@scheduledStartTime,"),
        obj("D", type="ShellCommandActivity", command="true", schedule=("ref", "Nowhere")),
        obj("E", type="NoSuchType"),
        obj("F", type="ShellCommandActivity"),
        obj("G", type="Schedule", period="1 day", startDateTime="bad-time"),
        obj("H", type="ShellCommandActivity", command="true", colour="blue"),
        obj("I", type="EmrActivity", runsOn=("ref", "E")),
        obj("J", type="Schedule", period="sometimes", startDateTime="2024-01-01T00:00:00"),
        obj("K", type="ShellCommandActivity", command="true", maximumRetries="many", retryDelay="soon"),
    ]
    answer = dp.validate_pipeline_definition(pipelineId=pipeline, pipelineObjects=bad)
    errors = {e["id"]: " ".join(e["errors"]) for e in answer["validationErrors"]}
    assert answer["errored"] is True
    assert "cycle" in errors["A"] and "cycle" in errors["B"]
    assert "INVALID_EXPRESSION" in errors["C"]
    assert "Nowhere" in errors["D"]
    assert "INVALID_OBJECT_TYPE" in errors["E"]
    assert "MISSING_REQUIRED_FIELD" in errors["F"] and "command or scriptUri" in errors["F"]
    assert errors["G"] == "INVALID_FIELD_VALUE: 'startDateTime' value must be a literal datetime value."
    assert "H" not in errors
    assert errors["I"] == "MISSING_REQUIRED_FIELD: Object of type 'EmrActivity' requires the field 'step'"
    assert "'sometimes' is not a valid period" in errors["J"]
    assert "'maximumRetries' value 'many'" in errors["K"] and "'retryDelay' value 'soon'" in errors["K"]
    assert any(w["id"] == "H" and "colour" in w["warnings"][0] for w in answer["validationWarnings"])
    stored = dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=bad)
    assert stored["errored"] is True
    assert error_of(dp.activate_pipeline, pipelineId=pipeline) == ("InvalidRequestException", 400)


def test_expressions_evaluate_against_objects_and_instances(dp, endpoint):
    pipeline = new_pipeline(dp)
    dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=VALID, parameterObjects=PARAMS)
    evaluate = lambda expression, on="Hello": dp.evaluate_expression(  # noqa: E731
        pipelineId=pipeline, objectId=on, expression=expression)["evaluatedExpression"]
    assert evaluate("say #{myGreeting}") == "say hello"
    assert evaluate("#{output.type}") == "S3DataNode"
    assert evaluate("#{format(minusDays(makeDate(2024,3,1),1),'YYYY-MM-dd')}") == "2024-02-29"
    assert evaluate("#{format(plusHours('2024-01-01T22:00:00',3),'YYYY-MM-dd HH:mm')}") == "2024-01-02 01:00"
    assert evaluate("#{1 + 2 * 3}") in ("7", "9")
    assert error_of(dp.evaluate_expression, pipelineId=pipeline, objectId="Hello",
                    expression="#{nosuch(1)}").code == "InvalidRequestException"
    deep = "#{" + "(" * 3000 + "1" + ")" * 3000 + "}"  # bounded: the caller's 400, never the server's 500
    assert error_of(dp.evaluate_expression, pipelineId=pipeline, objectId="Hello",
                    expression=deep).code == "InvalidRequestException"
    dp.activate_pipeline(pipelineId=pipeline)
    instance = "@Hello_2024-01-01T00:00:00"
    ids = _wait_ids(dp, pipeline, "INSTANCE", [])
    assert instance in ids
    assert evaluate("#{format(@scheduledStartTime,'YYYY-MM-dd')}", instance) == "2024-01-01"
    assert evaluate("#{output.directoryPath}", instance) == "s3://b/out/2024-01-01"


def _wait_ids(dp, pipeline: str, sphere: str, selectors: list, count: int = 1) -> list[str]:
    import time
    deadline = time.monotonic() + 30
    while True:
        ids = dp.query_objects(pipelineId=pipeline, sphere=sphere, query={"selectors": selectors})["ids"]
        if len(ids) >= count or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)


def test_backfill_instances_query_and_set_status(dp):
    pipeline = new_pipeline(dp)
    dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=VALID, parameterObjects=PARAMS)
    dp.activate_pipeline(pipelineId=pipeline)
    ids = _wait_ids(dp, pipeline, "INSTANCE", [], count=3)
    assert ids == ["@Hello_2024-01-01T00:00:00", "@Hello_2024-01-02T00:00:00", "@Hello_2024-01-03T00:00:00"]
    waiting = _wait_ids(dp, pipeline, "INSTANCE", [
        {"fieldName": "@status", "operator": {"type": "EQ", "values": ["WAITING_FOR_RUNNER"]}}], count=3)
    assert len(waiting) == 3
    between = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE", query={"selectors": [
        {"fieldName": "@scheduledStartTime",
         "operator": {"type": "BETWEEN", "values": ["2024-01-02T00:00:00", "2024-01-03T00:00:00"]}}]})["ids"]
    assert between == ids[1:]
    dp.set_status(pipelineId=pipeline, objectIds=[ids[0]], status="MARK_FINISHED")
    described = dp.describe_objects(pipelineId=pipeline, objectIds=[ids[0]])["pipelineObjects"][0]
    assert {"key": "@status", "stringValue": "MARK_FINISHED"} in described["fields"]
    assert error_of(dp.set_status, pipelineId=pipeline, objectIds=[ids[0]], status="PAUSE").code == \
        "InvalidRequestException"
    components = dp.query_objects(pipelineId=pipeline, sphere="COMPONENT")["ids"]
    assert "Hello" in components
    assert error_of(dp.query_objects, pipelineId=pipeline, sphere="INSTANCE", marker="x") == \
        ("InvalidRequestException", 400)


def test_tags_delete_and_missing_pipelines(dp):
    pipeline = new_pipeline(dp)
    dp.add_tags(pipelineId=pipeline, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    dp.remove_tags(pipelineId=pipeline, tagKeys=["a"])
    assert dp.describe_pipelines(pipelineIds=[pipeline])["pipelineDescriptionList"][0]["tags"] == \
        [{"key": "b", "value": "2"}]
    dp.delete_pipeline(pipelineId=pipeline)
    assert error_of(dp.describe_pipelines, pipelineIds=[pipeline]).code == "PipelineDeletedException"
    assert pipeline not in [p["id"] for p in dp.list_pipelines()["pipelineIdList"]]
    assert error_of(dp.describe_pipelines, pipelineIds=["df-NOSUCHPIPELINE0000"]) == \
        ("PipelineNotFoundException", 400)


def test_aws_cli_puts_a_definition_file(endpoint, tmp_path):
    created = aws_cli(endpoint, "datapipeline", "create-pipeline", "--name", "cli", "--unique-id", unique("cli"))
    pipeline = created["pipelineId"]
    definition = tmp_path / "definition.json"
    definition.write_text(json.dumps({"objects": [
        {"id": "Default", "name": "Default", "workerGroup": "wg", "scheduleType": "ondemand"},
        {"id": "Hi", "name": "Hi", "type": "ShellCommandActivity", "command": "echo hi"}]}))
    answer = aws_cli(endpoint, "datapipeline", "put-pipeline-definition", "--pipeline-id", pipeline,
                     "--pipeline-definition", f"file://{definition}")
    assert answer["errored"] is False
    aws_cli(endpoint, "datapipeline", "activate-pipeline", "--pipeline-id", pipeline)
    assert "PipelineNotFoundException" in aws_cli_error(endpoint, "datapipeline", "activate-pipeline",
                                                        "--pipeline-id", "df-MISSING")
