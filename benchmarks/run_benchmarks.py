#!/usr/bin/env python3
"""Benchmark the course: each notebook executed in a real Jupyter kernel (median of N runs, kernel
start included, as a learner's 'Restart and Run All'), plus the chapter-4 models' validation
accuracies beside a scikit-learn logistic-regression baseline on the same split.

usage: python benchmarks/run_benchmarks.py [--runs 3] [--out benchmarks/RESULTS.md] [NOTEBOOK ...]
Writes a markdown table; exits 1 if a notebook fails or a time budget is exceeded."""
import argparse, json, os, platform, statistics, sys, tempfile, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
BUDGETS = {'04_mnist_basics.ipynb': 60, '05_pet_breeds.ipynb': 60}   # seconds, per chapter notebook
COURSE_BUDGET = 120
RESULT_VARS = {'04_mnist_basics.ipynb': 'ch4_results', '05_pet_breeds.ipynb': 'ch5_results'}

def kernel_env(tmp:Path) -> dict:
    kdir = tmp/'jupyter'/'kernels'/'python3'; kdir.mkdir(parents=True, exist_ok=True)
    (kdir/'kernel.json').write_text(json.dumps(dict(argv=[sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                                    display_name='bench', language='python')))
    return dict(os.environ, JUPYTER_PATH=str(tmp/'jupyter'), FASTBOOK_ANSWERS_SOURCE='offline',
                PYTHONPATH=os.pathsep.join([str(ROOT/'tests'/'netguard'), str(ROOT)]))

def run_once(path:Path, results_var=None):
    "Execute `path` in a fresh kernel; return (seconds, results dict or None)."
    nb = nbformat.read(path, as_version=4)
    if results_var:
        nb.cells.append(nbformat.v4.new_code_cell(f"import json as _j; print('@@RESULTS@@' + _j.dumps({{k: float(v) for k,v in {results_var}.items()}}))"))
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    secs = time.perf_counter() - t0
    res = None
    if results_var:
        for o in nb.cells[-1].get('outputs', []):
            for line in o.get('text', '').splitlines():
                if line.startswith('@@RESULTS@@'): res = json.loads(line[len('@@RESULTS@@'):])
    return secs, res

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
    nbs = [Path(n) for n in a.notebooks] or sorted(p for p in NBS.glob('*.ipynb') if p.name != 'index.ipynb')
    rows, results, failed = [], {}, False
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(kernel_env(Path(tmp)))
        for p in nbs:
            times = []
            for i in range(a.runs):
                secs, res = run_once(p, RESULT_VARS.get(p.name))
                times.append(secs); results[p.name] = res or results.get(p.name)
                print(f'{p.name} run {i+1}: {secs:.1f}s', flush=True)
            med = statistics.median(times); budget = BUDGETS.get(p.name)
            ok = budget is None or med <= budget; failed |= not ok
            rows.append((p.name, med, min(times), max(times), budget, ok))
    total = sum(r[1] for r in rows); failed |= total > COURSE_BUDGET
    base = logistic_baselines()
    L = [f'# Benchmark results', '',
         f'Machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python {platform.python_version()}; '
         f'each notebook executed {a.runs} times in a fresh real Jupyter kernel (kernel start included), offline data.', '',
         '| notebook | median s | min s | max s | budget s | within |', '|---|---:|---:|---:|---:|:---:|']
    L += [f'| {n} | {m:.1f} | {lo:.1f} | {hi:.1f} | {b if b else "-"} | {"yes" if ok else "NO"} |' for n, m, lo, hi, b, ok in rows]
    L += [f'| **whole course** | **{total:.1f}** | | | {COURSE_BUDGET} | {"yes" if total <= COURSE_BUDGET else "NO"} |', '']
    ch4 = results.get('04_mnist_basics.ipynb') or {}
    if ch4:
        L += ['## Chapter 4 models: validation accuracy (offline data)', '', '| model | accuracy |', '|---|---:|']
        L += [f'| {k} | {v:.4f} |' for k, v in ch4.items()]
        L += [f'| scikit-learn logistic regression, {k} | {v:.4f} |' for k, v in base.items()]
        L.append('')
    ch5 = results.get('05_pet_breeds.ipynb') or {}
    if ch5:
        L += ['## Chapter 5 experiments: validation accuracy (offline pets-shaped set)', '', '| experiment | accuracy |', '|---|---:|']
        L += [f'| {k} | {v:.4f} |' for k, v in ch5.items()]
        L.append('')
    Path(a.out).write_text('\n'.join(L))
    print('\n'.join(L))
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
