"""Batch throughput: the same tasks run locally with -j 1 and -j 2, and on Ray with two
workers, side by side in one run, against a fake OpenAI-compatible model that answers
after a fixed delay (so the model's time, not this machine's noise, dominates).

    .venv/bin/python bench/batch_scale.py [--tasks 20] [--delay 0.5]

Prints tasks per minute for each and the ratios. Issue 13's target: Ray's throughput
within 15 % of the local -j 2 run's. No sandbox (``--sandbox none``): this measures the
batch machinery, not code execution.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from fake_openai import FakeOpenAI, system_text

from ponder.agent.batch import run_batch
from ponder.agent.settings import Settings
from ponder.agent.tasks import parse_tasks


def _respond(body: dict) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
    return json.dumps({"thought": "known", "tool": "answer", "input": "42"})


def _warm() -> None:
    import ponder.agent.batch
    import ponder.agent.facade  # noqa: F401

    time.sleep(1.0)  # held long enough that the two warm-ups go to two workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds per model call")
    args = parser.parse_args()
    lines = [json.dumps({"id": f"t{i}", "prompt": f"Question number {i}?"})
             for i in range(args.tasks)]
    tasks, _ = parse_tasks(lines)
    folder = Path(tempfile.mkdtemp(prefix="ponder-batch-scale-"))
    with FakeOpenAI(_respond, delay=args.delay) as server:
        settings = Settings(model="openai-compatible:fake", base_url=server.base_url,
                            api_key="sk-bench", direct_answer=False, sandbox={"kind": "none"},
                            data_dir=folder / "data")
        rates: dict[str, float] = {}
        for name, jobs in (("local -j 1", 1), ("local -j 2", 2)):
            out = folder / f"{jobs}.jsonl"
            started = time.perf_counter()
            summary = asyncio.run(run_batch(tasks, out, settings, concurrency=jobs,
                                            tasks_file=folder / "t.jsonl"))
            assert summary.ran == args.tasks and summary.errors == 0, out.read_text()
            rates[name] = args.tasks / (time.perf_counter() - started) * 60

        import ray

        from ponder.agent.ray_batch import run_batch_on_ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        # Both workers up, with Ponder imported (the local runs' process has it imported
        # too): what is left is Ray's scheduling and transport.
        ray.get([ray.remote(_warm).remote() for _ in range(2)])
        out = folder / "ray.jsonl"
        started = time.perf_counter()
        summary = run_batch_on_ray(tasks, out, settings, tasks_file=folder / "t.jsonl")
        assert summary.ran == args.tasks and summary.errors == 0, out.read_text()
        rates["Ray, 2 workers"] = args.tasks / (time.perf_counter() - started) * 60
        ray.shutdown()
    base = rates["local -j 2"]
    print(f"{args.tasks} tasks, model delay {args.delay} s per call")
    print(f"{'run':<16} {'tasks/min':>10} {'vs -j 2':>8}")
    for name, rate in rates.items():
        print(f"{name:<16} {rate:>10.1f} {rate / base:>8.2f}")
    print(f"Ray overhead against local -j 2: {(1 - rates['Ray, 2 workers'] / base) * 100:+.1f} %"
          " (target: within 15 %)")


if __name__ == "__main__":
    main()
