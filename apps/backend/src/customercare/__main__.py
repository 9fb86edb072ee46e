"""`python -m customercare serve`: run the API with uvicorn."""

from __future__ import annotations

import argparse
import sys

from customercare.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m customercare")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API (HOST and PORT from the environment)")
    args = parser.parse_args(argv)

    if args.command == "serve":
        import uvicorn

        from customercare.app import create_app

        try:
            settings = Settings.from_env()
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
