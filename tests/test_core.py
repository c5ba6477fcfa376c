import math
import pytest, torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from fastbook_answers.core import plot_function, seed_everything

def test_plot_function_draws_f_on_the_grid():
    ax = plot_function(torch.relu, 'x', 'relu(x)', title='ReLU', min=-2, max=2, figsize=(3,2))
    xs, ys = ax.lines[0].get_data()
    assert len(xs) == 100 and xs[0] == -2 and xs[-1] == 2
    assert (ys == xs.clip(min=0)).all()
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ('x', 'relu(x)', 'ReLU')
    assert tuple(ax.figure.get_size_inches()) == (3, 2)
    plt.close('all')

def test_plot_function_book_positional_call():
    # the book calls plot_function(f, 'x', 'y', title=...) and relies on min=-2, max=2
    ax = plot_function(lambda x: x**2, 'x', 'x**2')
    xs, ys = ax.lines[0].get_data()
    assert xs.min() == -2 and xs.max() == 2 and math.isclose(ys.max(), 4, rel_tol=1e-6)
    plt.close('all')

@pytest.mark.parametrize('kw,msg', [
    (dict(f=None), 'must be callable'),
    (dict(f='sigmoid'), 'must be callable'),
    (dict(f=torch.sigmoid, min=1, max=1), 'must be smaller'),
    (dict(f=torch.sigmoid, min=3, max=-3), 'must be smaller'),
    (dict(f=torch.sigmoid, min=float('nan')), 'finite number'),
    (dict(f=torch.sigmoid, max=None), 'finite number'),
    (dict(f=torch.sigmoid, n=1), '`n` must be'),
    (dict(f=lambda x: x.mean()), 'one value per input'),
    (dict(f=lambda x: torch.cat([x, x])), 'one value per input'),
])
def test_plot_function_bad_input(kw, msg):
    with pytest.raises((TypeError, ValueError), match=msg): plot_function(**kw)

def test_seed_everything_repeats():
    seed_everything(3); a = torch.randn(4)
    seed_everything(3); b = torch.randn(4)
    assert torch.equal(a, b)

@pytest.mark.parametrize('bad', ['1', 1.5, None, True, -5, 2**40])
def test_seed_everything_bad_input(bad):
    with pytest.raises((TypeError, ValueError), match='seed'): seed_everything(bad)
