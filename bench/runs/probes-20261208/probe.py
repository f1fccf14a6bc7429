"""Probe: does continuing the function (its prompt given as the start of the answer)
beat asking for it? Dev code tasks, greedy, scored on hidden tests (local subprocess,
10 s each). Usage: probe.py MODEL_FILE OUT.jsonl VARIANT...

Variants (raw completions through the embedded llama.cpp server's /v1/completions):
- ``prefill``: the bare wording as the user turn of the model's chat template (Qwen's
  ChatML, written out), and the assistant turn begun with "```python" and the task's
  prompt, so the model writes the body; stops at the closing fence.
- ``raw``: no chat template: the task's prompt alone, continued as a file; stops at the
  next top-level statement, as function-completion harnesses do.
- ``raw_sN``: ``raw`` sampled at temperature 0.8 with seed N.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ponder.agent.models.local import get_local_server
from ponder.graphs.nodes.direct import completed_code

SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def tasks():
    out = []
    files = os.environ.get('TASKS', 'bench/dev_code_tasks.jsonl:bench/dev_tasks.jsonl')
    for f in files.split(':'):
        for line in Path(f).read_text().splitlines():
            t = json.loads(line)
            if t.get('kind') == 'code':
                out.append(t)
    return out


def q(t):
    return t['prompt'] + (f"\nTests:\n{t['tests']}" if t.get('tests') else '')


def bare_words(t):
    return (f"{q(t)}\nWrite the Python function {t['entry_point']}. "
            "Reply with only the code in one ```python block.")


def chatml(user, assistant_start):
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            f"<|im_start|>assistant\n{assistant_start}")


V = {
    'prefill': lambda t: (chatml(bare_words(t), "```python\n" + t['prompt']), ["```"]),
    'raw': lambda t: (t['prompt'], ["\ndef ", "\nif __name__", "\nprint(", "\nassert ",
                                    "\nclass ", "\n#"]),
}


def run(code, tests):
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as fh:
        fh.write(code + '\n\n' + tests + '\n')
    try:
        p = subprocess.run([sys.executable, fh.name], capture_output=True, timeout=10, text=True)
        return p.returncode == 0, p.stderr.strip().splitlines()[-1:]
    except subprocess.TimeoutExpired:
        return False, ['timeout']


def main():
    model, out, variants = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = get_local_server(Path.home() / '.cache/ponder/models' / model, parallel=1)
    done = set()
    if Path(out).exists():
        rows = [json.loads(row) for row in Path(out).read_text().splitlines()]
        done = {(row['id'], row['variant']) for row in rows}
    with open(out, 'a') as fh:
        for t in tasks():
            for v in variants:
                if (t['id'], v) in done:
                    continue
                started = time.time()
                prompt, stop = V[v.split('_s')[0]](t)
                sampled = '_s' in v
                r = httpx.post(s.base_url + '/completions', json={
                    'prompt': prompt, 'temperature': 0.8 if sampled else 0, 'max_tokens': 900,
                    'seed': int(v.split('_s')[1]) if sampled else 1234,
                    'stop': stop}, timeout=600).json()
                text = r['choices'][0]['text']
                reply = "```python\n" + t['prompt'] + text.rstrip() + "\n```"
                code = completed_code(reply, t['prompt'], t['entry_point'])
                ok, err = run(code, t['hidden_tests'])
                row = {'id': t['id'], 'variant': v, 'ok': ok, 'err': err,
                       'tokens': r['usage']['completion_tokens'], 's': time.time() - started,
                       'code': code[:3000]}
                fh.write(json.dumps(row) + '\n')
                fh.flush()
                print(t['id'], v, ok, row['tokens'], flush=True)


main()
