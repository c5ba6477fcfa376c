#!/usr/bin/env python3
"""Benchmark the course: each notebook executed in a real Jupyter kernel (median of N runs, kernel
start included, as a learner's 'Restart and Run All'), plus the chapter-4 models' validation
accuracies beside a scikit-learn logistic-regression baseline on the same split.

usage: python benchmarks/run_benchmarks.py [--runs 3] [--out benchmarks/RESULTS.md] [NOTEBOOK ...]
Writes a markdown table; exits 1 if a notebook fails or a time budget is exceeded."""
import argparse, json, os, platform, statistics, sys
from pathlib import Path
from fastbook_answers.course import CHAPTERS, COURSE_BUDGET_S as COURSE_BUDGET, DEFAULT_SEED, course_notebooks
from fastbook_answers.runner import execute_notebook

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
BUDGETS = {c.notebook: c.budget_s for c in CHAPTERS.values()}   # seconds, per chapter notebook

def run_once(path:Path):
    "Execute `path` with the course's runner (fresh kernel, offline data, network blocked); return (seconds, results)."
    ex, secs, err = execute_notebook(path, timeout=900, offline=True, seed=DEFAULT_SEED)
    if err: sys.exit(f"{path.name} failed at {err['where']} (cell {err['cell']}): {err['ename']}: {str(err['evalue'])[:300]}")
    return secs, ex.metadata['fastbook_answers']

def logistic_baselines() -> dict:
    "scikit-learn logistic regression on raw pixels, on the same offline splits the notebooks use."
    from sklearn.linear_model import LogisticRegression
    from fastbook_answers.data import mnist_5k
    X, y, is_valid = mnist_5k(); X = X.reshape(len(X), -1) / 255.
    out = {}
    m = (y == 3) | (y == 7)
    for name, mask in (('3 vs 7 (mnist_sample)', m), ('ten digits (mnist_digits)', slice(None))):
        Xs, ys, vs = X[mask], y[mask], is_valid[mask]
        clf = LogisticRegression(max_iter=2000).fit(Xs[~vs], ys[~vs])
        out[name] = float(clf.score(Xs[vs], ys[vs]))
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--out', default=str(ROOT/'benchmarks'/'RESULTS.md'))
    ap.add_argument('notebooks', nargs='*')
    a = ap.parse_args()
    nbs = [Path(n) for n in a.notebooks] or course_notebooks(NBS)
    rows, results, fps, failed = [], {}, {}, False
    for p in nbs:
        times = []
        for i in range(a.runs):
            secs, res = run_once(p)
            times.append(secs); results[p.name] = res['results']; fps[p.name] = res['fingerprint']
            print(f'{p.name} run {i+1}: {secs:.1f}s', flush=True)
        med = statistics.median(times); budget = BUDGETS.get(p.name)
        ok = budget is None or med <= budget; failed |= not ok
        rows.append((p.name, med, min(times), max(times), budget, ok))
    total = sum(r[1] for r in rows); failed |= total > COURSE_BUDGET
    base = logistic_baselines()
    L = ['# Benchmark results', '',
         f'Machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python {platform.python_version()}; torch threads in the '
         f"kernels: {sorted({f.get('threads') for f in fps.values() if f.get('threads')})} (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
         f'as for the committed outputs); '
         f'each notebook executed {a.runs} times by the course runner (`fastbook_answers.runner.execute_notebook`: a fresh real Jupyter kernel, kernel start included, offline data, network blocked).', '',
         '| notebook | median s | min s | max s | budget s | within |', '|---|---:|---:|---:|---:|:---:|']
    L += [f'| {n} | {m:.1f} | {lo:.1f} | {hi:.1f} | {b if b else "-"} | {"yes" if ok else "NO"} |' for n, m, lo, hi, b, ok in rows]
    L += [f'| **whole course** | **{total:.1f}** | | | {COURSE_BUDGET} | {"yes" if total <= COURSE_BUDGET else "NO"} |', '']
    num = lambda v: f'{int(v)}' if float(v).is_integer() else f'{v:.4f}' if abs(v) < 10 else f'{v:.1f}'
    for ch in CHAPTERS.values():
        res = (results.get(ch.notebook) or {}).get(f'ch{ch.number}_results', {})
        if not res: continue
        L += [f'## Chapter {ch.number}: what it measured (offline data, seed {DEFAULT_SEED})', '', '| result | value |', '|---|---:|']
        L += [f'| {k} | {num(v)} |' for k, v in res.items()]
        if ch.number == 4: L += [f'| scikit-learn logistic regression, {k} | {v:.4f} |' for k, v in base.items()]
        L.append('')
    Path(a.out).write_text('\n'.join(L))
    threads = sorted({f.get('threads') for f in fps.values() if f.get('threads')})
    summary = dict(runs=a.runs, threads=threads[0] if len(threads) == 1 else threads, course_s=round(total, 1),
                   course_budget_s=COURSE_BUDGET, notebooks={n: dict(median_s=round(m, 1), min_s=round(lo, 1), max_s=round(hi, 1),
                   budget_s=b) for n, m, lo, hi, b, ok in rows})
    Path(a.out).with_name('results.json').write_text(json.dumps(summary, indent=1) + '\n')
    print('\n'.join(L))
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
