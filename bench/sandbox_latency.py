"""Sandbox latency benchmark: run ``python bench/sandbox_latency.py [--runs N]``.

Prints, side by side with the targets: the warm ``1+1`` round trip through DockerSandbox
(p50/p95) against ``docker exec <container> python3 -c 1+1`` as a baseline, the time to
a ready fresh sandbox, a warm-pool acquire, and an idle sandbox's memory. A benchmark,
not a test: the machine's load moves these numbers; compare ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable

from ponder.sandbox import DockerSandbox, SandboxPool
from ponder.sandbox.image import docker_client, ensure_image


def pct(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of ``samples`` in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - started)
    return out


async def warm_execute(sandbox: DockerSandbox, runs: int) -> list[float]:
    for _ in range(30):
        await sandbox.execute("1+1")
    return await timed(lambda: sandbox.execute("1+1"), runs)


def docker_exec(container_id: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(["docker", "exec", container_id, "python3", "-c", "1+1"], check=True)
        out.append(time.perf_counter() - started)
    return out


async def ready_times(image: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        sandbox = DockerSandbox(image=image)
        started = time.perf_counter()
        await sandbox.start()
        out.append(time.perf_counter() - started)
        await sandbox.close()
    return out


async def acquire_times(image: str, runs: int) -> list[float]:
    out = []
    async with SandboxPool(lambda: DockerSandbox(image=image), size=1) as pool:
        for _ in range(runs):
            await pool.filled.wait()
            started = time.perf_counter()
            sandbox = await pool.acquire()
            out.append(time.perf_counter() - started)
            await pool.release(sandbox)
    return out


def idle_memory_mib(container_id: str) -> float:
    """Memory as ``docker stats`` shows it: usage minus inactive page cache."""
    stats = docker_client().api.stats(container_id, stream=False)
    mem = stats["memory_stats"]
    inactive = mem.get("stats", {}).get("total_inactive_file", mem.get("stats", {}).get(
        "inactive_file", 0))
    return (mem["usage"] - inactive) / 2**20


def row(name: str, value: str, target: str, ok: bool | None) -> str:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    return f"{name:<34}{value:>22}  {target:>14}  {mark}"


async def main(runs: int) -> None:
    image = ensure_image()
    async with DockerSandbox(image=image) as sandbox:
        assert sandbox.container_id is not None
        warm = await warm_execute(sandbox, runs)
        base = docker_exec(sandbox.container_id, max(10, runs // 20))
        await asyncio.sleep(1.0)  # let the just-used kernel settle before sampling memory
        memory = idle_memory_mib(sandbox.container_id)
    ready = await ready_times(image, 5)
    acquire = await acquire_times(image, 5)
    w50, w95, b50, b95 = pct(warm, 50), pct(warm, 95), pct(base, 50), pct(base, 95)
    print(f"sandbox latency ({runs} warm runs; image {image})")
    print(row("", "measured", "target", None))
    print(row("warm execute 1+1 p50 / p95", f"{w50:.2f} / {w95:.2f} ms", "2 / 5 ms",
              w50 <= 2 and w95 <= 5))
    print(row("docker exec python -c p50 / p95", f"{b50:.1f} / {b95:.1f} ms", "baseline", None))
    print(row("speed-up over docker exec (p50)", f"{b50 / w50:.0f}x", "", None))
    print(row("fresh sandbox ready (median of 5)", f"{statistics.median(ready):.3f} s",
              "0.6 s", statistics.median(ready) <= 0.6))
    print(row("pool acquire (median of 5)", f"{statistics.median(acquire) * 1000:.2f} ms",
              "20 ms", statistics.median(acquire) <= 0.02))
    print(row("idle sandbox memory", f"{memory:.0f} MiB", "100 MB", memory <= 100))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=500, help="warm executes to time")
    asyncio.run(main(parser.parse_args().runs))
