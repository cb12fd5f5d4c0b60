"""CloudWatch's stored settings and saved queries: metric data query definitions (SQL and metric math checked
by the engines GetMetricData runs), the metrics dataset and its KMS key (checked through KMS), OpenTelemetry
enrichment, resource metrics configurations, and DescribeAlarmContributors."""
from __future__ import annotations

import pytest

from tests.support import aws_cli, error_of, unique


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def test_query_definitions(cw, account):
    path = f"team/{unique('cpu')}"
    created = cw.put_metric_data_query_definition(Path=path, Type="SQL",
                                                  Expression='SELECT AVG(CPUUtilization) FROM "AWS/EC2"')
    definition_id = created["Id"]
    assert created["Arn"].startswith(f"arn:aws:cloudwatch:us-east-1:{account}:")
    got = cw.get_metric_data_query_definition(Id=definition_id)
    assert (got["Path"], got["Type"]) == (path, "SQL")
    updated = cw.put_metric_data_query_definition(Id=definition_id, Path=path, Type="METRIC_MATH",
                                                  Expression="m1 * 2")
    assert updated["Type"] == "METRIC_MATH" and updated["CreatedAt"] == got["CreatedAt"]
    assert definition_id in [i["Id"] for i in cw.list_metric_data_query_definitions()["Items"]]
    assert error_of(cw.put_metric_data_query_definition, Path=path, Type="PROMQL", Expression="up") == (
        "ConflictException", 409)
    assert error_of(cw.put_metric_data_query_definition, Path=unique("p"), Type="SQL",
                    Expression="SELEKT nothing") == ("ValidationError", 400)
    assert error_of(cw.put_metric_data_query_definition, Id="no-such-id", Path=unique("p"), Type="PROMQL",
                    Expression="up") == ("ResourceNotFoundException", 404)
    cw.delete_metric_data_query_definition(Id=definition_id)
    assert error_of(cw.get_metric_data_query_definition, Id=definition_id) == ("ResourceNotFoundException", 404)


def test_dataset_kms_key(cw, aws, account):
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    dataset = cw.get_dataset(DatasetIdentifier="default")
    assert (dataset["DatasetId"], dataset["Arn"]) == ("default", f"arn:aws:cloudwatch:us-east-1:{account}:dataset/default")
    assert "KmsKeyArn" not in dataset
    cw.associate_dataset_kms_key(DatasetIdentifier="default", KmsKeyArn=key)
    assert cw.get_dataset(DatasetIdentifier=f"arn:aws:cloudwatch:us-east-1:{account}:dataset/default")[
        "KmsKeyArn"] == key
    kms.disable_key(KeyId=key)
    assert error_of(cw.associate_dataset_kms_key, DatasetIdentifier="default", KmsKeyArn=key) == (
        "KmsKeyDisabledException", 400)
    absent = key.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert error_of(cw.associate_dataset_kms_key, DatasetIdentifier="default", KmsKeyArn=absent) == (
        "KmsKeyNotFoundException", 400)
    other = "arn:aws:cloudwatch:us-east-1:999999999999:dataset/default"
    assert error_of(cw.get_dataset, DatasetIdentifier=other) == ("ResourceNotFoundException", 404)
    cw.disassociate_dataset_kms_key(DatasetIdentifier="default")
    assert "KmsKeyArn" not in cw.get_dataset(DatasetIdentifier="default")


def test_otel_enrichment(cw):
    assert cw.get_otel_enrichment()["Status"] == "Stopped"
    assert error_of(cw.update_otel_enrichment, EnableTagEnrichment=True) == ("ResourceNotFoundException", 404)
    started = cw.start_otel_enrichment(IncludeFilters=[{"Namespace": "AWS/EC2"}])
    assert started["IncludeFilters"] == [{"Namespace": "AWS/EC2"}]
    cw.update_otel_enrichment(IncludeFilters=[{"Namespace": "App", "MetricNames": ["Latency"]}],
                              EnableTagEnrichment=True)
    got = cw.get_otel_enrichment()
    assert got["Status"] == "Running" and got["EnableTagEnrichment"] is True
    assert got["IncludeFilters"] == [{"Namespace": "App", "MetricNames": ["Latency"]}]
    cw.stop_otel_enrichment()
    assert cw.get_otel_enrichment()["Status"] == "Stopped"


def test_resource_metrics_configurations(cw, account):
    arn = f"arn:aws:ec2:us-east-1:{account}:instance/i-{unique('x')}"
    selections = [{"IncludeMetrics": ["CPUUtilization"]}]
    made = cw.create_resource_metrics_configuration(ResourceArn=arn, MetricSelections=selections)
    assert made["ResourceMetricsConfiguration"]["MetricSelections"] == selections
    assert error_of(cw.create_resource_metrics_configuration, ResourceArn=arn) == ("ConflictException", 409)
    cw.update_resource_metrics_configuration(ResourceArn=arn, MetricSelections=[{"IncludeMetrics": ["NetworkIn"]}])
    got = cw.get_resource_metrics_configuration(ResourceArn=arn)["ResourceMetricsConfiguration"]
    assert got["MetricSelections"] == [{"IncludeMetrics": ["NetworkIn"]}] and got["UpdatedAt"] >= got["CreatedAt"]
    cw.delete_resource_metrics_configuration(ResourceArn=arn)
    assert error_of(cw.get_resource_metrics_configuration, ResourceArn=arn) == ("ResourceNotFoundException", 404)
    assert error_of(cw.delete_resource_metrics_configuration, ResourceArn=arn) == ("ResourceNotFoundException", 404)


def test_alarm_contributors(cw):
    name = unique("contrib")
    cw.put_metric_alarm(AlarmName=name, Namespace="C", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    assert cw.describe_alarm_contributors(AlarmName=name)["AlarmContributors"] == []
    assert error_of(cw.describe_alarm_contributors, AlarmName=unique("none")) == ("ResourceNotFoundException", 404)


def test_dataset_through_the_cli(endpoint):
    """The CLI of botocore's version has the dataset and mute-rule commands (not yet the query definitions)."""
    got = aws_cli(endpoint, "cloudwatch", "get-dataset", "--dataset-identifier", "default")
    assert got["DatasetId"] == "default"
    assert "AlarmMuteRuleSummaries" in aws_cli(endpoint, "cloudwatch", "list-alarm-mute-rules")
