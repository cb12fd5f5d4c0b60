"""Amazon Managed Service for Apache Flink (Kinesis Data Analytics v2): applications run as real Flink jobs."""
