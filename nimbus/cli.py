"""The ``nimbus`` command: ``serve``, ``status``, ``clock``, ``reset``, ``taskrunner``, ``credentials`` and
``--version``.

The commands that talk to a running nimbus send the admin token it wrote to its data dir (``--data-dir``
or ``NIMBUS_DATA_DIR``), so they work under ``--strict-auth`` too.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from nimbus import __version__
from nimbus.config import DEFAULT_PORT, Config, available_cores, env_name
from nimbus.store import check_store_url, describe_store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nimbus", description="A local, offline AWS cloud.")
    parser.add_argument("--version", action="version", version=f"nimbus {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the AWS endpoint")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--data-dir", default=None, help="where state lives (default ./.nimbus)")
    serve.add_argument("--ephemeral", action="store_true", default=None, help="keep state in memory only")
    serve.add_argument("--store", default=None, metavar="URL",
                       help="keep state in PostgreSQL: postgresql://user@host:port/db (default SQLite in the data dir)")
    serve.add_argument("--strict-auth", action="store_true", default=None,
                       help="reject unknown access keys (test/test too), unsigned requests and untokened admin calls")
    serve.add_argument("--enforce-iam", action="store_true", default=None, help="deny calls IAM policies do not allow")
    serve.add_argument("--enforce-limits", action="store_true", default=None, help="enforce AWS throughput limits")
    serve.add_argument("--hostname", action="append", default=None,
                       help="also answer requests addressed to this host name (repeatable)")
    serve.add_argument("--trust-proxy", action="store_true", default=None,
                       help="believe X-Forwarded-For/-Proto (only behind a proxy that sets them)")
    serve.add_argument("--tls-cert", default=None, metavar="PEM",
                       help="serve HTTPS with this certificate (chain); --tls-key names its key")
    serve.add_argument("--tls-key", default=None, metavar="PEM", help="the private key of --tls-cert")
    serve.add_argument("--workers", type=int, default=None, metavar="N",
                       help="processes serving the port: a primary and N-1 front workers (default: the number "
                            "of cores; always 1 with --ephemeral)")
    serve.add_argument("--spark-master", default=None, metavar="URL",
                       help="run EMR steps on this Spark master (spark://host:7077, k8s://...; default local)")
    serve.add_argument("--flink-jobmanager", default=None, metavar="HOST:PORT",
                       help="run Managed Flink applications on this Flink cluster (default: a local mini-cluster each)")

    status = commands.add_parser("status", help="ask a running nimbus how it is")
    clock = commands.add_parser("clock", help="read or move a running nimbus's virtual clock")
    clock_commands = clock.add_subparsers(dest="clock_command", required=True)
    show = clock_commands.add_parser("show", help="print the virtual time")
    advance = clock_commands.add_parser("advance", help="move the virtual clock forward")
    advance.add_argument("seconds", type=float)
    reset = commands.add_parser("reset", help="forget all of a running nimbus's state")
    for command in (status, show, advance, reset):
        command.add_argument("--endpoint", default=None, help=f"default http://127.0.0.1:{DEFAULT_PORT} "
                             "(or NIMBUS_PORT's)")
        command.add_argument("--data-dir", default=None, help="the server's data dir, for its admin token")

    runner = commands.add_parser("taskrunner", help="run a Data Pipeline task runner for a worker group")
    runner.add_argument("--worker-group", required=True, help="the workerGroup whose tasks to run")
    runner.add_argument("--endpoint", default=None, help="the Data Pipeline endpoint (default: AWS_ENDPOINT_URL, "
                        f"else http://127.0.0.1:{DEFAULT_PORT})")
    runner.add_argument("--region", default=None, help="default: the AWS configuration's, else us-east-1")
    runner.add_argument("--tasks", type=int, default=None, help="stop after this many tasks (default: run on)")

    credentials = commands.add_parser("credentials", help="print the default account's root access key")
    credentials.add_argument("--data-dir", default=None)
    credentials.add_argument("--format", choices=("env", "config"), default="env",
                             help="shell exports (default) or an AWS CLI credentials file section")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        from nimbus.server import DataDirInUse, lock_data_dir, serve

        config = Config.from_env(host=args.host, port=args.port, data_dir=args.data_dir, ephemeral=args.ephemeral,
                                 store_url=args.store, strict_auth=args.strict_auth, enforce_iam=args.enforce_iam,
                                 enforce_limits=args.enforce_limits, hostname=args.hostname,
                                 trust_proxy=args.trust_proxy, tls_cert_file=args.tls_cert,
                                 tls_key_file=args.tls_key, spark_master=args.spark_master,
                                 flink_jobmanager=args.flink_jobmanager, workers=_workers(args.workers))
        if bool(config.tls_cert_file) != bool(config.tls_key_file):
            parser.error("--tls-cert and --tls-key go together")
        try:
            check_store_url(config.store_url)
        except ValueError as error:
            parser.error(str(error))
        where = describe_store(config.data_dir, config.ephemeral, config.store_url)
        try:
            lock = lock_data_dir(config)
        except DataDirInUse as error:
            print(f"nimbus: {error}", file=sys.stderr)
            return 1
        if config.workers < 1:
            parser.error("--workers must be at least 1")
        if config.ephemeral and config.workers > 1 and _workers_asked(args.workers):
            print("nimbus: an in-memory store cannot be shared between processes: serving with 1 worker", flush=True)
        scheme = "https" if config.tls_cert_file else "http"
        print(f"nimbus {__version__} serving on {scheme}://{config.host}:{config.port} (state in {where})", flush=True)
        serve(config, lock)
        return 0
    if args.command == "taskrunner":
        from nimbus.services.datapipeline.runner import run_from_command_line
        return run_from_command_line(args.worker_group, args.endpoint, args.region, args.tasks)
    if args.command == "credentials":
        return _print_credentials(Config.from_env(data_dir=args.data_dir).data_dir, args.format)
    config = Config.from_env(data_dir=args.data_dir)
    endpoint = (args.endpoint or f"http://127.0.0.1:{config.port}").rstrip("/")
    if args.command == "status":
        return _admin(endpoint, config.data_dir, "GET", "health")
    if args.command == "reset":
        return _admin(endpoint, config.data_dir, "POST", "reset", {})
    if args.clock_command == "advance":
        return _admin(endpoint, config.data_dir, "POST", "clock", {"advance_seconds": args.seconds})
    return _admin(endpoint, config.data_dir, "GET", "clock")


def _workers_asked(flag: int | None) -> bool:
    return flag is not None or env_name("workers") in os.environ


def _workers(flag: int | None) -> int | None:
    """--workers, else NIMBUS_WORKERS (None: Config reads it), else one process per core."""
    if flag is not None:
        return flag
    return None if _workers_asked(flag) else available_cores()


def _admin(endpoint: str, data_dir: str, method: str, path: str, payload: dict | None = None) -> int:
    from nimbus.core.secrets import read_admin_token
    from nimbus.gateway.admin import TOKEN_HEADER

    headers = {"Content-Type": "application/json"}
    token = read_admin_token(data_dir)
    if token:
        headers[TOKEN_HEADER] = token
    body = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"{endpoint}/_nimbus/{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            print(json.dumps(json.load(response), indent=2))
        return 0
    except urllib.error.HTTPError as error:
        print(f"nimbus refused: {error.code} {error.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as error:
        print(f"nimbus is not running at {endpoint}: {error}", file=sys.stderr)
        return 1


def _print_credentials(data_dir: str, fmt: str) -> int:
    from nimbus.core.secrets import root_key, secure_data_dir

    secure_data_dir(data_dir)
    key, secret = root_key(data_dir)
    if fmt == "config":
        print(f"[nimbus]\naws_access_key_id = {key}\naws_secret_access_key = {secret}")
    else:
        print(f"export AWS_ACCESS_KEY_ID={key}\nexport AWS_SECRET_ACCESS_KEY={secret}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
