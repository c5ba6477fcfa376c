#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb (nbdev-readme needs Quarto, which isn't available here).

The README's figures are never typed: a markdown cell of the notebook may hold placeholders that this script fills from
the committed data, so that a figure lives in one place only:
  <!-- seed-table:N -->   chapter N's results at every seed of the seed runs (fastbook_answers/seed_runs.json, `make seeds`)
  <!-- bench-table -->    the last `make bench` (benchmarks/results.json): each chapter's and the course's median seconds

usage: make_readme.py [--check]   --check: exit 1 if README.md differs from what the notebook and the data give."""
import json, re, sys
from pathlib import Path
from fastbook_answers.course import CHAPTERS, SEEDS, checkout_path, seed_runs

ROOT = checkout_path()
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, then `make readme`. -->\n\n'

def _num(v) -> str: return f'{int(v)}' if float(v).is_integer() else f'{v:.3f}' if abs(v) < 10 else f'{v:.1f}'

def seed_table(ch: int) -> str:
    "Chapter `ch`'s results (rows) at each seed of the seed runs (columns), with their range, as a markdown table."
    runs = seed_runs(ch)
    keys = list(runs[SEEDS[0]]) if SEEDS[0] in runs else sorted({k for r in runs.values() for k in r})
    head = ['result', *[f'seed {s}' for s in runs], 'range']
    rows = [[k, *[_num(r[k]) if k in r else '-' for r in runs.values()],
             f"{_num(min(r[k] for r in runs.values() if k in r))} to {_num(max(r[k] for r in runs.values() if k in r))}"]
            for k in keys]
    return '\n'.join('| ' + ' | '.join(r) + ' |' for r in [head, ['---'] + ['---:'] * (len(head) - 1), *rows])

def bench_table() -> str:
    "The last `make bench`: median seconds of each chapter and of the whole course, against their budgets."
    b = json.loads((ROOT/'benchmarks'/'results.json').read_text())
    rows = [[n, f"{r['median_s']:.1f}", f"{r['budget_s']:g}" if r['budget_s'] else '-'] for n, r in b['notebooks'].items()
            if r['budget_s']]
    rows.append(['whole course', f"{b['course_s']:.1f}", f"{b['course_budget_s']:g}"])
    lines = [f"| notebook | median s ({b['runs']} runs, {b['threads']} torch thread{'s' if b['threads'] != 1 else ''}) | budget s |", '|---|---:|---:|']
    return '\n'.join(lines + ['| ' + ' | '.join(r) + ' |' for r in rows])

def fill(md: str) -> str:
    "A markdown cell's text with its placeholders filled from the data."
    md = re.sub(r'<!-- seed-table:(\d+) -->', lambda m: seed_table(int(m[1])), md)
    return md.replace('<!-- bench-table -->', bench_table())

def render(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip()
        if not src or src.startswith('#| hide'): continue
        parts.append(fill(src) if c['cell_type'] == 'markdown' else f'```python\n{src}\n```')
    return HEADER + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    txt, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv[1:]:
        if not readme.exists() or readme.read_text() != txt:
            sys.exit('README.md is out of date with nbs/index.ipynb or the data it prints (seed runs, benchmark): run `make readme`')
        print('README.md is in sync with nbs/index.ipynb and its data')
    else: readme.write_text(txt); print(f'wrote {readme}')
