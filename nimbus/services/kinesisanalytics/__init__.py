"""Amazon Kinesis Data Analytics v1 (SQL applications): applications, inputs, outputs, reference data,
logging options, tags and DiscoverInputSchema sampling real streams and S3 objects."""
