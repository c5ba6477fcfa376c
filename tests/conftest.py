import os, sys, json, socket
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
NETGUARD = ROOT/'tests'/'netguard'

# The tests check the offline copies, whatever a machine holds in fastai's data folder.
os.environ['FASTBOOK_ANSWERS_SOURCE'] = 'offline'     # even if a learner has exported 'auto' or 'full'
os.environ.setdefault('MPLBACKEND', 'Agg')

@pytest.fixture
def no_network():
    "Block every non-loopback connection in this process for the duration of a test."
    import importlib.util
    spec = importlib.util.spec_from_file_location('_fba_netguard', NETGUARD/'sitecustomize.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)   # patches socket on import
    yield mod
    for name, f in mod._orig.items(): setattr(socket.socket if name in ('connect', 'connect_ex', 'sendto', 'sendmsg') else socket, name, f)

def kernel_env(tmp_path:Path) -> dict:
    "Environment for a real Jupyter kernel: this interpreter as `python3`, no network, offline data."
    kdir = tmp_path/'jupyter'/'kernels'/'python3'
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir/'kernel.json').write_text(json.dumps(dict(
        argv=[sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        display_name='fastbook_answers (tests)', language='python')))
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path/'jupyter'), MPLBACKEND='module://matplotlib_inline.backend_inline',
               PYTHONPATH=os.pathsep.join([str(NETGUARD), str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep))
    return env

def pytest_terminal_summary(terminalreporter):
    "Print the reliability suite's tally (notebook runs, faults survived, bad inputs) just above pytest's summary line."
    mod = sys.modules.get('test_reliability')
    tally = getattr(mod, 'TALLY', None)
    if tally and any(tally.values()):
        terminalreporter.write_line(
            f"reliability: {tally['notebook_runs']} notebook runs in a real kernel, {tally['faults_survived']} faults injected "
            f"and survived ({tally['faults_not_survived']} not), {tally['bad_inputs']} bad inputs to public helpers")
