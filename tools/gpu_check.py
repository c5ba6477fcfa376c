#!/usr/bin/env python3
"""Do the chapters hold on a GPU? (`make gpu-check`)

Runs both chapter notebooks on a CUDA device, each in a fresh kernel with the course's runner (offline data, the
network blocked, the committed outputs' seed), on past a failing cell so that every claim is reported, and writes a
short report (default benchmarks/GPU.md, beside the executed notebooks in gpu_run/):
  - each chapter's time, and each question's claims (its assertions) and whether they held;
  - question 23's float32 against mixed precision: time per step and peak memory, as chapter 5 measures them on CUDA;
  - each chapter's results (`chN_results`) beside the committed CPU results of the seed runs (seed_runs.json).
On a GPU it exits 1 if a claim failed. Without a GPU it says so and exits 0, writing nothing.
`--from DIR` writes the report from notebooks a run already executed into DIR (`gpu_run/`, or `fastbook-answers run --out DIR`).

usage: gpu_check.py [--out DIR] [--report FILE] [--timeout S] [--from DIR]"""
from __future__ import annotations
import argparse, json, platform, re, sys, time
from datetime import date
from pathlib import Path

from fastbook_answers.course import CHAPTERS, DEFAULT_SEED, CourseError, checkout_path, course_notebooks, import_nbformat, seed_runs
from fastbook_answers.questions import question_sections
from fastbook_answers.runner import execute_notebook, question_claims

ROOT = checkout_path()

_AMP = re.compile(r"'(fp32|fp16)': '([\d.]+) ms/step, peak (\d+) MiB'")

def q23(nb) -> dict:
    "Chapter 5's question 23 comparison as it printed it: `{'fp32': (ms per step, peak MiB), 'fp16': (...)}`, or `{}`."
    q = next((q for q in question_sections(nb) if q['kind'] == 'questionnaire' and q['number'] == 23), None)
    if q is None: return {}
    text = ''.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', ''))
                   for c in nb.cells[q['start']:q['end']] if c.cell_type == 'code' for o in c.get('outputs', []))
    return {m[1]: (float(m[2]), float(m[3])) for m in _AMP.finditer(text)}

def _num(v):
    try: return float(v)
    except (TypeError, ValueError): return None

def _fmt(v) -> str:
    f = _num(v)
    return '-' if v is None else f'{f:g}' if f is not None else str(v)

def results_rows(chapter:int, got:dict) -> tuple[list[str], str]:
    "Markdown rows: each result of the GPU run beside the committed CPU seed runs (seed 42, and the range over the seeds)."
    try: runs = seed_runs(chapter)
    except CourseError as e: runs, note = {}, f'No committed CPU results to compare with ({e}).'
    else: note = f"CPU: the committed seed runs (`make seeds`), seeds {', '.join(map(str, runs))}."
    rows = ['| result | GPU, seed 42 | CPU, seed 42 | CPU, all seeds | GPU within the CPU range |', '|---|---|---|---|---|']
    for k in sorted(set(got) | {k for r in runs.values() for k in r}, key=lambda k: (k not in got, k)):
        cpu = [_num(r.get(k)) for r in runs.values() if _num(r.get(k)) is not None]
        g = _num(got.get(k))
        inside = '-' if g is None or not cpu else 'yes' if min(cpu) <= g <= max(cpu) else 'no'
        rows.append(f"| {k} | {_fmt(got.get(k))} | {_fmt(runs.get(DEFAULT_SEED, {}).get(k))} | "
                    f"{f'{min(cpu):g} to {max(cpu):g}' if cpu else '-'} | {inside} |")
    return rows, note

def report(runs:dict, device:str) -> tuple[str, bool]:
    "The report of `runs` (`{chapter: (executed notebook, seconds)}`) and whether every claim held."
    all_held, parts = True, []
    head = ['| chapter | seconds | questions whose claims held | assertions | failed |', '|---|---|---|---|---|']
    for ch, (nb, secs) in runs.items():
        cs = question_claims(nb, ch); qs = [c for c in cs if not c['id'].startswith('cell')]
        failed = [c['id'] for c in cs if not c['held']]
        all_held &= not failed
        head.append(f"| {ch}. {CHAPTERS[ch].title} | {secs:.1f} | {sum(c['held'] for c in qs)}/{len(qs)} | "
                    f"{sum(c['assertions'] for c in cs if c['held'])} | {', '.join(failed) or '-'} |")
    fp = next(iter(runs.values()))[0].metadata.get('fastbook_answers', {}).get('fingerprint', {})
    parts += [f"# The chapters on a GPU", '',
              f"`make gpu-check` ({'every claim held' if all_held else 'SOME CLAIMS FAILED'}), {date.today().isoformat()}: {device}; "
              f"torch {fp.get('torch')}, fastai {fp.get('fastai')}, Python {platform.python_version()}; "
              f"the kernels {'saw' if fp.get('cuda') else 'did NOT see'} CUDA. Seed {DEFAULT_SEED}, offline data.", '', *head, '']
    if 5 in runs:
        amp = q23(runs[5][0])
        parts += ['## Question 23: float32 against mixed precision', '']
        if {'fp32', 'fp16'} <= set(amp):
            (t32, m32), (t16, m16) = amp['fp32'], amp['fp16']
            parts += ['| | ms per training step | peak memory (MiB) |', '|---|---|---|',
                      f'| float32 | {t32:g} | {m32:g} |', f'| mixed precision (`autocast` float16) | {t16:g} | {m16:g} |', '',
                      f'Mixed precision: {t32/t16:.2f}x the speed, {m16/m32:.2f}x the peak memory '
                      '(chapter 5, question 23: `xresnet_small`, batches of 256 images of 128x128, 10 steps each).', '']
        else: parts += ["Chapter 5's question 23 printed no comparison (it runs only where `torch.cuda.is_available()`).", '']
    for ch, (nb, secs) in runs.items():
        got = nb.metadata.get('fastbook_answers', {}).get('results', {}).get(f'ch{ch}_results', {})
        rows, note = results_rows(ch, got)
        parts += [f'## Chapter {ch}: results beside the CPU', '', note, 'A result outside the CPU range is not a failure by itself '
                  '(other kernels, other rounding); the claims below are what must hold.', '', *rows, '']
    for ch, (nb, secs) in runs.items():
        parts += [f'## Chapter {ch}: each claim', '', '| question | assertions | held |', '|---|---|---|']
        parts += [f"| {c['id']} {c['question'][:70]}{'...' if len(c['question']) > 70 else ''} | {c['assertions']} | "
                  f"{'yes' if c['held'] else 'NO: ' + c['error'].replace('|', '/')} |" for c in question_claims(nb, ch)]
        parts.append('')
    return '\n'.join(parts), all_held

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=str(ROOT/'gpu_run'), help='folder for the executed notebooks (default: gpu_run/)')
    ap.add_argument('--report', default=str(ROOT/'benchmarks'/'GPU.md'), help='the report to write (default: benchmarks/GPU.md)')
    ap.add_argument('--timeout', type=int, default=1200, help='seconds allowed per cell (default: %(default)s)')
    ap.add_argument('--from', dest='src', default=None, metavar='DIR', help='report on notebooks already executed into DIR; run nothing')
    a = ap.parse_args(argv)
    nbformat = import_nbformat()
    if a.src:
        runs = {}
        for ch in CHAPTERS:
            p = course_notebooks(a.src, ch)[0]
            summary = Path(a.src)/'summary.json'
            secs = next((r['seconds'] for r in json.loads(summary.read_text()) if r['notebook'] == p.name), 0.0) if summary.is_file() else 0.0
            runs[ch] = (nbformat.read(p, as_version=4), secs)
        device = f'notebooks executed earlier, read from {a.src}'
    else:
        import torch
        if not torch.cuda.is_available():
            print(f'No CUDA device here (torch {torch.__version__}: torch.cuda.is_available() is False): the GPU check did not run, '
                  'and no report was written. Run `make gpu-check` on a machine with an NVIDIA GPU (Colab and Kaggle have them).')
            return 0
        device = f'{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda}, {torch.cuda.device_count()} device(s))'
        out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
        runs = {}
        for ch, c in CHAPTERS.items():
            print(f'chapter {ch}: running {c.notebook} on {device}...', flush=True)
            nb, secs, err = execute_notebook(ROOT/'nbs'/c.notebook, a.timeout, offline=True, seed=DEFAULT_SEED, allow_errors=True)
            if err: print(f"chapter {ch}: the run stopped: {err['ename']}: {err['evalue']} ({err['where']})", flush=True)
            nbformat.write(nb, out/c.notebook)
            runs[ch] = (nb, secs)
            print(f'chapter {ch}: {secs:.1f} s', flush=True)
    text, held = report(runs, device)
    Path(a.report).parent.mkdir(parents=True, exist_ok=True)
    Path(a.report).write_text(text + '\n')
    print(text)
    print(f"\nreport: {a.report}" + ('' if held else '\nFAILED: some claims did not hold on this device (see the report)'))
    return 0 if held else 1

if __name__ == '__main__': sys.exit(main())
