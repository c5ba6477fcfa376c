"""Every chapter notebook as a learner runs it ("Restart and Run All" in JupyterLab): twice through `fastbook-answers
run`, each time in a fresh real Jupyter kernel with the network blocked and the offline data, and both runs must give
the same results (the second, where the OS allows it, in a network namespace with nothing but loopback). The two runs
go side by side, as separate processes, to halve the wait. The library notebooks are not run here: `make test` runs
them once, in-process, with nbdev-test (behind the same network guard): each library notebook runs once in all, each
chapter twice.

What the two runs may differ in is named, not guessed: a cell whose output depends on the clock carries the cell tag
`timing`, and its output is left out of the comparison (the test prints which cells those are); clock values are kept
out of the `chN_results` dicts, every entry of which is compared. Every other cell that asserts something must print
exactly the same text both times."""
import json, math, subprocess
from concurrent.futures import ThreadPoolExecutor
import pytest
from conftest import FBA
from fastbook_answers.course import CHAPTERS, import_nbformat
from fastbook_answers.questions import locate
from fastbook_answers.runner import count_assertions
nbformat = import_nbformat()

TIMING_TAG = 'timing'

def _unshare_ok() -> bool:
    try: return subprocess.run(['unshare', '-n', 'sh', '-c', 'ip link set lo up'], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError): return False

def _run_chapter(ch, out, tally, netns=False):
    cmd = [str(FBA), 'run', '--chapter', str(ch), '--out', str(out), '--offline']
    if netns: cmd = ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    tally('notebook_runs', f'chapter {ch}' + (' with no network interface but loopback' if netns else ''))
    assert p.returncode == 0 and 'Traceback' not in p.stderr, (p.stdout, p.stderr[-3000:])
    return json.loads((out/'summary.json').read_text())[0], nbformat.read(next(out.glob('*.ipynb')), as_version=4)

def _text(c) -> str:
    "What a code cell printed or returned as text."
    return ''.join(o.get('text', '') if o.output_type == 'stream' else o.get('data', {}).get('text/plain', '')
                   for o in c.outputs if o.output_type in ('stream', 'execute_result'))

def compared_cells(nb) -> tuple[dict, list]:
    "The text output of every asserting code cell, by position, and the positions of the `timing` cells left out."
    asserting = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and count_assertions(c.source)]
    timing = [i for i in asserting if TIMING_TAG in nb.cells[i].metadata.get('tags', [])]
    return {i: _text(nb.cells[i]) for i in asserting if i not in timing}, timing

@pytest.mark.parametrize('ch', CHAPTERS)
def test_chapter_runs_twice_with_the_same_results(ch, tmp_path, cache, tally):
    """The chapter notebook, run twice at once by `fastbook-answers run`, each time in a fresh kernel, on an empty data
    cache (so the loaders build their data behind the network guard, both at once): every question answered both
    times, the same assertions passed, the same `chN_results`, the same printed output of every asserting cell but the
    `timing` ones."""
    netns = _unshare_ok()
    with ThreadPoolExecutor(2) as ex:                 # the two runs at once: each is a separate process with its own kernel
        run1 = ex.submit(_run_chapter, ch, tmp_path/'run1', tally)
        run2 = ex.submit(_run_chapter, ch, tmp_path/'run2', tally, netns=netns)
        (r1, nb1), (r2, nb2) = run1.result(), run2.result()
    assert r1['answered'] == r1['questions'] > 0, r1['unanswered']
    assert (r2['questions'], r2['answered'], r2['assertions']) == (r1['questions'], r1['answered'], r1['assertions'])
    res1, res2 = r1['results'].get(f'ch{ch}_results', {}), r2['results'].get(f'ch{ch}_results', {})
    assert res1 and res1.keys() == res2.keys()
    differ = {k: (res1[k], res2[k]) for k in res1 if not (
        res1[k] == res2[k] or isinstance(res1[k], float) and isinstance(res2[k], float) and math.isclose(res1[k], res2[k], rel_tol=1e-6, abs_tol=1e-9))}
    assert not differ, f'results changed between two runs: {differ}'
    (o1, timing), (o2, _) = compared_cells(nb1), compared_cells(nb2)
    changed = [i for i in o1 if o1[i] != o2.get(i)]
    assert not changed, [(locate(nb1, i, ch), nb1.cells[i].source[:200], o1[i][:300], o2[i][:300]) for i in changed]
    print(f"chapter {ch}: {r1['seconds']}s and {r2['seconds']}s side by side (second run {'with no network interface but loopback' if netns else 'with the guard only'}); "
          f"{len(res1)} results and {len(o1)} asserting cells identical; left out, tagged '{TIMING_TAG}': "
          + (', '.join(f'cell {i} ({locate(nb1, i, ch)})' for i in timing) or 'none'))

def test_a_changed_output_is_caught():
    "The comparison itself: an asserting cell whose text differs is caught, unless it is tagged `timing`."
    code = nbformat.v4.new_code_cell
    def nb(text, tags=()):
        c = code('x = 1\ntest_eq(x, 1)'); c.outputs = [nbformat.v4.new_output('stream', name='stdout', text=text)]
        if tags: c.metadata['tags'] = list(tags)
        return nbformat.v4.new_notebook(cells=[code('y = 2'), c])
    assert compared_cells(nb('1.2 s\n'))[0] != compared_cells(nb('1.3 s\n'))[0]
    assert compared_cells(nb('1.2 s\n', [TIMING_TAG])) == ({}, [1])
