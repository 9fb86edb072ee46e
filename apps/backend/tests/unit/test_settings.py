from __future__ import annotations

from pathlib import Path

import pytest

from customercare.settings import Settings, SettingsError


def test_defaults_need_no_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert (settings.host, settings.port, settings.environment) == (
        "127.0.0.1",
        8000,
        "development",
    )
    assert settings.answer_provider == "local"
    filled = settings.with_defaults()
    assert filled.database_url == f"sqlite:///{tmp_path / 'customercare.db'}"
    # The development secret is generated once and kept.
    assert len(filled.secret_key) >= 32
    assert settings.with_defaults().secret_key == filled.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_reads_everything_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "HOST": "0.0.0.0",  # noqa: S104
            "PORT": "9000",
            "DATABASE_URL": "postgresql://u:p@db/cc",
            "REDIS_URL": "redis://cache:6379/0",
            "GEMINI_API_KEY": "k",
            "CORS_ORIGINS": "https://a.test, https://b.test,",
            "ESCALATION_THRESHOLD": "0.25",
            "WIDGET_BUNDLE_PATH": "/srv/widget.js",
            "MIGRATE_ON_START": "false",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.port == 9000
    assert settings.answer_provider == "gemini"
    assert settings.cors_origins == ("https://a.test", "https://b.test")
    assert settings.escalation_threshold == 0.25
    assert settings.widget_bundle_path == Path("/srv/widget.js")
    assert settings.migrate_on_start is False
    assert settings.log_level == "DEBUG"
    assert "gemini_api_key" not in repr(settings)
    assert "u:p@" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "abc"}, "PORT must be a number between 1 and 65535"),
        ({"PORT": "70000"}, "PORT must be a number between 1 and 65535"),
        ({"ESCALATION_THRESHOLD": "high"}, "ESCALATION_THRESHOLD must be a number"),
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT must be development, production or test"),
        ({"ENVIRONMENT": "production"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must start with"),
        ({"FORWARDED_ALLOW_IPS": "10.0.0.1, proxy.local"}, "FORWARDED_ALLOW_IPS must list proxy"),
        ({"DOCS_ENABLED": "maybe"}, "DOCS_ENABLED must be true or false"),
        ({"EXTRACTION_TIMEOUT_S": "0"}, "EXTRACTION_TIMEOUT_S must be a number between 0.1"),
    ],
)
def test_rejects_bad_settings_with_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_production_accepts_a_long_secret() -> None:
    settings = Settings.from_env({"ENVIRONMENT": "production", "SECRET_KEY": "s" * 40})
    assert settings.production
    assert settings.with_defaults().secret_key == "s" * 40


def test_security_settings() -> None:
    settings = Settings.from_env(
        {
            "FORWARDED_ALLOW_IPS": "169.254.0.0/16, 127.0.0.1",
            "LOGIN_IP_RATE_LIMIT": "5",
            "EXTRACTION_TIMEOUT_S": "2.5",
            "METRICS_TOKEN": "scrape-token",
        }
    )
    assert settings.forwarded_allow_ips == ("169.254.0.0/16", "127.0.0.1")
    assert settings.login_ip_rate_limit == 5
    assert settings.extraction_timeout_s == 2.5
    assert "scrape-token" not in repr(settings)
    assert settings.serve_docs is True
    production = {"ENVIRONMENT": "production", "SECRET_KEY": "s" * 40}
    assert Settings.from_env(production).serve_docs is False
    assert Settings.from_env({**production, "DOCS_ENABLED": "true"}).serve_docs is True
    assert Settings.from_env({"DOCS_ENABLED": "false"}).serve_docs is False


def test_sentry_traces_sample_rate_defaults_to_a_tenth_and_is_checked() -> None:
    assert Settings.from_env({}).sentry_traces_sample_rate == 0.1
    assert Settings.from_env({"SENTRY_TRACES_SAMPLE_RATE": "1"}).sentry_traces_sample_rate == 1.0
    with pytest.raises(SettingsError, match="SENTRY_TRACES_SAMPLE_RATE must be a number between"):
        Settings.from_env({"SENTRY_TRACES_SAMPLE_RATE": "2"})
