"""Settings: precedence, config file, the remote-endpoint guard, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.errors import ConfigError
from drafter.settings import is_loopback_url, load_settings, require_local_or_allowed


def test_env_overrides_config_file_and_cli_overrides_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "drafter.toml"
    config.write_text('store = "from-file"\ncollection = "file_coll"\n', encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CONFIG", str(config))
    monkeypatch.setenv("DRAFTER_COLLECTION", "env_coll")
    settings = load_settings(store=None)
    assert settings.store == Path("from-file")
    assert settings.collection == "env_coll"
    assert load_settings(collection="cli_coll").collection == "cli_coll"


def test_invalid_value_names_the_field_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_MAX_FILE_MB", "-3")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "max_file_mb" in info.value.message
    assert "配置有误" in info.value.message


def test_missing_config_file_named_by_env_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTER_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="不存在"):
        load_settings()


def test_malformed_toml_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("store = [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CONFIG", str(config))
    with pytest.raises(ConfigError, match="无法读取"):
        load_settings()


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:11434", True),
        ("http://[::1]:8000", True),
        ("http://127.5.0.1", True),
        ("https://api.deepseek.com/v1", False),
        ("http://192.168.1.10:8000", False),
    ],
)
def test_loopback_detection(url: str, local: bool) -> None:
    assert is_loopback_url(url) is local


def test_remote_endpoint_refused_unless_allowed() -> None:
    with pytest.raises(ConfigError, match="--allow-remote"):
        require_local_or_allowed("https://api.openai.com/v1", allow_remote=False, what="嵌入服务")
    require_local_or_allowed("https://api.openai.com/v1", allow_remote=True, what="嵌入服务")


def test_api_key_is_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_EMBEDDING_API_KEY", "sk-test-should-not-leak")
    settings = load_settings()
    assert "sk-test-should-not-leak" not in repr(settings)
    assert settings.embedding_api_key is not None
    assert settings.embedding_api_key.get_secret_value() == "sk-test-should-not-leak"
