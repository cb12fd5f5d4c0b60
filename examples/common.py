"""What every example needs: clients of the endpoint in AWS_ENDPOINT_URL, and a patient wait."""
from __future__ import annotations

import json
import os
import time
import urllib.request

import boto3


def clients(endpoint: str | None = None):
    """``aws("s3")``: a boto3 client of nimbus, with the credentials and Region of the environment."""
    settings = dict(endpoint_url=endpoint or os.environ["AWS_ENDPOINT_URL"],
                    region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    return lambda service, **extra: boto3.client(service, **{**settings, **extra})


def wait_for(what: str, check, seconds: float = 60, every: float = 0.2):
    """Poll ``check`` until it returns something truthy; deliveries happen in the background."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {seconds} s")


def advance_clock(seconds: float) -> float:
    """Move nimbus's virtual clock forward (what fell due runs before it answers); returns its time."""
    request = urllib.request.Request(f"{os.environ['AWS_ENDPOINT_URL']}/_nimbus/clock", method="POST",
                                     data=json.dumps({"advance_seconds": seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)["epoch"]
