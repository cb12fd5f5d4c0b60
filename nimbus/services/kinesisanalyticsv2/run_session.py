"""A run's role session: the service execution role's credentials a Flink job signs with, renewed on the
virtual clock before they expire, as AWS renews an application's session. The job gets the first session
in its ``AWS_*`` environment; nimbus's Java clients (the Kinesis connectors, the S3 filesystem) read the
renewed ones from the refresh file ``NIMBUS_CREDENTIALS_FILE`` names, rewritten atomically at each renewal."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .common import SERVICE_PRINCIPAL
from .documents import Application

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

SESSION_SECONDS = 3600
RENEW_BEFORE = 900  # renewed when this little of the session is left (virtual seconds)
FILE_NAME = "credentials"


class RunSession:
    def __init__(self, runtime: Runtime, app: Application, workdir: Path, session_name: str):
        self.runtime, self.app, self.session_name = runtime, app, session_name
        self.file = workdir / FILE_NAME
        self.expires = 0.0
        self.credentials: dict = {}

    def renew(self) -> dict:
        """A new session of the role, written to the refresh file; its credentials."""
        now = self.runtime.clock.time()
        self.credentials = self.runtime.client.call(
            "sts", "AssumeRole", {"RoleArn": self.app["ServiceExecutionRole"], "RoleSessionName": self.session_name,
                                  "DurationSeconds": SESSION_SECONDS},
            account_id=self.app["AccountId"], region=self.app["Region"], invoked_by=SERVICE_PRINCIPAL)["Credentials"]
        self.expires = now + SESSION_SECONDS
        written = self.file.with_suffix(".tmp")
        with open(os.open(written, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(f"aws_access_key_id={self.credentials['AccessKeyId']}\n"
                      f"aws_secret_access_key={self.credentials['SecretAccessKey']}\n"
                      f"aws_session_token={self.credentials['SessionToken']}\n")
        written.replace(self.file)
        return self.credentials

    def renew_if_due(self) -> bool:
        if self.runtime.clock.time() < self.expires - RENEW_BEFORE:
            return False
        self.renew()
        return True
