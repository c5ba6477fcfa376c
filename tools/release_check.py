#!/usr/bin/env python3
"""Is this checkout ready to release? (`make release-check`; `.github/workflows/release.yml` runs it on a version tag.)

  1. the chapters' setup cells install this version (tools/make_answers.py --check);
  2. builds the sdist and the wheel into dist/ (replacing what was there) and runs `twine check` on them;
  3. looks inside the wheel: every file of fastbook_answers/ is there (modules, weights, question bank, seed runs), no notebook is, and the
     runtime requirements hold no maintainers' tool (nbdev, execnb, pytest, JupyterLab: extras only);
  4. installs the wheel with pip (which finds a machine's local wheel store by itself, through its configuration)
     into a fresh venv; with --onto, first installs those packages there, as Colab and Kaggle have torch already,
     records what installing the wheel changed, and fails if it changed any of them;
  5. copies both chapter notebooks alone into an empty folder outside the checkout and runs each there with the
     installed `fastbook-answers run --offline`, with a fresh data cache and, where the OS allows it, no network
     interface but loopback (else behind the runner's network guard only); then `fastbook-answers answers` there,
     from the answers the package ships. It checks that the venv has no nbdev, execnb or JupyterLab: the light install.

About ten minutes on two cores (a fresh venv with torch, and both chapters). Exit 1 on any failure.

usage: release_check.py [--onto "torch==2.14.1 torchvision==0.29.1"] [--keep DIR] [--no-chapters]"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, tempfile, time, zipfile
from pathlib import Path
from fastbook_answers import runner
from fastbook_answers.netguard import no_network_prefix

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT/'dist'
DEV_ONLY = (*runner.DEV_ONLY, 'jupyterlab')     # the dev extra's modules, and the lab extra's

def step(msg): print(f'\n== {msg}', flush=True)

# The venv's commands run without this checkout on the path (PYTHONPATH would show them its package, and an egg-info there)
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'PYTHONSTARTUP')}

def run(cmd, check=True, **kw) -> subprocess.CompletedProcess:
    "Run `cmd` (in `CLEAN_ENV` unless given an `env`), print it, and return its result; on failure with `check`, print its output and exit 1."
    print('$ ' + ' '.join(map(str, cmd)), flush=True)
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **{'env': CLEAN_ENV, **kw})
    if check and p.returncode != 0:
        print(p.stdout[-4000:], p.stderr[-4000:], sep='\n', file=sys.stderr)
        sys.exit(f'release check FAILED: {cmd[0]} {cmd[1] if len(cmd) > 1 else ""} exited {p.returncode}')
    return p

def freeze(py) -> dict:
    "`{name: version}` of what the venv of `py` holds."
    p = run([py, '-m', 'pip', 'list', '--format=json'])
    return {d['name'].lower().replace('_', '-'): d['version'] for d in json.loads(p.stdout)}

def check_wheel(whl: Path):
    "The wheel holds the package's data and modules, no notebook, and requires no maintainers' tool outside an extra."
    names = zipfile.ZipFile(whl).namelist()
    pkg = ROOT/'fastbook_answers'                  # every file of the package in the checkout (modules, weights, bank, seed runs)
    need = [p.relative_to(ROOT).as_posix() for p in pkg.rglob('*') if p.is_file() and '__pycache__' not in p.parts and p.suffix != '.pyc']
    if missing := [n for n in need if n not in names]: sys.exit(f'release check FAILED: the wheel lacks {missing}')
    if nbs := [n for n in names if n.endswith('.ipynb')]: sys.exit(f'release check FAILED: the wheel holds notebooks {nbs[:3]}')
    meta = zipfile.ZipFile(whl).read(next(n for n in names if n.endswith('.dist-info/METADATA'))).decode()
    reqs = [l.split(':', 1)[1].strip() for l in meta.splitlines() if l.startswith('Requires-Dist:')]
    base = [r for r in reqs if 'extra ==' not in r]
    heavy = [r for r in base if r.split()[0].split('[')[0].split('=')[0].split('<')[0].split('>')[0].lower() in DEV_ONLY]
    if heavy: sys.exit(f'release check FAILED: runtime requirements hold maintainers\' tools: {heavy}')
    urls = [l.split(':', 1)[1].strip() for l in meta.splitlines() if l.startswith('Project-URL:')]
    print(f'{whl.name}: {len(names)} files; {len(base)} runtime requirements, {len(reqs) - len(base)} in extras; '
          f"Project-URL: {', '.join(urls) or 'none (set [project.urls] in pyproject.toml)'}")

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--onto', default='', help='packages to install into the venv before the wheel, e.g. "torch==2.14.1 torchvision==0.29.1"')
    ap.add_argument('--keep', default=None, metavar='DIR', help='work in DIR and keep it (default: a temporary folder, removed)')
    ap.add_argument('--no-chapters', action='store_true', help='skip running the chapters (install checks only)')
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    from fastbook_answers.course import CHAPTERS
    import fastbook_answers
    version = fastbook_answers.__version__

    step(f'1. the setup cells install fastbook_answers {version}')
    run([sys.executable, ROOT/'tools'/'make_answers.py', '--check'])
    print('in step')

    step('2. build the sdist and the wheel, twine check')
    shutil.rmtree(DIST, ignore_errors=True)
    egg = ROOT/'fastbook_answers.egg-info'; had_egg = egg.exists()
    run([sys.executable, '-m', 'build', '--outdir', DIST, ROOT])
    if not had_egg: shutil.rmtree(egg, ignore_errors=True)        # setuptools leaves it in the checkout
    files = sorted(DIST.iterdir())
    for f in files: print(f'{f.name}: {f.stat().st_size/2**20:.1f} MiB')
    print(run([sys.executable, '-m', 'twine', 'check', '--strict', *files]).stdout.strip())
    whl = next(f for f in files if f.suffix == '.whl')

    step('3. what the wheel holds')
    check_wheel(whl)

    work = Path(a.keep).resolve() if a.keep else Path(tempfile.mkdtemp(prefix='fba-release-'))
    try:
        if work.exists(): shutil.rmtree(work)
        work.mkdir(parents=True)
        venv, py = work/'venv', work/'venv'/'bin'/'python'
        step(f'4. a fresh venv ({venv}), {"then " + a.onto + ", " if a.onto else ""}then the wheel, with pip')
        run([sys.executable, '-m', 'venv', venv])
        before = {}
        if a.onto:
            t = time.perf_counter(); run([py, '-m', 'pip', 'install', '-q', *a.onto.split()])
            before = freeze(py)
            print(f'installed {a.onto} first ({time.perf_counter()-t:.0f} s): {len(before)} packages')
        t = time.perf_counter()
        run([py, '-m', 'pip', 'install', '-q', '--report', work/'pip_report.json', whl])
        after = freeze(py)
        report = json.loads((work/'pip_report.json').read_text())['install']
        if not any(i['metadata']['name'].lower().replace('_', '-') == 'fastbook-answers' for i in report):
            sys.exit('release check FAILED: pip did not install the wheel itself (does the venv see another fastbook_answers?)')
        print(f'installed the wheel in {time.perf_counter()-t:.0f} s: pip installed {len(report)} distributions; '
              f'the venv holds {len(after)}')
        if a.onto:
            changed = {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v}
            added = sorted(k for k in after if k not in before)
            print(f'what installing the wheel changed in the venv that had {a.onto}: {len(added)} packages added, '
                  f'{len(changed)} of the {len(before)} it had changed' + (f': {changed}' if changed else ''))
            for k in sorted(before): print(f'  kept {k} {before[k]}' if k not in changed else f'  CHANGED {k} {changed[k][0]} -> {changed[k][1]}')
            if changed: sys.exit('release check FAILED: installing the wheel changed packages the venv already had')
        have = [m for m in DEV_ONLY if run([py, '-c', f'import {m}'], check=False).returncode == 0]
        if have: sys.exit(f'release check FAILED: the light install brought maintainers\' tools: {have}')
        torch = run([py, '-c', 'import torch, fastai; print(torch.__version__, fastai.__version__)']).stdout.split()
        print(f'the light install: torch {torch[0]}, fastai {torch[1]}; none of {", ".join(DEV_ONLY)}')

        if a.no_chapters: print('\n(chapters not run: --no-chapters)')
        else:
            course = work/'course'; (course/'nbs').mkdir(parents=True)
            for c in CHAPTERS.values(): shutil.copy(ROOT/'nbs'/c.notebook, course/'nbs'/c.notebook)
            pre, how = no_network_prefix()
            env = {k: v for k, v in CLEAN_ENV.items() if not k.startswith('FASTBOOK_ANSWERS_')}
            env.update(FASTBOOK_ANSWERS_DATA=str(work/'cache'), PATH=f"{venv/'bin'}{os.pathsep}{env.get('PATH', '')}",
                       FASTBOOK_ANSWERS_STATE=str(work/'quiz_state.json'))
            where = run([py, '-c', 'import fastbook_answers; print(fastbook_answers.__file__)'], cwd=course, env=env).stdout.strip()
            print(f'the kernels import {where}')
            step(f'5. both chapters, copied alone into {course}, run by the installed command, offline ({how})')
            rows = []
            for ch in CHAPTERS:
                p = run(pre + [venv/'bin'/'fastbook-answers', 'run', '--chapter', ch, '--nbs', course/'nbs', '--offline',
                               '--out', work/'run'], check=False, cwd=course, env=env, timeout=1800)
                print(p.stdout.strip())
                if p.returncode != 0:
                    print(p.stderr[-3000:], file=sys.stderr); sys.exit(f'release check FAILED: chapter {ch} on the installed wheel')
                rows += json.loads((work/'run'/'summary.json').read_text())
            bad = [r['notebook'] for r in rows if r['answered'] != r['questions']]
            if bad: sys.exit(f'release check FAILED: not every question answered in {bad}')
            ans = run([venv/'bin'/'fastbook-answers', 'answers', '--chapter', '4'], cwd=course, env=env).stdout
            n = sum(1 for l in ans.splitlines() if l.startswith(('Q4.', 'FR4.')))
            print(f'fastbook-answers answers --chapter 4, in the empty folder (the answers the package ships): {n} questions; '
                  f'first lines:\n' + '\n'.join(ans.splitlines()[:6]))
            if n != CHAPTERS[4].questions + CHAPTERS[4].further: sys.exit('release check FAILED: the answer sheet is incomplete')
    finally:
        if not a.keep: shutil.rmtree(work, ignore_errors=True)
    step(f'release check passed in {(time.perf_counter()-t0)/60:.1f} min: {", ".join(f.name for f in files)} in dist/ are ready '
         f'to upload (push the tag v{version}: .github/workflows/release.yml publishes them)')
    return 0

if __name__ == '__main__': sys.exit(main())
