"""Amazon Data Firehose: buffered, durable delivery from DirectPut or a Kinesis stream to S3, HTTP and Redshift."""
