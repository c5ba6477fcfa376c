#!/usr/bin/env python3
"""Is the committed library in sync with the notebooks? (`make test`'s first step; CI fails when it is not.)

Exports the notebooks into a temporary copy of the project, never into `fastbook_answers/` itself, so a hand edit of a
`.py` file is never overwritten: the check only says which files differ. Then checks the quiz's question bank the same
way (`fastbook-answers bank --check`, which writes nothing), and the files written from the repository's address and
the version: the chapters' setup cells, the links of nbs/index.ipynb, ANSWERS.md (`tools/make_answers.py --check`).
Last, the API reference: the website shows each library notebook's committed `show_doc` outputs, so each must still
show its object's docstring and the names of its parameters (`make outputs NBS=nbs/NOTEBOOK.ipynb` refreshes them).

usage: python tools/export_check.py      exit 1 and a list of files when out of sync"""
import filecmp, importlib, inspect, json, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB, BIN = ROOT/'fastbook_answers', Path(sys.executable).parent

def exported(tmp: Path) -> Path:
    "The library as `nbdev-export` writes it from `nbs/`, in a copy of the project under `tmp`."
    for name in ('nbs', 'pyproject.toml', 'fastbook_answers'):
        src = ROOT/name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp/name)
    for p in (tmp/'fastbook_answers').rglob('*.py'):
        if p.name != '__init__.py': p.unlink()                  # a module whose notebook is gone must show up as stale
    subprocess.run([str(BIN/'nbdev-export')], cwd=tmp, check=True)
    return tmp/'fastbook_answers'

def differences(new: Path) -> list[str]:
    "The `.py` files of the library that differ from the export, are missing, or have no notebook."
    ours = {p.relative_to(LIB) for p in LIB.rglob('*.py') if '__pycache__' not in p.parts}
    theirs = {p.relative_to(new) for p in new.rglob('*.py') if '__pycache__' not in p.parts}
    out = [f'fastbook_answers/{p}: no notebook exports it any more (delete it)' for p in sorted(ours - theirs)]
    out += [f'fastbook_answers/{p}: missing (run nbdev-export)' for p in sorted(theirs - ours)]
    out += [f'fastbook_answers/{p}: differs from what its notebook exports' for p in sorted(ours & theirs)
            if not filecmp.cmp(LIB/p, new/p, shallow=False)]
    return out

def _params(obj) -> list[str]:
    "The names of `obj`'s parameters; none for an object without a signature (an exception class)."
    try: return list(inspect.signature(obj).parameters)
    except (TypeError, ValueError): return []

def stale_api_docs(nbs: Path = ROOT/'nbs') -> list[str]:
    "The `show_doc(name)` cells of the library notebooks whose committed output lacks the object's docstring or a parameter."
    out = []
    for p in sorted(nbs.glob('*.ipynb')):
        cells = [c for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'code']
        mod = next((m[1] for c in cells if (m := re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(c['source']), re.M))), None)
        if mod is None: continue
        module = importlib.import_module(f'fastbook_answers.{mod}')
        for c in cells:
            if not (m := re.fullmatch(r'show_doc\((\w+)\)\s*', ''.join(c['source']))): continue
            shown = ''.join(''.join(o.get('data', {}).get('text/plain', '')) for o in c.get('outputs', []))
            obj = getattr(module, m[1], None)
            want = [] if obj is None else [obj.__doc__ or '', *_params(obj)]
            if obj is None or any(w not in shown for w in want):
                out.append(f'nbs/{p.name}: show_doc({m[1]}) shows '
                           + ('an object the module no longer has' if obj is None else 'an old docstring or signature'))
    return out

def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        diff = differences(exported(Path(d)))
    if diff:
        print('The library is out of sync with the notebooks:\n  ' + '\n  '.join(diff) +
              '\nIf you edited a .py file by hand, carry the edit into its notebook with `nbdev-update`; otherwise run '
              '`nbdev-export`. Then commit both.', file=sys.stderr)
        return 1
    bank = subprocess.run([str(BIN/'fastbook-answers'), 'bank', '--check'], capture_output=True, text=True)
    if bank.returncode != 0:
        print(bank.stderr.strip(), file=sys.stderr); return 1
    links = subprocess.run([sys.executable, str(ROOT/'tools'/'make_answers.py'), '--check'], capture_output=True, text=True)
    if links.returncode != 0:
        print(links.stderr.strip(), file=sys.stderr); return 1
    if stale := stale_api_docs():
        print('The API reference the website shows is out of date:\n  ' + '\n  '.join(stale) +
              '\nRefresh those notebooks\' outputs: make outputs NBS="nbs/NOTEBOOK.ipynb ...", then commit.', file=sys.stderr)
        return 1
    print('fastbook_answers/, its question bank, the setup cells, the links, ANSWERS.md and the API reference are in sync '
          'with the notebooks')
    return 0

if __name__ == '__main__': sys.exit(main())
