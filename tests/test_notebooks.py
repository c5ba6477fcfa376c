"""Every chapter notebook as a learner runs it ("Restart and Run All" in JupyterLab): once, through `fastbook-answers
run`, in a fresh real Jupyter kernel with the offline data, the network blocked by the guard and, where the OS allows
it, no network interface but loopback; then compared with the notebook as committed (`runner.compare_outputs`).

The committed outputs are what the website shows and what a reader quotes, so a committed output that no longer
matches its code fails here, naming the question. The comparison is exact where this machine matches the fingerprint
the outputs were made with (library versions, the CPU's vector instructions, the thread count); elsewhere only the
cells tagged `portable` are compared, and the test says so. Cells tagged `timing` are never compared.

`make repro` (the `repro` mark) runs each chapter twice side by side instead, and wants identical output both times:
run it before committing new outputs."""
import json, math, subprocess
from concurrent.futures import ThreadPoolExecutor
import pytest
from conftest import FBA
from fastbook_answers.course import CHAPTERS, DEFAULT_SEED, SEEDS, find_nbs, import_nbformat, read_notebook, seed_runs
from fastbook_answers.netguard import no_network_prefix
from fastbook_answers.runner import compare_outputs
nbformat = import_nbformat()

def _unshare_ok() -> bool: return bool(no_network_prefix()[0])

def _run_chapter(ch, out, tally, netns=False):
    cmd = [str(FBA), 'run', '--chapter', str(ch), '--out', str(out), '--offline']
    if netns: cmd = no_network_prefix()[0] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    tally('notebook_runs', f'chapter {ch}' + (' with no network interface but loopback' if netns else ''))
    assert p.returncode == 0 and 'Traceback' not in p.stderr, (p.stdout, p.stderr[-3000:])
    return json.loads((out/'summary.json').read_text())[0], nbformat.read(out/CHAPTERS[ch].notebook, as_version=4)

@pytest.mark.parametrize('ch', CHAPTERS)
def test_chapter_matches_its_committed_outputs(ch, tmp_path, cache, tally):
    """The chapter, run once on an empty data cache (so its loaders build their data behind the network guard): every
    question answered, and every compared cell prints what the committed notebook shows."""
    netns = _unshare_ok()
    row, run = _run_chapter(ch, tmp_path/'run', tally, netns)
    assert row['answered'] == row['questions'] > 0, row['unanswered']
    r = compare_outputs(read_notebook(find_nbs()/CHAPTERS[ch].notebook), run, ch)
    how = ('exactly: this machine matches the fingerprint of the committed outputs' if r['exact'] else
           "only the cells tagged 'portable': this machine differs from the fingerprint of the committed outputs "
           f"({run.metadata['fastbook_answers']['fingerprint']})")
    print(f"chapter {ch}: {row['seconds']} s ({'no network interface but loopback' if netns else 'network guard only'}); "
          f"{len(r['compared'])} cells compared {how}; {len(r['skipped_timing'])} timing cells left out")
    assert r['compared'], 'no cell was compared'
    assert not r['differences'], (f"{len(r['differences'])} committed output(s) differ from a fresh run; refresh them with "
        f"`make outputs` (after `make repro`):\n" + '\n'.join(
        f"  cell {d['cell']} ({d['where']}):\n    committed: {d['committed'][:300]!r}\n    now:       {d['now'][:300]!r}"
        for d in r['differences']))
    runs = seed_runs(ch)                              # the seed runs the chapter and the README print from
    assert sorted(runs) == sorted(SEEDS), f'seed_runs.json holds chapter {ch} at {sorted(runs)}, not at {sorted(SEEDS)}: run `make seeds`'
    if r['exact']:
        now = {k: v for k, v in row['results'][f'ch{ch}_results'].items()}
        assert runs[DEFAULT_SEED] == now, f'seed_runs.json is out of date with chapter {ch} (seed {DEFAULT_SEED}): run `make seeds`'

@pytest.mark.repro
@pytest.mark.parametrize('ch', CHAPTERS)
def test_chapter_runs_twice_with_the_same_results(ch, tmp_path, cache, tally):
    """`make repro`: the chapter run twice at once, each in its own kernel, the second with no network interface: the same
    answers, the same `chN_results` and the same text in every cell but the `timing` ones."""
    with ThreadPoolExecutor(2) as ex:
        runs = [ex.submit(_run_chapter, ch, tmp_path/f'run{i}', tally, netns=i == 1 and _unshare_ok()) for i in (0, 1)]
        (r1, nb1), (r2, nb2) = (f.result() for f in runs)
    assert (r1['answered'], r1['assertions']) == (r2['answered'], r2['assertions']) and r1['answered'] == r1['questions']
    res1, res2 = r1['results'].get(f'ch{ch}_results', {}), r2['results'].get(f'ch{ch}_results', {})
    assert res1 and res1.keys() == res2.keys()
    differ = {k: (res1[k], res2[k]) for k in res1 if not (res1[k] == res2[k] or
              isinstance(res1[k], float) and isinstance(res2[k], float) and math.isclose(res1[k], res2[k], rel_tol=1e-6))}
    assert not differ, f'results changed between two runs: {differ}'
    r = compare_outputs(nb1, nb2, ch)
    assert r['exact'] and not r['differences'], [(d['where'], d['committed'][:300], d['now'][:300]) for d in r['differences']]
    print(f"chapter {ch}: {r1['seconds']} s and {r2['seconds']} s side by side; {len(res1)} results and "
          f"{len(r['compared'])} cells identical; {len(r['skipped_timing'])} timing cells left out")
