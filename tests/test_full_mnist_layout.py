"""Chapter 4's further research 2 on a folder laid out like the full MNIST (`training/0`...`training/9`,
`testing/0`...`testing/9`, PNGs of 28x28), passed with `source='full', path=` as a learner with the real dataset would:
the section's own exported helpers, end to end (loading, pixel similarity by L1 and RMSE, the learning curves of the
linear model, the two-layer net and the small CNN on one schedule, images gained and lost). It does not execute the
notebook again (`make test` runs the chapter); it makes the calls the section's cells make, on digits drawn from a
font, so that a learner with MNIST's 70,000 images runs code that is known to work on that layout."""
import numpy as np, pytest, torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

N_TRAIN, N_TEST = 40, 10        # per digit: 400 + 100 images, a few seconds in all

def _digit(k, rng):
    "A 28x28 white-on-black image of the digit `k` in a font, of a random size, place and brightness, with noise."
    im = Image.new('L', (28, 28))
    font = ImageFont.load_default(size=int(rng.integers(20, 23)))
    ImageDraw.Draw(im).text((14 + int(rng.integers(-1, 2)), 14 + int(rng.integers(-1, 2))), str(k),
                            fill=int(rng.integers(170, 256)), font=font, anchor='mm')
    return (np.asarray(im, dtype=np.float32) + rng.normal(0, 10, (28, 28))).clip(0, 255).astype(np.uint8)

@pytest.fixture(scope='module')
def mnist_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp('mnist_png')
    rng = np.random.default_rng(0)
    for split, n in (('training', N_TRAIN), ('testing', N_TEST)):
        for k in range(10):
            (root/split/str(k)).mkdir(parents=True)
            for i in range(n): Image.fromarray(_digit(k, rng)).save(root/split/str(k)/f'{i}.png')
    return root

@pytest.fixture(scope='module')
def data10(mnist_folder):
    "The section's first cell: the loader, then `digits_xy` on both splits."
    from fastbook_answers.data import mnist_digits
    from fastbook_answers.mnist_basics import digits_xy
    path = mnist_digits(source='full', path=mnist_folder)
    assert path == mnist_folder
    return (*digits_xy(path/'training'), *digits_xy(path/'testing'))

def test_the_section_reads_the_folder_it_is_given(data10, mnist_folder):
    x, y, xv, yv = data10
    assert x.shape == (10 * N_TRAIN, 784) and xv.shape == (10 * N_TEST, 784)          # this folder's images, not our offline 4,000
    assert torch.bincount(y).tolist() == [N_TRAIN] * 10 and torch.bincount(yv).tolist() == [N_TEST] * 10
    first7 = np.asarray(Image.open(mnist_folder/'training'/'7'/'0.png'), dtype=np.float32) / 255
    assert torch.allclose(x[7 * N_TRAIN], torch.from_numpy(first7).flatten())        # folder '7' gives the target 7
    assert 0 <= x.min() and x.max() <= 1 and x.dtype == torch.float32

def test_pixel_similarity_with_ten_ideal_digits(data10):
    from fastbook_answers.mnist_basics import nearest_mean, mnist_distance, rmse_distance
    x, y, xv, yv = data10
    means = torch.stack([x[y == d].mean(0) for d in range(10)]).view(10, 28, 28)
    assert (nearest_mean(means, means) == torch.arange(10)).all()
    for dist in (mnist_distance, rmse_distance):
        pred = nearest_mean(xv.view(-1, 28, 28), means, dist)
        assert pred.shape == yv.shape and (pred == nearest_mean(xv.view(-1, 28, 28), means, dist, chunk=7)).all()
        assert (pred == yv).float().mean() > 0.5                                         # chance is 0.1

def test_learning_curves_of_the_three_models(data10):
    from fastbook_answers.mnist_basics import learning_curves, digit_cnn, argmax_accuracy
    from fastbook_answers.core import gained_lost
    x, y, xv, yv = data10
    schedule = dict(epochs=6, lr=0.3, bs=16, decay=True)          # one schedule for all, as in the chapter
    makers = {'linear': lambda: nn.Linear(28*28, 10),
              'two-layer': lambda: nn.Sequential(nn.Linear(28*28, 64), nn.ReLU(), nn.Linear(64, 10)),
              'CNN': lambda: digit_cnn(10)}
    runs = {name: learning_curves(make, (x, y, xv, yv), seed=0, **schedule) for name, make in makers.items()}
    for name, run in runs.items():
        assert [len(run[k]) for k in ('train_loss', 'train_acc', 'valid_loss', 'valid_acc')] == [6] * 4, name
        assert run['right'].dtype == torch.bool and run['right'].shape == (len(yv),), name
        assert run['right'].float().mean().item() == pytest.approx(run['valid_acc'][-1]), name
        with torch.no_grad(): assert argmax_accuracy(run['model'](xv), yv).item() == pytest.approx(run['valid_acc'][-1]), name
        assert run['train_loss'][-1] < run['train_loss'][0] / 2, (name, run['train_loss'])   # it learnt...
        assert run['valid_acc'][-1] > 0.8, (name, run['valid_acc'])                          # ...digits it never saw (chance: 0.1)
    gl = gained_lost(runs['linear']['right'], runs['CNN']['right'])
    assert gl['net'] == int(runs['CNN']['right'].sum()) - int(runs['linear']['right'].sum())
    assert gl['gained'] + gl['lost'] <= len(yv) and gl['noise'] == round(2 * (gl['gained'] + gl['lost']) ** 0.5, 1)
    again = learning_curves(makers['linear'], (x, y, xv, yv), seed=0, **schedule)
    assert again['valid_loss'] == runs['linear']['valid_loss']                                # seeded: the same run twice
