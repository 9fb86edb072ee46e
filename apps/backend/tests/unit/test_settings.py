import pytest

from customercare.settings import Settings


def test_defaults_need_no_environment() -> None:
    assert Settings.from_env({}) == Settings(host="127.0.0.1", port=8000)


def test_reads_host_and_port() -> None:
    assert Settings.from_env({"HOST": "0.0.0.0", "PORT": "9000"}).port == 9000  # noqa: S104


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_rejects_bad_port_with_clear_message(port: str) -> None:
    with pytest.raises(ValueError, match="PORT must be a number between 1 and 65535"):
        Settings.from_env({"PORT": port})
