"""Settings precedence and the one-line errors for bad values."""

from pathlib import Path

import pytest

from ponder.agent.errors import ConfigError
from ponder.agent.settings import load_settings, load_settings_with_sources


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ponder.toml"
    path.write_text(text)
    return path


def test_defaults_without_any_source() -> None:
    s = load_settings()
    assert s.model.startswith("local:") and s.budget.max_steps > 0 and s.sandbox.kind == "docker"


def test_precedence_cli_over_env_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'model = "openai:from-file"\n[budget]\nmax_steps = 5\nmax_tool_calls = 7\n')
    monkeypatch.setenv("PONDER_MODEL", "openai:from-env")
    monkeypatch.setenv("PONDER_BUDGET__MAX_STEPS", "6")
    loaded = load_settings_with_sources({"model": "openai:from-cli"}, config_file=path)
    s = loaded.settings
    assert s.model == "openai:from-cli" and s.budget.max_steps == 6 and s.budget.max_tool_calls == 7
    assert loaded.sources["model"] == "command line"
    assert loaded.sources["budget.max_steps"] == "environment"
    assert loaded.sources["budget.max_tool_calls"].startswith("file ")


def test_ponder_toml_in_the_working_directory_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PONDER_CONFIG")
    write(tmp_path, "[sandbox]\nmemory = '1g'\n")
    assert load_settings().sandbox.memory == "1g"


def test_openai_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    s = load_settings()
    assert s.api_key.get_secret_value() == "sk-test-123456789" and s.base_url == "http://127.0.0.1:9/v1"


def test_bare_base_url_and_api_key_variables_are_another_programs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASE_URL", "http://elsewhere.example/v1")
    monkeypatch.setenv("API_KEY", "sk-someone-else")
    s = load_settings()
    assert s.base_url is None and s.api_key is None
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("PONDER_BASE_URL", "http://127.0.0.1:8/v1")
    assert load_settings().base_url == "http://127.0.0.1:8/v1"  # Ponder's name first


def test_unknown_key_in_file_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[budget]\nmax_stepz = 3\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config_file=path)
    assert err.value.key == "budget.max_stepz" and "unknown setting" in str(err.value)
    assert str(path) in str(err.value)


def test_bad_value_from_env_names_key_reason_and_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_BUDGET__MAX_STEPS", "lots")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.key == "budget.max_steps" and err.value.source == "environment"
    assert "'lots'" in str(err.value)


def test_a_bad_list_item_names_where_its_list_came_from(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_SEARCH__BACKENDS", '["google"]')
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.key == "search.backends.0" and err.value.source == "environment"
    monkeypatch.delenv("PONDER_SEARCH__BACKENDS")
    path = tmp_path / "ponder.toml"
    path.write_text('policies = ["no-such-policy"]\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config_file=path)
    assert err.value.source == f"file {path}", err.value


def test_folders_expand_the_home_folder_and_are_absolute(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``data_dir = "~/ponder"`` made a folder literally named ``~`` wherever ponder ran."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PONDER_DATA_DIR", "~/data")
    monkeypatch.setenv("PONDER_CACHE_DIR", "cache")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.cache_dir == tmp_path / "cache" and settings.cache_dir.is_absolute()


def test_out_of_range_value_from_cli() -> None:
    with pytest.raises(ConfigError, match=r"budget\.max_steps"):
        load_settings({"budget": {"max_steps": 0}})


def test_bad_enum_value() -> None:
    with pytest.raises(ConfigError, match=r"sandbox\.kind"):
        load_settings({"sandbox": {"kind": "vm"}})


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config_file=path)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(config_file=tmp_path / "nope.toml")


def test_missing_file_named_by_ponder_config_is_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A mistyped path must not fall back to the defaults (a file asking for approval
    # would be skipped without a word).
    write(tmp_path, "[budget]\nmax_steps = 3\n")  # ./ponder.toml must not be taken instead
    monkeypatch.setenv("PONDER_CONFIG", str(tmp_path / "ponder.tmol"))
    with pytest.raises(ConfigError, match="file not found") as err:
        load_settings()
    assert "PONDER_CONFIG=" in str(err.value) and "ponder.tmol" in str(err.value)


def test_file_named_by_ponder_config_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text("[budget]\nmax_steps = 4\n")
    monkeypatch.setenv("PONDER_CONFIG", str(path))
    loaded = load_settings_with_sources()
    assert loaded.settings.budget.max_steps == 4 and loaded.config_file == path


@pytest.mark.parametrize("key", ["memory", "tmp_size", "workspace_size"])
@pytest.mark.parametrize("value", ["lots", "0", "0.5g", "512 m", "-1m", "512mb", ""])
def test_bad_sandbox_size_names_its_key(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"sandbox": {key: value}})
    assert err.value.key == f"sandbox.{key}" and "not a size" in str(err.value)


@pytest.mark.parametrize("value", ["512m", "1G", "64k", "1048576"])
def test_sandbox_sizes_docker_and_tmpfs_read(value: str) -> None:
    assert load_settings({"sandbox": {"memory": value}}).sandbox.memory == value


def test_bad_sandbox_size_from_environment_names_key_and_source(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_SANDBOX__MEMORY", "lots")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.key == "sandbox.memory" and err.value.source == "environment"
