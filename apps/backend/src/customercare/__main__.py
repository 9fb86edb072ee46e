"""`python -m customercare serve | migrate | backup | restore | schema | seed | openapi`."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

from customercare.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m customercare", description="CustomerCareGPT API and its operations."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "serve", help="serve the API (HOST, PORT and WEB_CONCURRENCY from the environment)"
    )
    commands.add_parser("migrate", help="apply database migrations up to the latest")
    backup = commands.add_parser("backup", help="write a backup of the database")
    backup.add_argument(
        "--output", type=Path, help="file to write (default: BACKUP_DIR/, else DATA_DIR/backups/)"
    )
    restore = commands.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("path", type=Path, help="a file written by `backup`")
    restore.add_argument(
        "--no-migrate",
        action="store_true",
        help="keep the backup's schema (a rollback to the release that wrote it); "
        "default: migrate to this release's latest",
    )
    commands.add_parser(
        "schema", help="print the database's schema revision (alembic), or `none` before migrate"
    )
    commands.add_parser("seed", help="create the demo workspace, admin, widget key and articles")
    openapi = commands.add_parser("openapi", help="print the OpenAPI document (the API contract)")
    openapi.add_argument("--output", type=Path, help="write it to this file instead of stdout")
    return parser


def _openapi(output: Path | None) -> int:
    """The document describes code, not a deployment: build it without touching DATA_DIR."""
    from customercare.app import create_app

    unused_key = secrets.token_urlsafe(32)  # signs nothing: no request is served
    app = create_app(
        Settings(migrate_on_start=False, secret_key=unused_key, database_url="sqlite://")
    )
    text = json.dumps(app.openapi(), indent=2) + "\n"
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        print(f"OpenAPI document written to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "openapi":
        return _openapi(args.output)
    try:
        settings = Settings.from_env().with_defaults()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from customercare import backup as backups
    from customercare.migrations import current_revision, upgrade

    try:
        if args.command == "serve":
            from customercare.serve import serve

            serve(settings)
        elif args.command == "migrate":
            upgrade(settings.database_url)
            print("database is at the latest migration")
        elif args.command == "backup":
            # BACKUP_DIR: where the deploy target keeps its pre-deploy backups (it restores them).
            folder = Path(os.environ.get("BACKUP_DIR") or settings.data_dir / "backups")
            output = args.output or backups.default_backup_path(folder, settings.database_url)
            print(f"backup written to {backups.backup(settings.database_url, output)}")
        elif args.command == "restore":
            backups.restore(settings.database_url, args.path)
            if not args.no_migrate:
                upgrade(settings.database_url)
            schema = current_revision(settings.database_url)
            print(f"database restored from {args.path} (schema {schema})")
        elif args.command == "schema":
            print(current_revision(settings.database_url))
        elif args.command == "seed":
            if settings.production:
                print(
                    "error: seed refuses ENVIRONMENT=production: it creates an admin with a "
                    "published demo password and a demo widget key. Run it against a "
                    "development or test database only.",
                    file=sys.stderr,
                )
                return 2
            from customercare.db import Database
            from customercare.seed import DEFAULT_ADMIN_PASSWORD, DEFAULT_WIDGET_KEY, seed

            upgrade(settings.database_url)
            db = Database(settings.database_url)
            result = seed(
                db,
                admin_password=os.environ.get("SEED_ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD),
                widget_key=os.environ.get("SEED_WIDGET_KEY", DEFAULT_WIDGET_KEY),
            )
            db.dispose()
            print(f"workspace ready; widget key: {result.widget_key}")
            print(
                f"documents added: {', '.join(result.documents_added) or 'none (already seeded)'}"
            )
    except backups.BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
