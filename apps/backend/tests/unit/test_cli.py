from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from unittest import mock

import pytest

from customercare.__main__ import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "GEMINI_API_KEY", "SECRET_KEY", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_serve_runs_uvicorn_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8123")
    with (
        mock.patch("uvicorn.run") as run,
        mock.patch("customercare.__main__.configure_json_logging", create=True),
        mock.patch("service_kit.configure_json_logging") as configure,
    ):
        assert main(["serve"]) == 0
    assert run.call_args.kwargs["port"] == 8123
    assert run.call_args.kwargs["host"] == "127.0.0.1"
    # X-Forwarded-For is the app's to judge (FORWARDED_ALLOW_IPS), not uvicorn's.
    assert run.call_args.kwargs["proxy_headers"] is False
    configure.assert_called_once_with("customercare-backend", "INFO")


def test_bad_setting_is_exit_2_with_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "nope")
    assert main(["serve"]) == 2
    assert "PORT must be a number" in capsys.readouterr().err


def test_command_is_required() -> None:
    with pytest.raises(SystemExit):
        main([])


def test_migrate_seed_backup_restore(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["seed"]) == 0
    first = capsys.readouterr().out
    assert "widget key: ccg_demo_widget_key" in first
    assert "billing.md" in first
    assert main(["seed"]) == 0
    assert "already seeded" in capsys.readouterr().out

    backup_file = data_dir / "copy.sqlite3"
    assert main(["backup", "--output", str(backup_file)]) == 0
    assert backup_file.stat().st_size > 0
    assert main(["backup"]) == 0
    assert list((data_dir / "backups").glob("customercare-*.sqlite3"))

    (data_dir / "customercare.db").unlink()
    assert main(["restore", str(backup_file)]) == 0
    assert "restored" in capsys.readouterr().out
    assert main(["seed"]) == 0
    assert "already seeded" in capsys.readouterr().out


def test_schema_backup_dir_and_restore_without_migrating(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out.strip() == "none"
    assert not (data_dir / "customercare.db").exists()
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["schema"]) == 0
    head = capsys.readouterr().out.strip()
    assert head.startswith("0001")

    # BACKUP_DIR (set by the deploy target) decides where a backup without --output goes.
    monkeypatch.setenv("BACKUP_DIR", str(data_dir / "deploy-backups"))
    assert main(["backup"]) == 0
    (written,) = (data_dir / "deploy-backups").glob("customercare-*.sqlite3")
    capsys.readouterr()

    # A release with a newer schema moved the database on; the rollback restores the backup at
    # the older schema and must not migrate it forward again.
    database = data_dir / "customercare.db"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0002_newer'")
    assert main(["schema"]) == 0
    assert capsys.readouterr().out.strip() == "0002_newer"
    assert main(["restore", "--no-migrate", str(written)]) == 0
    assert f"(schema {head})" in capsys.readouterr().out
    assert main(["schema"]) == 0
    assert capsys.readouterr().out.strip() == head


def test_seed_refuses_production(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    assert main(["seed"]) == 2
    assert "seed refuses ENVIRONMENT=production" in capsys.readouterr().err
    assert not (data_dir / "customercare.db").exists()


def test_restore_refuses_a_missing_or_foreign_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", str(data_dir / "nope.sqlite3")]) == 1
    assert "there is no backup" in capsys.readouterr().err
    foreign = data_dir / "foreign.sqlite3"
    foreign.write_bytes(b"not a database at all")
    assert main(["restore", str(foreign)]) == 1
    assert "not a CustomerCareGPT SQLite backup" in capsys.readouterr().err


def test_backup_without_a_database_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup"]) == 1
    assert "there is no database" in capsys.readouterr().err


def test_openapi_prints_and_writes(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = set(data_dir.iterdir())
    assert main(["openapi"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "/api/v1/widget/chat" in printed["paths"]
    target = data_dir / "out" / "openapi.json"
    assert main(["openapi", "--output", str(target)]) == 0
    assert json.loads(target.read_text())["info"]["title"] == "CustomerCareGPT API"
    # Exporting the contract writes nothing else (no database, no development secret).
    assert set(data_dir.iterdir()) - before == {data_dir / "out"}
