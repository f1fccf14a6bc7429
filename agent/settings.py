"""One settings object for everything: model, endpoint, budgets, sandbox, search, data.

Precedence, highest first: CLI flags (``overrides``) > environment (``PONDER_*``, nested
keys with ``__`` such as ``PONDER_BUDGET__MAX_STEPS``, plus ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL``) > a TOML file (``$PONDER_CONFIG``, else ``./ponder.toml``, else
``<user config dir>/ponder.toml``) > defaults.

:func:`load_settings` raises :class:`~ponder.agent.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from ponder.agent.errors import ConfigError
from ponder.graphs.prompt_registry import prompts_with

DEFAULT_MODEL = "local:qwen2.5-coder-0.5b"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class BudgetSettings(_Section):
    """Limits for one run. When one is spent the best candidate is returned, unverified."""

    max_steps: int = Field(16, ge=1, le=1000, description="graph node visits")
    max_tokens: int = Field(60_000, ge=100, description="prompt + completion tokens")
    max_seconds: float = Field(600.0, gt=0, description="wall-clock seconds")
    max_tool_calls: int = Field(10, ge=0, description="tool calls")
    max_sandbox_seconds: float = Field(180.0, gt=0, description="seconds spent executing code")
    max_verify_rounds: int = Field(
        3, ge=1, description="answers of the tool loop verified before giving up (the "
        "first methods' and the revision rounds' answers are not counted)")
    max_revisions: int = Field(
        3, ge=0, le=10, description="revise rounds a coding task may spend before the tool "
        "loop: each shows the best function not yet revised its failing examples (the "
        "first also draws code_samples; 0: neither)")
    replan_after_rejections: int = Field(2, ge=1, description="rejections that trigger a re-plan")
    tool_loop: Literal["needed", "always"] = Field(
        "needed", description="when the tool loop runs after the first methods: 'needed' "
        "only when they leave no answer of the strength the task needs (a complete "
        "function, even one failing the examples; a word problem's answer no check "
        "rejected; another question's computed answer, not yes/no, no check rejected); "
        "'always' whenever nothing was accepted or settled")


_SIZE = re.compile(r"[1-9][0-9]*[kmg]?", re.IGNORECASE)


class SandboxSettings(_Section):
    """The code sandbox: which kind, which image, and its limits."""

    kind: Literal["docker", "local", "none"] = "docker"
    image: str | None = Field(None, description="image tag; default: the built ponder image")
    memory: str = "512m"
    cpus: float = Field(1.0, gt=0)
    pids_limit: int = Field(128, ge=16)
    tmp_size: str = "64m"
    workspace_size: str = "256m"
    exec_timeout: float = Field(30.0, gt=0, description="seconds per execute")
    output_limit_bytes: int = Field(64_000, ge=1_000)
    output_max_messages: int = Field(2_000, ge=10)
    artifact_max_bytes: int = Field(
        50_000_000, ge=0, description="bytes of images one sandbox may save on the host")
    artifact_max_files: int = Field(100, ge=0, description="images one sandbox may save")
    keep_artifacts: bool = Field(
        False, description="keep saved images after the sandbox closes (else deleted)")
    pool_size: int = Field(1, ge=0, le=32)
    pool_idle_seconds: float = Field(300.0, gt=0)

    @field_validator("memory", "tmp_size", "workspace_size")
    @classmethod
    def _size(cls, value: str) -> str:
        """A size both Docker's memory limit and a tmpfs mount read the same way (512m,
        1g, 64k, or bytes): checked here, so a typo names its key instead of failing every
        container start later. A fraction (0.5g) is refused: tmpfs would not read it."""
        if _SIZE.fullmatch(value.strip()) is None:
            raise ValueError(f"{value!r} is not a size: a whole number of bytes or of k, m "
                             "or g, such as 512m or 1g")
        return value.strip()


class SearchSettings(_Section):
    """Web search and page reading."""

    backends: list[Literal["ddgs", "searxng"]] = Field(default_factory=lambda: ["ddgs"])
    searxng_url: str | None = None
    max_results: int = Field(5, ge=1, le=50)
    fetch_timeout: float = Field(15.0, gt=0)
    max_page_bytes: int = Field(5_000_000, ge=10_000)
    max_redirects: int = Field(5, ge=0, le=30)
    chunk_chars: int = Field(1_200, ge=200, description="page chunk size; below the prompt cut")
    allow_private_addresses: bool = False
    allow_hosts: list[str] = Field(
        default_factory=list, description="hosts (or host:port) let through the private-address block"
    )
    retry_attempts: int = Field(3, ge=1, le=10, description="tries per search backend")
    backoff_seconds: float = Field(1.0, ge=0, description="first back-off between tries")
    cache: bool = True
    cache_ttl_seconds: float = Field(86_400.0, ge=0)


class Settings(BaseSettings):
    """Effective configuration. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="PONDER_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_assignment=True,
    )

    model: str = Field(DEFAULT_MODEL, description="model spec, e.g. openai:gpt-4o-mini")
    base_url: str | None = Field(
        None, validation_alias=AliasChoices("base_url", "PONDER_BASE_URL", "OPENAI_BASE_URL")
    )
    api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("api_key", "PONDER_API_KEY", "OPENAI_API_KEY")
    )
    temperature: float = Field(0.0, ge=0, le=2)
    seed: int | None = Field(1234, description="sampling seed (reproducible runs), None: random")
    max_output_tokens: int = Field(768, ge=16, description="per model call")
    direct_answer: bool = Field(
        True, description="start with the model's own answer (one call, no tools) as "
        "candidate 0, the floor the tool loop must beat with evidence")
    program_answer: bool = Field(
        True, description="with direct_answer, and at the same time, ask for a program "
        "that prints the answer and run it: a second, independent method (questions only; "
        "needs the python tool)")
    bare_answer: bool = Field(
        True, description="with direct_answer, and at the same time, ask for the final "
        "answer alone, in the words of a bare model call: the floor the agent must never "
        "fall below (questions only; for code the direct completion already is that call)")
    action_format: Literal["json", "fenced"] = Field(
        "json", description="how the tool loop writes an action: one JSON object "
        "(grammar-constrained where the backend can) or a thought and a ```python block / "
        "'Tool:' and 'Input:' lines / an 'Answer:' line (plain text, no escaping of code)")
    action_grammar: Literal["auto", "on", "off"] = Field(
        "auto", description="with action_format = fenced: constrain each tool-loop reply "
        "to the format with a GBNF grammar (llama.cpp's `grammar` request field), so it is "
        "always one readable action. auto: for the embedded model only; on: for any "
        "OpenAI-compatible backend too (your own llama.cpp server); off: never")
    code_samples: int = Field(
        2, ge=0, le=8, description="when the direct code fails the task's own examples: "
        "this many fresh samples of it (temperature 0.8), drawn beside the one revision; "
        "each runs on the examples, and the selector keeps one that passes")
    question_draws: int = Field(
        2, ge=0, le=8, description="when the first answers to a word problem disagree and "
        "no check settles it: this many more answers of each first method (reasoning in words "
        "and a program), sampled at temperature 0.8; the answer most of them agree on is "
        "selected (a vote selects, it never verifies); 0: no draws")
    checkpoint_url: str | None = Field(
        None, description="postgresql://user:pass@host:port/db: keep checkpoints in "
        "PostgreSQL (needs ponder[postgres]); default: SQLite under data_dir")
    otlp_endpoint: str | None = Field(
        None, description="OpenTelemetry collector (OTLP/HTTP) for run traces; default: "
        "OTEL_EXPORTER_OTLP_ENDPOINT, else no tracing (needs ponder[otel])")
    mcp_config: Path | None = Field(
        None, description="JSON file of MCP servers whose tools the agent gets "
        '({"mcpServers": {...}}; needs ponder[mcp])')
    approval: bool = Field(
        False, description="pause before any model-written code runs, for a person to "
        "approve, edit or reject it (LangGraph interrupt; ponder ask/chat --confirm)")
    policies: list[Literal["hashing"]] = Field(
        default_factory=lambda: ["hashing"],
        description="task-family rules to use (ponder.graphs.policies): hashing; "
        "[] for a generic agent")
    request_timeout: float = Field(300.0, gt=0)
    context_size: int = Field(8192, ge=512, description="local model context window (per slot)")
    local_slots: int = Field(
        3, ge=1, le=8, description="llama.cpp slots of the embedded model: this many calls "
        "(the first methods, concurrent checks) are decoded together in one batch; each "
        "slot has its own context_size; 3 fits the three first methods (1.19x faster than 1 "
        "slot on 2 cores in bench/model_slots.py)")
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("ponder")))
    cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir("ponder")))
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    prompts: dict[str, str] = Field(
        default_factory=dict, description="prompt texts that replace the defaults, by name "
        "(the fields of ponder.graphs.prompt_registry.Prompts); a [prompts] table in the file")

    @field_validator("data_dir", "cache_dir", "mcp_config")
    @classmethod
    def _expanded(cls, path: Path | None) -> Path | None:
        """``~`` is the home folder, as in a shell (a literal ``./~`` folder otherwise),
        and a relative path is the current folder's now, not each later command's."""
        return None if path is None else path.expanduser().absolute()

    @field_validator("prompts")
    @classmethod
    def _known_prompts(cls, texts: dict[str, str]) -> dict[str, str]:
        """Each name is a prompt and each template uses exactly its placeholders; raises
        (through pydantic) the ConfigError naming the prompt."""
        prompts_with(texts)
        return texts

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() merges the layers itself (to know where each value came from)
        # and passes the result as init kwargs.
        return (init_settings,)

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"


def config_file_candidates() -> list[Path]:
    """Where a TOML settings file is looked for, in order; the first that exists wins."""
    explicit = os.environ.get("PONDER_CONFIG")
    if explicit:
        return [Path(explicit)]
    return [Path.cwd() / "ponder.toml", Path(platformdirs.user_config_dir("ponder")) / "ponder.toml"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("<file>", f"not valid TOML: {exc}", source=str(path)) from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8 text; this is binary or another encoding
        raise ConfigError("<file>", f"not a UTF-8 text file, so not TOML (byte "
                          f"0x{exc.object[exc.start]:02x} at offset {exc.start})",
                          source=str(path)) from None
    except OSError as exc:
        raise ConfigError("<file>", f"cannot be read: {exc.strerror}", source=str(path)) from None


class _PonderEnv(EnvSettingsSource):
    """The environment under Ponder's names only. ``base_url`` and ``api_key`` take
    aliases (``PONDER_*``, ``OPENAI_*``), and pydantic-settings reads every alias as a
    variable name, the field's own too: a bare ``BASE_URL`` or ``API_KEY`` left in a shell
    for another program would point Ponder at another endpoint, or send it that key."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k: v for k, v in super()._load_env_vars().items()
                if k.lower() not in ("base_url", "api_key")}


def _env_layer() -> dict[str, Any]:
    source = _PonderEnv(
        Settings, env_prefix="PONDER_", env_nested_delimiter="__", case_sensitive=False
    )
    try:
        return {k: v for k, v in source().items() if v is not None}
    except Exception as exc:  # pydantic-settings raises SettingsError for bad JSON values
        raise ConfigError("<environment>", str(exc), source="environment") from None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_ALIASES = {"openai_api_key": "api_key", "openai_base_url": "base_url",
            "ponder_api_key": "api_key", "ponder_base_url": "base_url"}


def _canonical(layer: dict[str, Any]) -> dict[str, Any]:
    return {_ALIASES.get(k.lower(), k): v for k, v in layer.items()}


class LoadedSettings(BaseModel):
    """Settings plus, for every dotted key that was set, the layer it came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    settings: Settings
    sources: dict[str, str]
    config_file: Path | None


def load_settings_with_sources(
    overrides: dict[str, Any] | None = None, *, config_file: Path | None = None
) -> LoadedSettings:
    """Merge defaults < TOML < environment < ``overrides``; see module docstring."""
    path = config_file
    explicit = os.environ.get("PONDER_CONFIG")
    if path is None and explicit:  # a file named on purpose must exist, as for --config
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("<file>", "file not found", source=f"PONDER_CONFIG={explicit}")
    elif path is None:
        path = next((p for p in config_file_candidates() if p.is_file()), None)
    elif not path.is_file():
        raise ConfigError("<file>", "file not found", source=str(path))
    layers: list[tuple[str, dict[str, Any]]] = []
    if path is not None:
        layers.append((f"file {path}", _canonical(_read_toml(path))))
    layers.append(("environment", _canonical(_env_layer())))
    layers.append(("command line", _canonical(overrides or {})))

    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, layer in layers:
        merged = _merge(merged, layer)
        for dotted in _flatten(layer):
            sources[dotted] = name
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "<settings>"
        reason = err["msg"]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, ConfigError):  # a validator's own error names the exact key
            key, reason = cause.key, cause.reason
        elif err["type"] == "extra_forbidden":
            reason = "unknown setting"
        elif "input" in err and not isinstance(err["input"], dict):
            reason = f"{reason} (got {err['input']!r})"
        raise ConfigError(key, reason, source=_source_of(key, sources)) from None
    return LoadedSettings(settings=settings, sources=sources, config_file=path)


def _source_of(key: str, sources: dict[str, str]) -> str | None:
    """Where ``key``'s value came from; an item of a list (``search.backends.0``) came
    from where its list did."""
    parts = key.split(".")
    while parts:
        found = sources.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def load_settings(
    overrides: dict[str, Any] | None = None, *, config_file: Path | None = None
) -> Settings:
    """Return the effective :class:`Settings`. Raises ConfigError naming a bad key."""
    return load_settings_with_sources(overrides, config_file=config_file).settings
