"""LocalSandbox: a Jupyter kernel on this host. NOTHING IS ISOLATED.

Only for users who ask for it explicitly (``--sandbox local``): the code runs as the
current user, with the network, the files and the environment of this machine. It
exists for machines without Docker; it warns loudly every time one is started.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from ponder.agent.errors import SandboxError
from ponder.agent.settings import Settings
from ponder.sandbox._base import KernelSandbox
from ponder.sandbox._files import reap_code
from ponder.sandbox._kernel import (
    KernelClient,
    connection_info,
    ensure_short_socket_path,
    hooks_source,
)

log = logging.getLogger(__name__)
READY_TIMEOUT = 60.0
WARNING = ("UNSAFE SANDBOX: code runs directly on this machine as your user, with your "
           "files, environment and network. Use the Docker sandbox for untrusted code.")


class UnsafeSandboxWarning(UserWarning):
    """Emitted whenever a LocalSandbox starts: nothing is isolated."""


class LocalSandbox(KernelSandbox):
    """An ipykernel subprocess on the host with a temporary working folder.

    Raises SandboxError from ``start`` when the kernel cannot be started (ipykernel must
    be installed for ``python``).
    """

    kind = "local"

    def __init__(
        self,
        *,
        python: str | None = None,
        default_timeout: float = 30.0,
        output_limit_bytes: int = 64_000,
        output_max_messages: int = 2_000,
        artifact_dir: Path | None = None,
        artifact_max_bytes: int = 50_000_000,
        artifact_max_files: int = 100,
        keep_artifacts: bool = False,
    ) -> None:
        super().__init__(default_timeout=default_timeout, output_limit_bytes=output_limit_bytes,
                         output_max_messages=output_max_messages, artifact_dir=artifact_dir,
                         artifact_max_bytes=artifact_max_bytes,
                         artifact_max_files=artifact_max_files, keep_artifacts=keep_artifacts)
        self.python = python or sys.executable
        self._dir: Path | None = None
        self._manager: AsyncKernelManager | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, artifact_dir: Path | None = None
                      ) -> LocalSandbox:
        """A local sandbox with the limits of ``settings.sandbox`` that apply to it."""
        s = settings.sandbox
        return cls(default_timeout=s.exec_timeout, output_limit_bytes=s.output_limit_bytes,
                   output_max_messages=s.output_max_messages, artifact_dir=artifact_dir,
                   artifact_max_bytes=s.artifact_max_bytes,
                   artifact_max_files=s.artifact_max_files, keep_artifacts=s.keep_artifacts)

    @property
    def workspace(self) -> str:
        assert self._dir is not None
        return str(self._dir / "workspace")

    async def _start(self) -> None:
        warnings.warn(WARNING, UnsafeSandboxWarning, stacklevel=3)
        log.warning(WARNING)
        self._dir = Path(tempfile.mkdtemp(prefix="ponder-local-"))
        ensure_short_socket_path(self._dir)
        Path(self.workspace).mkdir()
        await self._launch()

    async def _launch(self) -> None:
        assert self._dir is not None
        for stale in self._dir.glob("k-*"):
            stale.unlink(missing_ok=True)
        conn = connection_info(str(self._dir / "k"))
        manager = AsyncKernelManager(connection_file=str(self._dir / "kernel.json"))
        manager.load_connection_info(conn)
        # An explicit spec: this interpreter (or ``python``), whatever kernels are installed.
        manager._kernel_spec = KernelSpec(
            argv=[self.python, "-c", hooks_source(), "-f", "{connection_file}",
                  "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"],
            display_name="ponder-local", language="python")
        self._manager = manager
        try:
            await manager.start_kernel(cwd=self.workspace, env={
                **_clean_env(), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                # Only the kernel's own descendants are stray here: this is the user's host.
                "PONDER_SWEEP": "children", "PONDER_OUTPUT_LIMIT": str(self.output_limit_bytes)})
        except Exception as exc:
            raise SandboxError(f"could not start a local kernel with {self.python}: {exc}",
                               operation="start") from exc
        self._client = KernelClient(conn["ip"], conn["key"])
        await self._client.wait_ready(READY_TIMEOUT, self._probe)

    async def _probe(self) -> str | None:
        if self._manager is None or not await self._manager.is_alive():
            code = None
            provisioner = getattr(self._manager, "provisioner", None)
            process = getattr(provisioner, "process", None)
            if process is not None:
                code = process.poll()
            if code in (-9, 137):
                return "the kernel was killed (SIGKILL), likely out of memory"
            return f"the kernel died (exit code {code})"
        return None

    async def _after_interrupt(self) -> None:
        # On the host only the kernel's own zombies are cleaned: killing "every other
        # process" would reach the user's own programs.
        await self._helper(reap_code(), "execute")

    async def _restart_kernel(self) -> None:
        await self._shutdown_kernel()
        await self._launch()

    async def _replace(self) -> None:
        await self._restart_kernel()

    async def _reset(self) -> None:
        await self._shutdown_kernel()
        shutil.rmtree(self.workspace, ignore_errors=True)
        Path(self.workspace).mkdir()
        await self._launch()

    async def _shutdown_kernel(self) -> None:
        self._drop_client()
        manager, self._manager = self._manager, None
        if manager is not None:
            try:
                await manager.shutdown_kernel(now=True)
            except Exception:  # an already-dead kernel cannot be shut down twice
                log.debug("local kernel shutdown failed", exc_info=True)

    async def _teardown(self) -> None:
        await self._shutdown_kernel()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


# A variable the local kernel does not get: Ponder's and the model providers' settings
# (PONDER_CHECKPOINT_URL holds a database password) and anything named like a secret.
_SECRET_NAME = re.compile(r"^(PONDER|OPENAI|ANTHROPIC|GROQ|MISTRAL|GOOGLE|AZURE|AWS|HF|"
                          r"HUGGING_?FACE|LANGSMITH|LANGCHAIN|OTEL_EXPORTER)_|KEY|TOKEN|"
                          r"SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|_PWD$|PASS$|_DSN$|DATABASE_URL|"
                          r"_URI$", re.IGNORECASE)


def _clean_env() -> dict[str, str]:
    """The host environment minus secrets: ``local`` has no isolation (see the README),
    but model-written code still gets no keys, passwords or Ponder settings."""
    return {k: v for k, v in os.environ.items() if not _SECRET_NAME.search(k)}
