"""Importing this module registers every type Config records (``described.SUPPORTED``)."""
from __future__ import annotations

from nimbus.services.config import (
    types_cloudfront,
    types_cloudfront_resources,
    types_cloudwatch,
    types_ecr,
    types_emr,
    types_flink,
    types_iam,
    types_kinesis_consumers,
    types_logs,
    types_regional,
    types_s3,
    types_sqs,
    types_trail,
)
from nimbus.services.config.described import SUPPORTED

MODULES = (types_cloudfront, types_cloudfront_resources, types_cloudwatch, types_ecr, types_emr, types_flink, types_iam,
           types_kinesis_consumers, types_logs, types_regional, types_s3, types_sqs, types_trail)

__all__ = ["MODULES", "SUPPORTED"]
