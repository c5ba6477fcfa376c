"""What every test file shares: where the course is, the offline data, a fresh data cache, the command line
in a subprocess, and the reliability tally that `make test` prints at the end."""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
FBA = Path(sys.executable).parent/'fastbook-answers'   # the console script, as a learner runs it

# The tests check the offline copies, whatever a machine holds in fastai's data folder.
os.environ['FASTBOOK_ANSWERS_SOURCE'] = 'offline'     # even if a learner has exported 'auto' or 'full'
os.environ.setdefault('MPLBACKEND', 'Agg')

TALLY_KEYS = ('notebook_runs', 'faults_survived', 'bad_inputs')

@pytest.fixture(autouse=True)
def own_quiz_progress(tmp_path_factory, monkeypatch):
    "Each test its own quiz progress file, passed on to every process it starts: no test reads or writes a learner's progress, or cards another test recorded."
    monkeypatch.setenv('FASTBOOK_ANSWERS_STATE', str(tmp_path_factory.mktemp('progress')/'quiz_state.json'))

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "A fresh, empty data cache, so each test builds from scratch (subprocesses inherit it through the environment)."
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(tmp_path/'cache'))
    return tmp_path/'cache'

def cli(*args, env=None, cwd=None, stdin='', timeout=120):
    "Run `fastbook-answers ARGS` in a subprocess; return (rc, stdout, stderr)."
    p = subprocess.run([str(FBA), *map(str, args)], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    return p.returncode, p.stdout, p.stderr

def no_traceback(out, err):
    assert 'Traceback' not in err and 'Traceback' not in out, err

@pytest.fixture
def tally(request):
    """`tally(key, what)` records, for the reliability report, one thing a test did, named: a notebook run
    (`notebook_runs`), a fault injected (`faults_survived`) or a bad input given to an entry point (`bad_inputs`).
    Each call is one item, made where the thing is done, so the report counts what really happened."""
    def record(key, what:str):
        assert key in TALLY_KEYS and isinstance(what, str) and what, (key, what)
        request.node.user_properties.append((key, what))
    return record

def pytest_terminal_summary(terminalreporter):
    """Print the reliability tally just above pytest's summary line: what the tests that passed did (the counts travel
    with each test's report, so they add up under pytest-xdist too; a failed test's faults were not survived)."""
    tot = dict.fromkeys(TALLY_KEYS, 0)
    for rep in terminalreporter.stats.get('passed', []):
        for k, what in getattr(rep, 'user_properties', []):
            if k in tot: tot[k] += 1
    if any(tot.values()):
        terminalreporter.write_line(
            f"reliability: {tot['notebook_runs']} notebook runs in a real kernel, {tot['faults_survived']} faults injected "
            f"and survived, {tot['bad_inputs']} bad inputs to public helpers answered with a clear error")
