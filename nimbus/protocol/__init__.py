"""Generic, botocore-model-driven wire protocol layer: parse requests, serialize responses and errors."""
