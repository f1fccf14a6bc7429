"""The embedded default model: llama.cpp in this process, OpenAI-compatible on 127.0.0.1.

:class:`LocalServer` loads one GGUF file with ``xllamacpp`` (llama.cpp's own HTTP server,
run on background threads inside this process) on a free loopback port chosen by the
OS. :func:`get_local_server` keeps one running server per (model file, context size,
slots) for the whole process; all of them are stopped at interpreter exit. :func:`local_chat_model`
turns a ``local:NAME`` spec (a catalog name, fetched on first use) or a ``.gguf`` path
into a ``langchain_openai.ChatOpenAI`` that talks to that server, so the rest of Ponder
sees an ordinary LangChain chat model.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import httpx
from pydantic import SecretStr

from ponder.agent.errors import ModelNotAvailableError, PonderRuntimeError
from ponder.agent.models.catalog import DEFAULT_MODEL_NAME, ensure_model

if TYPE_CHECKING:
    import xllamacpp
    from langchain_openai import ChatOpenAI

    from ponder.agent.settings import Settings

LOCAL_PREFIX = "local:"
# The chat model's ``metadata`` key and value that mark the embedded llama.cpp server.
BACKEND_KEY = "ponder_backend"
LLAMA_CPP = "llama.cpp"
_GGUF_MAGIC = b"GGUF"


def available_cores() -> int:
    """CPU cores this process may run on (the affinity mask when the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class LocalServer:
    """llama.cpp serving one GGUF file over HTTP on 127.0.0.1, inside this process.

    ``start()`` loads the model and returns once the server answers ``/health``;
    ``stop()`` shuts it down and frees the model. Both are idempotent and thread-safe.
    Prefer :func:`get_local_server`, which shares one server per model, context size and
    number of slots.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        context_size: int = 8192,
        threads: int | None = None,
        parallel: int = 1,
        prompt_cache_mib: int = 256,
        verbosity: int = 1,
    ) -> None:
        self.model_path = Path(model_path)
        self.context_size = context_size
        self.threads = threads or available_cores()
        self.parallel = parallel
        self.prompt_cache_mib = prompt_cache_mib
        self.verbosity = verbosity
        self._lock = threading.Lock()
        self._server: xllamacpp.Server | None = None
        self._address: str | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> str:
        """``http://127.0.0.1:PORT``. Raises PonderRuntimeError when not running."""
        if self._address is None or self._server is None:
            raise PonderRuntimeError(
                f"local model server for {self.model_path.name} is not running",
                operation="local model", retryable=False,
            )
        return self._address

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (``…/v1``)."""
        return self.address + "/v1"

    def _params(self) -> xllamacpp.CommonParams:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.n_ctx = self.context_size * self.parallel  # llama.cpp splits n_ctx over slots
        params.n_parallel = self.parallel
        params.use_jinja = True  # the model's own chat template: needed for tools and JSON
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the OS picks a free port; listening_address reports it
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.cache_ram_mib = self.prompt_cache_mib
        params.ui = False
        params.verbosity = self.verbosity  # 1: errors only; llama.cpp is chatty on stderr
        return params

    def start(self, *, ready_timeout: float = 120.0) -> None:
        """Load the model and wait until the server is ready (no-op when running).

        Raises ModelNotAvailableError when the file is missing or not a GGUF file, and
        PonderRuntimeError when llama.cpp cannot load it or does not become ready.
        """
        with self._lock:
            if self._server is not None:
                return
            _check_gguf(self.model_path)
            import xllamacpp

            try:
                server = xllamacpp.Server(self._params())
            except RuntimeError as exc:
                raise PonderRuntimeError(
                    f"llama.cpp could not load {self.model_path} ({exc}); is there enough "
                    "free memory, and is the file a complete model?",
                    operation="start local model", retryable=False,
                ) from exc
            self._server, self._address = server, str(server.listening_address).rstrip("/")
            try:
                _wait_ready(self._address, ready_timeout)
            except BaseException:
                self._server = self._address = None
                del server
                raise

    def stop(self) -> None:
        """Stop serving and free the model (llama.cpp joins its threads on release)."""
        with self._lock:
            server, self._server, self._address = self._server, None, None
            del server

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self._address or "stopped"
        return f"LocalServer({self.model_path.name!r}, n_ctx={self.context_size}, {state})"


def _check_gguf(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        raise ModelNotAvailableError(f"model file not found: {path}") from None
    except OSError as exc:
        raise ModelNotAvailableError(f"cannot read model file {path}: {exc.strerror}") from None
    if magic != _GGUF_MAGIC:
        raise ModelNotAvailableError(f"{path} is not a GGUF model file")


def _wait_ready(address: str, timeout: float) -> None:
    """Poll ``/health`` until it answers 200. Raises PonderRuntimeError at the deadline."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=5.0, trust_env=False) as client:  # never through a proxy
        while time.monotonic() < deadline:
            try:
                resp = client.get(address + "/health")
                if resp.status_code == 200:
                    return
                last = f"HTTP {resp.status_code}"  # 503 while the model is still loading
            except httpx.TransportError as exc:
                last = type(exc).__name__
            time.sleep(0.05)
    raise PonderRuntimeError(
        f"local model server at {address} not ready after {timeout:.0f}s ({last})",
        operation="start local model", retryable=True,
    )


_SERVERS: dict[tuple[Path, int, int], LocalServer] = {}
_SERVERS_LOCK = threading.Lock()


def get_local_server(model_path: Path, *, context_size: int = 8192,
                     parallel: int = 1) -> LocalServer:
    """The process-wide running server for this model file, context size (per slot) and
    number of slots (started once).

    Raises what :meth:`LocalServer.start` raises.
    """
    key = (Path(model_path).resolve(), context_size, parallel)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            server = _SERVERS[key] = LocalServer(key[0], context_size=context_size,
                                                 parallel=parallel)
    server.start()  # the server's own lock makes concurrent callers wait for one load
    return server


def stop_local_servers() -> None:
    """Stop every server :func:`get_local_server` started (also run at interpreter exit)."""
    with _SERVERS_LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
    for server in servers:
        server.stop()


atexit.register(stop_local_servers)


def resolve_local_model(spec: str | Path, cache_dir: Path, *, progress: bool = True) -> Path:
    """The GGUF file for ``local:NAME`` (pulled on first use), ``local:PATH``, ``local:``
    (the default model) or a path to a ``.gguf`` file.

    Raises ModelNotAvailableError for an unknown name, a missing file, or a spec that is
    neither form; pulling can raise it too (see :func:`~.catalog.pull_entry`).
    """
    text = str(spec).strip()
    is_local = text.startswith(LOCAL_PREFIX)
    rest = text[len(LOCAL_PREFIX):].strip() if is_local else text
    if is_local and not rest:
        rest = DEFAULT_MODEL_NAME
    if rest.lower().endswith(".gguf") or "/" in rest or os.sep in rest:
        path = Path(rest).expanduser()
        if not path.is_file():
            raise ModelNotAvailableError(f"model file not found: {path}")
        return path
    if is_local:
        return ensure_model(rest, cache_dir, progress=progress)
    raise ModelNotAvailableError(
        f"not a local model: {text!r} (expected local:NAME or the path of a .gguf file)"
    )


def local_chat_model(spec_or_path: str | Path, settings: Settings) -> ChatOpenAI:
    """A ChatOpenAI bound to the embedded llama.cpp server for ``spec_or_path``.

    Uses ``settings.cache_dir`` (model files), ``context_size``, ``local_slots``,
    ``temperature``,
    ``max_output_tokens`` and ``request_timeout``. Raises ModelNotAvailableError (bad
    spec, no model file) or PonderRuntimeError (the server cannot start).
    """
    from langchain_openai import ChatOpenAI

    from ponder.agent.models.factory import fresh_async_client

    path = resolve_local_model(spec_or_path, settings.cache_dir)
    server = get_local_server(path, context_size=settings.context_size,
                              parallel=settings.local_slots)
    return ChatOpenAI(
        model=path.stem,
        base_url=server.base_url,
        api_key=SecretStr("local"),  # llama.cpp checks no key; the client wants one
        temperature=settings.temperature,
        max_completion_tokens=settings.max_output_tokens,
        timeout=settings.request_timeout,
        max_retries=1,
        stream_usage=True,
        seed=settings.seed,
        # Loopback: never through HTTP_PROXY (see fresh_async_client).
        http_async_client=fresh_async_client(settings.request_timeout, trust_env=False),
        http_client=httpx.Client(timeout=settings.request_timeout, trust_env=False),
        # What this backend can take beyond the OpenAI API (a GBNF ``grammar``).
        metadata={BACKEND_KEY: LLAMA_CPP},
    )
