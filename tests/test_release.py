"""`make gpu-check` (tools/gpu_check.py) as a process: on a machine without a GPU, and its report on executed notebooks.
(`tools/make_answers.py --check` runs in `make test`'s export check; `make release-check` takes about ten minutes: it is
run by hand and on a version tag, not here.)"""
import subprocess, sys
import pytest
from conftest import FBA, ROOT
from fastbook_answers.course import demo_course

def _tool(*args, timeout=300, **kw):
    p = subprocess.run([sys.executable, str(ROOT/'tools'/args[0]), *map(str, args[1:])], capture_output=True, text=True,
                       timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr

def test_gpu_check_without_a_gpu(tmp_path):
    "No CUDA device: it says so, writes no report, and exits 0."
    torch = pytest.importorskip('torch')
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU: `make gpu-check` runs the chapters')
    rc, out, err = _tool('gpu_check.py', '--report', tmp_path/'GPU.md', '--out', tmp_path/'run')
    assert rc == 0 and 'No CUDA device here' in out and 'Traceback' not in err, (out, err)
    assert not (tmp_path/'GPU.md').exists() and not (tmp_path/'run').exists()

@pytest.mark.parametrize('fail', [False, True])
def test_gpu_check_report(tmp_path, cache, fail):
    """The report, on notebooks executed by `fastbook-answers run` (the tiny course; here without CUDA, which the report
    says): each question's claims and whether they held, and the exit status 1 when one failed."""
    nbs = demo_course(tmp_path/'course', fail=fail)
    p = subprocess.run([str(FBA), 'run', '--nbs', nbs, '--out', tmp_path/'run', '--offline', '--timeout', '120'],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == int(fail), p.stderr
    rc, out, err = _tool('gpu_check.py', '--from', tmp_path/'run', '--report', tmp_path/'GPU.md')
    report = (tmp_path/'GPU.md').read_text()
    assert rc == int(fail) and 'Traceback' not in err, (out, err)
    assert 'the kernels did NOT see CUDA' in report and '## Chapter 4: each claim' in report and '| Q4.1 What is 2+2? | 1 | yes |' in report
    assert ("| Q5.2 Is log(-2) a real number? | 1 | NO: cell 6: ValueError: math domain error |" in report) == fail
    assert ('SOME CLAIMS FAILED' in report) == fail
