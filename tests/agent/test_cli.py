"""The ``ponder`` command as users run it: a real subprocess, real exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fake_openai import FakeOpenAI, last_user_text, system_text

PONDER = [sys.executable, "-m", "ponder"]


def ponder(*args: str, timeout: float = 120,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PONDER, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env} if env else None)


def test_help_lists_the_commands() -> None:
    out = ponder("--help")
    assert out.returncode == 0
    for command in ("ask", "chat", "config"):
        assert command in out.stdout


def test_version() -> None:
    out = ponder("--version")
    assert out.returncode == 0 and out.stdout.startswith("ponder ")


def test_config_shows_sources_and_masks_secrets(tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text('api_key = "sk-verysecretvalue9876"\n'
                   'checkpoint_url = "postgresql://u:hunter2secret@db/ponder"\n'
                   '[budget]\nmax_steps = 9\n')
    out = subprocess.run([*PONDER, "config", "--config", str(cfg)], capture_output=True,
                         text=True, env={**_env(), "COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert "verysecret" not in out.stdout and "****9876" in out.stdout
    assert "hunter2" not in out.stdout and "postgresql://u:****@db/ponder" in out.stdout
    assert "budget.max_steps" in out.stdout and "file" in out.stdout


def _env() -> dict[str, str]:
    import os
    return dict(os.environ)


def test_invalid_settings_file_is_one_line_exit_2_no_traceback(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[budget]\nmax_steps = -1\n")
    out = ponder("ask", "hi", "--config", str(cfg))
    assert out.returncode == 2
    assert "invalid setting 'budget.max_steps'" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_empty_question_is_bad_usage() -> None:
    out = ponder("ask", "  ")
    assert out.returncode == 2 and "empty" in out.stderr and "Traceback" not in out.stderr


def test_unknown_model_spec_is_a_clear_error() -> None:
    out = ponder("ask", "hi", "--model", "banana:split")
    assert out.returncode == 2 and "unknown model spec" in out.stderr


def test_unreachable_endpoint_fails_cleanly_and_debug_shows_the_traceback() -> None:
    args = ("ask", "hi", "--model", "openai-compatible:x", "--base-url", "http://127.0.0.1:9/v1",
            "--sandbox", "none")
    out = ponder(*args)
    assert out.returncode == 1 and "model call failed" in out.stderr
    assert "Traceback" not in out.stderr
    out = ponder(*args, "--debug")
    assert "Traceback" in out.stderr


def _answering(body: dict) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
    return json.dumps({"thought": "known", "tool": "answer", "input": "Paris"})


def test_ask_json_prints_one_result() -> None:
    with FakeOpenAI(_answering) as server:
        out = ponder("ask", "Capital of France?", "--json", "--model", "openai-compatible:fake",
                     "--base-url", server.base_url, "--sandbox", "none")
    assert out.returncode == 3, out.stderr  # answered, unverified
    result = json.loads(out.stdout)
    assert result["answer"] == "Paris" and result["status"] == "unverified"
    assert result["usage"]["model_calls"] == 2


def test_ask_streams_plan_thought_and_answer() -> None:
    with FakeOpenAI(_answering) as server:
        out = ponder("ask", "Capital of France?", "--model", "openai-compatible:fake",
                     "--base-url", server.base_url, "--sandbox", "none")
    assert out.returncode == 3
    for text in ("plan", "thought: known", "Paris", "unverified", "thread"):
        assert text in out.stdout


def test_run_writes_results_reports_bad_lines_and_resumes(tmp_path: Path,
                                                          checkpoint_store: str) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "a", "prompt": "Capital of France?"}\n{oops\n'
                     '{"id": "b", "prompt": "Capital of France, again?"}\n')
    out_file = tmp_path / "results.jsonl"
    with FakeOpenAI(_answering) as server:
        common = ("--model", "openai-compatible:fake", "--base-url", server.base_url,
                  "--sandbox", "none", "-o", str(out_file))
        first = ponder("run", str(tasks), *common)
        calls_after_first = len(server.requests)
        second = ponder("run", str(tasks), *common)
        # Nothing left to run builds nothing: a Docker engine that is down does not matter.
        third = ponder("run", str(tasks), "--model", "openai-compatible:fake", "--base-url",
                       server.base_url, "--sandbox", "docker", "-o", str(out_file),
                       env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert third.returncode == 0, third.stderr
    assert first.returncode == 0, first.stderr
    assert "line 2" in first.stdout and "not valid JSON" in first.stdout
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert sorted(r["id"] for r in rows) == ["a", "b"] and all(r["answer"] == "Paris" for r in rows)
    assert second.returncode == 0 and len(server.requests) == calls_after_first  # nothing re-run
    assert "2" in second.stdout  # the summary counts the two skipped tasks


def test_eval_scores_both_modes_and_writes_the_reports(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        '{"id": "fr", "prompt": "Capital of France?", "answer": "Paris", "metadata": {"category": "geo"}}\n'
        '{"id": "it", "prompt": "Capital of Italy?", "answer": "Rome", "metadata": {"category": "geo"}}\n')
    out_dir = tmp_path / "report"
    with FakeOpenAI(_answering) as server:
        out = ponder("eval", str(tasks), "--model", "openai-compatible:fake", "--base-url",
                     server.base_url, "--sandbox", "none", "--out-dir", str(out_dir))
    assert out.returncode == 0, out.stderr
    report = json.loads((out_dir / "eval.json").read_text())
    rows = {(r["mode"], r["id"]): r for r in report["rows"]}
    assert len(rows) == 4  # each task in each mode
    assert rows[("agent", "fr")]["correct"] and not rows[("agent", "it")]["correct"]
    assert not rows[("agent", "fr")]["verified"]  # nothing could check it
    agent = next(s for s in report["summary"] if s["mode"] == "agent")
    assert agent["accuracy"] == 0.5 and agent["verified_rate"] == 0.0
    markdown = (out_dir / "eval.md").read_text()
    assert "| geo |" in markdown and "| agent | 2 | 50.0% |" in markdown
    # Every candidate is scored with its verdicts, for the checker-precision table.
    fr = rows[("agent", "fr")]["candidates"]
    assert fr and fr[-1]["correct"] and fr[-1]["selected"] and fr[-1]["method"] == "loop"
    assert fr[-1]["answer"] == "Paris"  # kept, to see afterwards which candidates agreed
    assert set(fr[-1]["verdicts"]) >= {"form"}
    assert not rows[("agent", "it")]["candidates"][-1]["correct"]
    assert "| form | 2 | 0 (0) | — |" in markdown  # judged both, accepted neither
    # A category changed in the task file (metadata, not the task): the resumed report
    # files the kept rows under it, in both modes.
    tasks.write_text(tasks.read_text().replace('"geo"', '"capitals"'))
    with FakeOpenAI(_answering) as server:
        again = ponder("eval", str(tasks), "--model", "openai-compatible:fake", "--base-url",
                       server.base_url, "--sandbox", "none", "--out-dir", str(out_dir))
        assert again.returncode == 0 and not server.requests  # nothing ran again
    markdown = (out_dir / "eval.md").read_text()
    assert "| capitals |" in markdown and "| geo |" not in markdown


def test_eval_rows_keep_the_reasons_of_the_verdicts_that_decided() -> None:
    """An eval row keeps why a checker accepted, rejected or blocked a candidate (so a
    precision figure can be traced to its cases afterwards), not the reasons of plain
    "unverified" verdicts, and cuts long reasons."""
    from ponder.agent.evaluate import REASON_CHARS, decisive_reasons

    def verdict(candidate: int, checker: str, status: str, reason: str, **extra: object) -> dict:
        return {"candidate": candidate, "checker": checker, "status": status,
                "reason": reason, "evidence": [], **extra}

    verdicts = [verdict(0, "code-rerun", "reject", "step 2 now gives 'abc'"),
                verdict(0, "form", "unverified", "looks like an answer"),
                verdict(0, "second-implementation", "unverified", "disagrees on f(3)", blocks=True),
                verdict(1, "expression", "accept", "x" * (REASON_CHARS + 50))]
    assert decisive_reasons(verdicts, 0) == {  # type: ignore[arg-type]
        "code-rerun": "step 2 now gives 'abc'", "second-implementation": "disagrees on f(3)"}
    assert decisive_reasons(verdicts, 1) == {"expression": "x" * REASON_CHARS}  # type: ignore[arg-type]
    assert decisive_reasons(verdicts, 2) == {}  # type: ignore[arg-type]


def test_checker_table_measures_precision_of_acceptance_and_rejection() -> None:
    from ponder.agent.evaluate import CandidateRecord, EvalRow, checker_table

    def row(agreed: bool, *cands: CandidateRecord) -> EvalRow:
        return EvalRow(id="t", mode="agent", category="c", answer="", correct=False,
                       verified=False, tokens=0, seconds=0, candidates=list(cands),
                       methods_agreed=agreed)

    rows = [
        row(True, CandidateRecord(index=0, method="direct", correct=True,
                                  verdicts={"expression": "accept"}),
            CandidateRecord(index=1, method="program", correct=True)),
        row(True, CandidateRecord(index=0, method="direct", correct=False,
                                  verdicts={"expression": "reject"}),
            CandidateRecord(index=1, method="program", correct=False,
                            verdicts={"expression": "accept"})),
        row(False, CandidateRecord(index=0, method="direct", correct=True,
                                   verdicts={"expression": "reject"}),
            CandidateRecord(index=1, method="program", correct=False)),
    ]
    table = {c.checker: c for c in checker_table(rows)}
    expression = table["expression"]
    assert (expression.judged, expression.accepts, expression.accepts_right) == (4, 2, 1)
    assert expression.accept_precision == 0.5 and expression.reject_precision == 0.5
    agreement = table["agreement across methods"]
    assert (agreement.judged, agreement.accepts, agreement.accepts_right) == (3, 2, 1)
    assert "passes all its tests" not in table  # no code ran on tests
    code = [row(False, CandidateRecord(index=0, method="direct", correct=False, tests_passed=1.0),
                CandidateRecord(index=2, method="revise", correct=False, tests_passed=0.5),
                CandidateRecord(index=4, method="sample", correct=True, tests_passed=1.0),
                CandidateRecord(index=5, method="loop", correct=True))]
    passing = {c.checker: c for c in checker_table(code)}["passes all its tests"]
    assert (passing.judged, passing.accepts, passing.accepts_right) == (3, 2, 1)


def test_method_table_counts_the_candidate_standing_for_each_method_and_the_oracle() -> None:
    from ponder.agent.evaluate import CandidateRecord, EvalRow, markdown_report, method_table

    def row(category: str, correct: bool, *cands: CandidateRecord) -> EvalRow:
        return EvalRow(id="t", mode="agent", category=category, answer="", correct=correct,
                       verified=False, tokens=0, seconds=0, candidates=list(cands))

    rows = [
        row("word", False, CandidateRecord(index=0, method="direct", correct=False),
            CandidateRecord(index=3, method="bare", correct=True),
            CandidateRecord(index=4, method="loop", correct=True),
            CandidateRecord(index=5, method="loop", correct=False)),
        row("word", False, CandidateRecord(index=0, method="direct", correct=False)),
        row("code", True, CandidateRecord(index=0, method="direct", correct=True)),
        # Code: the revision passing most tests stands for revise, not the latest one.
        row("code", True, CandidateRecord(index=0, method="direct", correct=False,
                                          tests_passed=0.5),
            CandidateRecord(index=2, method="revise", correct=True, tests_passed=1.0),
            CandidateRecord(index=6, method="revise", correct=False, tests_passed=0.5)),
    ]
    table = method_table(rows)
    assert table["word"] == {"direct": (0, 2), "bare": (1, 1), "loop": (0, 1), "any": (1, 2),
                             "selected": (0, 2)}
    assert table["code"]["selected"] == (2, 2) and table["code"]["revise"] == (1, 1)
    assert table["code"]["direct"] == (1, 2)
    report = markdown_report(rows, "t")
    assert "| category | bare | direct | revise | loop | any | selected |" in report
    assert "| word | 1/1 | 0/2 | — | 0/1 | 1/2 | 0/2 |" in report
    assert "| code | — | 1/2 | 1/1 | — | 2/2 | 2/2 |" in report


def test_the_report_compares_the_modes_on_the_tasks_both_ran() -> None:
    from ponder.agent.evaluate import EvalRow, markdown_report, paired

    def row(id_: str, mode: str, category: str, correct: bool, seconds: float,
            calls: int = 1, verified: bool = False) -> EvalRow:
        return EvalRow(id=id_, mode=mode, category=category, answer="", correct=correct,
                       verified=verified, tokens=10 * calls, seconds=seconds,
                       model_calls=calls)

    rows = [row("a", "bare", "word", True, 1.0), row("a", "agent", "word", False, 10.0, 5),
            row("b", "bare", "code", False, 2.0), row("b", "agent", "code", True, 30.0, 9, True),
            row("c", "bare", "code", False, 3.0), row("c", "agent", "code", True, 20.0, 7),
            # An agent row with no bare row is left out of the comparison.
            row("d", "agent", "code", True, 999.0, 99)]
    p = paired(rows)
    assert p is not None and p.tasks == 3
    assert p.right == {"bare": 1, "agent": 2} and p.verified == 1
    assert p.median_seconds == {"bare": 2.0, "agent": 20.0}
    assert p.median_calls == {"bare": 1, "agent": 7}
    assert p.categories == {"code": (2, 0, 2), "word": (1, 1, 0)}
    report = markdown_report(rows, "t")
    assert "on the 3 tasks with a row in both modes" in report
    assert "| right | 1/3 | 2/3 | 2.0× |" in report
    assert "| median s per task | 2.00 | 20.00 | 10.0× |" in report
    assert "| code | 2 | 0 | 2 | +100.0 |" in report
    assert "| word | 1 | 1 | 0 | -100.0 |" in report
    assert paired([r for r in rows if r.mode == "agent"]) is None
    assert "Against the bare model" not in markdown_report(rows[1::2], "t")


def _direct_then_loop(body: dict) -> str:
    if "Answer: <the answer only>" in last_user_text(body):
        return "The capital of France is Paris.\nAnswer: Paris"
    return _answering(body)


def test_ask_starts_with_the_models_own_answer_by_default() -> None:
    import os

    with FakeOpenAI(_direct_then_loop) as server:
        out = subprocess.run(
            [*PONDER, "ask", "Capital of France?", "--json", "--model", "openai-compatible:fake",
             "--base-url", server.base_url, "--sandbox", "none"],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "PONDER_DIRECT_ANSWER": "true"})
        first = last_user_text(server.requests[0])
    assert out.returncode == 3, out.stderr
    result = json.loads(out.stdout)
    assert "Answer: <the answer only>" in first  # the direct call came first, no tools
    assert result["answer"] == "Paris" and result["usage"]["model_calls"] == 3


def test_eval_rows_keep_the_code_behind_each_answer() -> None:
    """A program candidate keeps its program (the repair, if one ran), a coding task's
    candidate its function, an answer in words nothing; long code is cut."""
    from ponder.agent.evaluate import CODE_CHARS, candidate_code

    run = {"code": "print(6 * 7)", "stdout": "42\n", "value": "42", "ok": True,
           "computed": True, "ran": ["print(6 * 7)"]}
    assert candidate_code({"index": 1, "answer": "42", "step": 0, "code": None,
                           "method": "program", "program": run}) == "print(6 * 7)"  # type: ignore[typeddict-item]
    assert candidate_code({"index": 0, "answer": "def f(): return 1", "step": 0,
                           "code": "def f(): return 1", "method": "direct"}) == "def f(): return 1"
    assert candidate_code({"index": 0, "answer": "42", "step": 0, "code": None,
                           "method": "direct"}) == ""
    long = "x = 1\n" * CODE_CHARS
    assert candidate_code({"index": 0, "answer": "", "step": 0, "code": long}) == long[:CODE_CHARS]
