"""The ``nimbus`` command: ``serve``, ``status`` and ``--version``."""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request

from nimbus import __version__
from nimbus.config import DEFAULT_PORT, Config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nimbus", description="A local, offline AWS cloud.")
    parser.add_argument("--version", action="version", version=f"nimbus {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the AWS endpoint")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--data-dir", default=None, help="where state lives (default ./.nimbus)")
    serve.add_argument("--ephemeral", action="store_true", default=None, help="keep state in memory only")
    serve.add_argument("--strict-auth", action="store_true", default=None,
                       help="reject unknown access keys and unsigned requests")
    serve.add_argument("--enforce-iam", action="store_true", default=None, help="deny calls IAM policies do not allow")
    serve.add_argument("--enforce-limits", action="store_true", default=None, help="enforce AWS throughput limits")

    status = commands.add_parser("status", help="ask a running nimbus how it is")
    status.add_argument("--endpoint", default=f"http://127.0.0.1:{DEFAULT_PORT}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from nimbus.server import DataDirInUse, lock_data_dir, serve

        config = Config.from_env(host=args.host, port=args.port, data_dir=args.data_dir, ephemeral=args.ephemeral,
                                 strict_auth=args.strict_auth, enforce_iam=args.enforce_iam,
                                 enforce_limits=args.enforce_limits)
        where = "memory" if config.ephemeral else config.data_dir
        try:
            lock = lock_data_dir(config)
        except DataDirInUse as error:
            print(f"nimbus: {error}", file=sys.stderr)
            return 1
        print(f"nimbus {__version__} serving on http://{config.host}:{config.port} (state in {where})", flush=True)
        serve(config, lock)
        return 0
    if args.command == "status":
        try:
            with urllib.request.urlopen(f"{args.endpoint.rstrip('/')}/_nimbus/health", timeout=5) as response:
                print(json.dumps(json.load(response), indent=2))
            return 0
        except (urllib.error.URLError, OSError) as error:
            print(f"nimbus is not running at {args.endpoint}: {error}", file=sys.stderr)
            return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
