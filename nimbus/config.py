"""Server settings, from the command line or NIMBUS_* environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PORT = 4566


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: str = ".nimbus"
    ephemeral: bool = False
    # Where the store lives: None is SQLite in data_dir; postgresql://user@host:port/db a shared server.
    store_url: str | None = None
    strict_auth: bool = False
    enforce_iam: bool = False
    enforce_limits: bool = False
    # Bodies of non-streaming requests are held in memory; AWS's own JSON/query caps are far lower.
    max_body_bytes: int = 64 * 1024 * 1024
    # AWS allows 15 minutes of skew between a signed request and its clock.
    max_clock_skew_seconds: int = 15 * 60
    # CloudTrail writes log files this often and digest files this often (virtual seconds); AWS ~300 / 3600.
    cloudtrail_delivery_seconds: float = 5.0
    cloudtrail_digest_seconds: float = 3600.0

    @classmethod
    def from_env(cls, **overrides) -> Config:
        config = cls(
            host=os.environ.get("NIMBUS_HOST", cls.host),
            port=int(os.environ.get("NIMBUS_PORT", cls.port)),
            data_dir=os.environ.get("NIMBUS_DATA_DIR", cls.data_dir),
            ephemeral=_env_bool("NIMBUS_EPHEMERAL"),
            store_url=os.environ.get("NIMBUS_STORE") or None,
            strict_auth=_env_bool("NIMBUS_STRICT_AUTH"),
            enforce_iam=_env_bool("NIMBUS_ENFORCE_IAM"),
            enforce_limits=_env_bool("NIMBUS_ENFORCE_LIMITS"),
            cloudtrail_delivery_seconds=float(os.environ.get("NIMBUS_CLOUDTRAIL_DELIVERY_SECONDS", 5.0)),
            cloudtrail_digest_seconds=float(os.environ.get("NIMBUS_CLOUDTRAIL_DIGEST_SECONDS", 3600.0)),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(config, key, value)
        return config
