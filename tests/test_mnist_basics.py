"""The chapter-4 helpers exported to `fastbook_answers.mnist_basics`: shapes, values, a small
training run that must lower the loss, and a clear error for each kind of bad input."""
import math
import numpy as np, pytest, torch
from PIL import Image
from torch import nn
import torch.nn.functional as F
from fastbook_answers.mnist_basics import *


@pytest.fixture
def digit_folder(tmp_path):
    "Two class folders of tiny grayscale PNGs: '0' has 3 dark images, '1' has 2 bright ones."
    for lbl, n, val in (('0', 3, 10), ('1', 2, 250)):
        (tmp_path/lbl).mkdir()
        for i in range(n): Image.fromarray(np.full((5, 4), val, dtype=np.uint8)).save(tmp_path/lbl/f'{i}.png')
    return tmp_path


def toy_data(n=256, seed=0):
    "Linearly separable 2-D points with 0/1 targets, as (x [n,2], y [n,1])."
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    return x, (x[:, :1] + x[:, 1:] > 0).float()


def batches(x, y, bs=32): return [(x[i:i+bs], y[i:i+bs]) for i in range(0, len(x), bs)]


# ---------------------------------------------------------------- load_digits / digits_xy

def test_load_digits(digit_folder):
    x = load_digits(digit_folder/'0')
    assert x.shape == (3, 5, 4) and x.dtype == torch.float32
    assert torch.allclose(x, torch.full_like(x, 10/255))
    assert load_digits(digit_folder/'0', limit=2).shape == (2, 5, 4)


def test_load_digits_bad_input(digit_folder, tmp_path_factory):
    with pytest.raises(FileNotFoundError, match='is not a folder'): load_digits(digit_folder/'missing')
    empty = tmp_path_factory.mktemp('empty')
    with pytest.raises(ValueError, match='no .png images'): load_digits(empty)
    with pytest.raises(ValueError, match='positive int'): load_digits(digit_folder/'0', limit=0)
    Image.fromarray(np.zeros((6, 6), dtype=np.uint8)).save(digit_folder/'0'/'9.png')
    with pytest.raises(ValueError, match='9.png is 6x6'): load_digits(digit_folder/'0')
    rgb = tmp_path_factory.mktemp('rgb')
    Image.fromarray(np.zeros((5, 4, 3), dtype=np.uint8)).save(rgb/'a.png')
    with pytest.raises(ValueError, match='not grayscale'): load_digits(rgb)


def test_digits_xy(digit_folder):
    x, y = digits_xy(digit_folder)
    assert x.shape == (5, 20) and y.tolist() == [0, 0, 0, 1, 1] and y.dtype == torch.long
    x2, y2 = digits_xy(digit_folder, labels=['1', '0'])        # the order of `labels` defines the targets
    assert y2.tolist() == [0, 0, 1, 1, 1] and torch.allclose(x2[0], torch.full((20,), 250/255))


def test_digits_xy_bad_input(digit_folder, tmp_path_factory):
    with pytest.raises(FileNotFoundError, match='is not a folder'): digits_xy(digit_folder/'nope')
    with pytest.raises(FileNotFoundError, match=r"label\(s\) \['7'\]"): digits_xy(digit_folder, labels=['0', '7'])
    with pytest.raises(ValueError, match='no class folders'): digits_xy(tmp_path_factory.mktemp('flat'))


def test_load_digits_on_the_offline_sample():
    from fastbook_answers.data import mnist_sample
    x = load_digits(mnist_sample()/'valid'/'3')
    assert x.shape == (100, 28, 28) and 0 <= x.min() and x.max() <= 1 and x.max() > 0.9


# ---------------------------------------------------------------- distances and pixel similarity

def test_mnist_distance():
    a, b = torch.zeros(3, 2, 2), torch.ones(2, 2)
    assert mnist_distance(a, b).tolist() == [1., 1., 1.]      # broadcast: one distance per image
    assert mnist_distance(b, b) == 0
    assert torch.isclose(mnist_distance(torch.tensor([[0., 1.], [2., 3.]]), torch.zeros(2, 2)), torch.tensor(1.5))


def test_mnist_distance_bad_input():
    with pytest.raises(TypeError, match='must be tensors'): mnist_distance(np.zeros((2, 2)), torch.zeros(2, 2))
    with pytest.raises(ValueError, match='at least 2 axes'): mnist_distance(torch.zeros(4), torch.zeros(4))
    with pytest.raises(ValueError, match='image sizes differ'): mnist_distance(torch.zeros(3, 4), torch.zeros(4, 3))


def test_rmse_distance():
    a = torch.zeros(2, 2); b = torch.tensor([[0., 0.], [0., 2.]])
    assert torch.isclose(rmse_distance(a, b), torch.tensor(1.))          # sqrt(4/4)
    assert mnist_distance(a, b) == 0.5                                   # L1: 2/4
    with pytest.raises(ValueError, match='rmse_distance: image sizes differ'): rmse_distance(torch.zeros(3, 4), torch.zeros(4, 3))
    with pytest.raises(TypeError, match='must be tensors'): rmse_distance(a, [[0.]])


def test_nearest_mean():
    means = torch.stack([torch.zeros(2, 2), torch.ones(2, 2), torch.full((2, 2), 0.5)])
    x = torch.stack([torch.full((2, 2), 0.9), torch.full((2, 2), 0.1), torch.full((2, 2), 0.6)])
    assert nearest_mean(x, means).tolist() == [1, 0, 2]
    assert nearest_mean(x, means, rmse_distance, chunk=1).tolist() == [1, 0, 2]
    # the distance matters: one bright pixel is nearer the blank image by L1, nearer the uniform grey one by RMSE
    spot, means2 = torch.zeros(1, 2, 2), torch.stack([torch.zeros(2, 2), torch.full((2, 2), 0.4)])
    spot[0, 0, 0] = 1.
    assert nearest_mean(spot, means2).tolist() == [0] and nearest_mean(spot, means2, rmse_distance).tolist() == [1]
    with pytest.raises(TypeError, match='`dist` must be callable'): nearest_mean(x, means, dist='l1')
    with pytest.raises(ValueError, match=r'expected x \[N,H,W\]'): nearest_mean(torch.zeros(2, 2), means)
    with pytest.raises(TypeError, match='must be tensors'): nearest_mean([[0.]], means)


# ---------------------------------------------------------------- parameters, model, loss, metrics

def test_init_params():
    torch.manual_seed(0)
    p = init_params((500, 2), std=0.5)
    assert p.shape == (500, 2) and p.requires_grad and abs(p.std().item() - 0.5) < 0.05
    assert init_params(3).shape == (3,)


@pytest.mark.parametrize('size,std,msg', [((3, 0), 1., 'positive int'), (-1, 1., 'positive int'), ('3', 1., 'positive int'),
                                          ((2.5,), 1., 'positive int'), (3, 0., 'positive number'), (3, -1., 'positive number'),
                                          (3, 'big', 'positive number')])
def test_init_params_bad_input(size, std, msg):
    with pytest.raises(ValueError, match=msg): init_params(size, std)


def test_linear1():
    xb, w, b = torch.ones(4, 3), torch.tensor([[1.], [2.], [3.]]), torch.tensor([0.5])
    assert linear1(xb, w, b).tolist() == [[6.5]] * 4
    with pytest.raises(ValueError, match='3 features per item but `weights` expects 2'): linear1(xb, torch.zeros(2, 1), b)
    with pytest.raises(TypeError, match='`weights` must be a tensor'): linear1(xb, [[1.]], b)


def test_mnist_loss():
    t = torch.tensor([1., 0.])
    assert torch.isclose(mnist_loss(torch.zeros(2), t), torch.tensor(0.5))
    assert mnist_loss(torch.tensor([5., -5.]), t) < 0.01 < 0.99 < mnist_loss(torch.tensor([-5., 5.]), t)
    p = torch.zeros(2, requires_grad=True); mnist_loss(p, t).backward()
    assert (p.grad != 0).all()                                   # smooth: a gradient for every prediction


@pytest.mark.parametrize('fn', [mnist_loss, batch_accuracy])
def test_binary_pair_bad_input(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=f'{name}: .*must have the same shape'): fn(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match='only 0s and 1s'): fn(torch.zeros(2), torch.tensor([0., 3.]))
    with pytest.raises(TypeError, match='must be tensors'): fn([0.], torch.zeros(1))


def test_batch_accuracy():
    assert batch_accuracy(torch.tensor([[3.], [-1.], [0.], [2.]]), torch.tensor([[1.], [0.], [1.], [0.]])) == 0.5


def test_argmax_accuracy():
    assert argmax_accuracy(torch.tensor([[0., 1.], [2., 1.], [0., 5.]]), torch.tensor([1, 0, 0])).item() == pytest.approx(2/3)
    with pytest.raises(ValueError, match=r'expected preds \[N, n_classes\]'): argmax_accuracy(torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match='and targs'): argmax_accuracy(torch.zeros(3, 2), torch.zeros(2))
    with pytest.raises(TypeError, match='must be tensors'): argmax_accuracy(torch.zeros(3, 2), [0, 1, 1])


# ---------------------------------------------------------------- optimiser and training loop

def test_basic_optim_matches_the_formula_and_torch_sgd():
    torch.manual_seed(0)
    a = nn.Linear(3, 1); b = nn.Linear(3, 1); b.load_state_dict(a.state_dict())
    x = torch.randn(8, 3)
    expected = None
    for m, opt_func in ((a, BasicOptim), (b, torch.optim.SGD)):
        opt = opt_func(m.parameters(), lr=0.1)
        m(x).pow(2).mean().backward()
        grads = [p.grad.clone() for p in m.parameters()]
        before = [p.detach().clone() for p in m.parameters()]
        opt.step(); opt.zero_grad()
        after = [p.detach() for p in m.parameters()]
        for p0, g, p1 in zip(before, grads, after): assert torch.allclose(p1, p0 - 0.1 * g)
        if expected is None: expected = after
        else: assert all(torch.allclose(p, q) for p, q in zip(after, expected))
    assert all(p.grad is None for p in a.parameters())


def test_basic_optim_bad_input():
    with pytest.raises(ValueError, match='no parameters'): BasicOptim([], lr=0.1)
    with pytest.raises(ValueError, match=r'parameter\(s\) \[1\] are not tensors that require gradients'):
        BasicOptim([torch.zeros(2, requires_grad=True), torch.zeros(2)], lr=0.1)
    for lr in (0, -0.1, float('nan'), float('inf'), '0.1', True):
        with pytest.raises(ValueError, match='`lr` must be a positive number'): BasicOptim([torch.zeros(1, requires_grad=True)], lr=lr)


def test_train_and_validate_epoch_lower_the_loss():
    torch.manual_seed(0)
    x, y = toy_data()
    model = nn.Linear(2, 1)
    dl = batches(x, y)
    before = validate_epoch(model, dl, mnist_loss, [batch_accuracy])
    opt = BasicOptim(model.parameters(), lr=1.)
    losses = []
    for _ in range(5): losses += train_epoch(model, dl, mnist_loss, opt)
    after = validate_epoch(model, dl, mnist_loss, [batch_accuracy])
    assert len(losses) == 5 * len(dl)
    assert after[0] < before[0] / 2 and after[1] > 0.95
    # batch-size weighting: uneven batches give the same answer as one big batch
    whole = validate_epoch(model, [(x, y)], mnist_loss, [batch_accuracy])
    uneven = validate_epoch(model, batches(x, y, bs=100), mnist_loss, [batch_accuracy])
    assert uneven == pytest.approx(whole, rel=1e-5)


def test_train_and_validate_epoch_bad_input():
    opt = BasicOptim([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match='`model` must be callable'): train_epoch(3, [], mnist_loss, opt)
    with pytest.raises(TypeError, match='needs `step\\(\\)` and `zero_grad\\(\\)`'): train_epoch(nn.Linear(2, 1), [], mnist_loss, object())
    with pytest.raises(ValueError, match='gave no batches'): train_epoch(nn.Linear(2, 1), [], mnist_loss, opt)
    with pytest.raises(ValueError, match='gave no batches'): validate_epoch(nn.Linear(2, 1), [], mnist_loss)
    with pytest.raises(ValueError, match='give a `loss_func` or at least one metric'): validate_epoch(nn.Linear(2, 1), [])
    with pytest.raises(TypeError, match='`model` must be callable'): validate_epoch('model', [], mnist_loss)


# ---------------------------------------------------------------- BasicLearner

def test_basic_learner_trains_and_records(capsys):
    torch.manual_seed(0)
    x, y = toy_data()
    learn = BasicLearner((batches(x, y), batches(*toy_data(64, seed=1))), nn.Linear(2, 1), mnist_loss, metrics=batch_accuracy)
    assert learn.fit(4, lr=1.) is learn
    rec = learn.recorder
    assert rec.names == ['train_loss', 'valid_loss', 'batch_accuracy']
    assert len(rec.losses) == 4 * 8 and len(rec.values) == 4 and all(len(v) == 3 for v in rec.values)
    assert rec.values[-1][1] < rec.values[0][1] and rec.values[-1][2] > 0.9
    assert 'valid_loss' in capsys.readouterr().out
    learn.fit(1, lr=1., show=False)                              # a second fit continues the record, quietly
    assert len(rec.values) == 5 and capsys.readouterr().out == ''
    ax = rec.plot_loss()
    assert len(ax.lines[0].get_xdata()) == len(rec.losses)
    import matplotlib.pyplot as plt; plt.close('all')


def test_basic_learner_accepts_other_optimisers_and_dataloaders():
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.optimizer import SGD
    x, y = toy_data()
    dls = DataLoaders(DataLoader(list(zip(x, y)), bs=32, shuffle=True), DataLoader(list(zip(x, y)), bs=64))
    for opt_func in (SGD, torch.optim.SGD):
        torch.manual_seed(0)
        learn = BasicLearner(dls, nn.Linear(2, 1), F.binary_cross_entropy_with_logits, opt_func, metrics=[batch_accuracy]).fit(2, 0.5, show=False)
        assert learn.recorder.values[-1][1] < learn.recorder.values[0][0]


def test_basic_learner_bad_input():
    x, y = toy_data(32)
    dls = (batches(x, y), batches(x, y))
    with pytest.raises(TypeError, match='needs `.train` and `.valid`'): BasicLearner(batches(x, y)[0][0], nn.Linear(2, 1), mnist_loss)
    with pytest.raises(ValueError, match=r'must be \(train, valid\), got 3 items'): BasicLearner((1, 2, 3), nn.Linear(2, 1), mnist_loss)
    with pytest.raises(TypeError, match='must be an nn.Module'): BasicLearner(dls, lambda xb: xb, mnist_loss)
    with pytest.raises(ValueError, match='no parameters'): BasicLearner(dls, nn.ReLU(), mnist_loss)
    with pytest.raises(TypeError, match='`loss_func` must be callable'): BasicLearner(dls, nn.Linear(2, 1), 'mse')
    with pytest.raises(TypeError, match='`opt_func` must be callable'): BasicLearner(dls, nn.Linear(2, 1), mnist_loss, opt_func=None)
    with pytest.raises(TypeError, match='every metric must be callable'): BasicLearner(dls, nn.Linear(2, 1), mnist_loss, metrics=['acc'])
    learn = BasicLearner(dls, nn.Linear(2, 1), mnist_loss)
    with pytest.raises(ValueError, match='nothing recorded yet'): learn.recorder.plot_loss()
    for n in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match='`n_epoch` must be a positive int'): learn.fit(n)
    for lr in (0, -1, float('nan'), 'fast'):
        with pytest.raises(ValueError, match='`lr` must be a positive number'): learn.fit(1, lr=lr)
