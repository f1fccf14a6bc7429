"""The code sandbox: a protocol, a hardened Docker + Jupyter backend, an unsafe local
backend, the image build, a warm pool and a reaper for containers a crash left behind."""

from ponder.sandbox.docker import DockerSandbox
from ponder.sandbox.factory import make_sandbox
from ponder.sandbox.image import default_image_tag, ensure_image
from ponder.sandbox.local import LocalSandbox, UnsafeSandboxWarning
from ponder.sandbox.pool import SandboxPool
from ponder.sandbox.protocol import (
    DisplayOutput,
    ExecutionError,
    ExecutionResult,
    Sandbox,
    SandboxPathError,
)
from ponder.sandbox.reaper import reap_orphans

__all__ = [
    "DisplayOutput",
    "DockerSandbox",
    "ExecutionError",
    "ExecutionResult",
    "LocalSandbox",
    "Sandbox",
    "SandboxPathError",
    "SandboxPool",
    "UnsafeSandboxWarning",
    "default_image_tag",
    "ensure_image",
    "make_sandbox",
    "reap_orphans",
]
