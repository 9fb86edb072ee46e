from unittest import mock

import pytest

from customercare.__main__ import main


def test_serve_runs_uvicorn_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8123")
    with mock.patch("uvicorn.run") as run:
        assert main(["serve"]) == 0
    assert run.call_args.kwargs == {"host": "127.0.0.1", "port": 8123}


def test_serve_rejects_bad_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "nope")
    assert main(["serve"]) == 2
    assert "PORT must be a number" in capsys.readouterr().err


def test_command_is_required() -> None:
    with pytest.raises(SystemExit):
        main([])
