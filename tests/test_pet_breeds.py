"""The exported API of chapter 5 (`fastbook_answers.pet_breeds`): values, and a clear error for bad input."""
import hashlib, math, shutil
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from torch import nn
from fastbook_answers import pet_breeds as pb
from fastbook_answers.data import pets

# softmax_table ---------------------------------------------------------------------------------
def test_softmax_table_bear_values():
    t = pb.softmax_table([0.02, -2.49, 1.25], ['grizzly', 'black', 'teddy'])
    assert list(t.columns) == ['output', 'exp', 'softmax'] and list(t.index) == ['grizzly', 'black', 'teddy']
    assert t.round(2).values.tolist() == [[0.02, 1.02, 0.22], [-2.49, 0.08, 0.02], [1.25, 3.49, 0.76]]
    assert math.isclose(t.softmax.sum(), 1.0)

def test_softmax_table_default_labels_and_tensor_input():
    t = pb.softmax_table(torch.tensor([1., 1.]))
    assert list(t.index) == [0, 1] and np.allclose(t.softmax, 0.5)

@pytest.mark.parametrize('acts,labels,msg', [([[1, 2]], None, '1-d'), ([], None, '1-d'), ([1, 2], ['a'], '1 labels for 2'),
                                              (['a', 'b'], None, 'sequence of numbers'), ([1, float('nan')], None, 'finite')])
def test_softmax_table_bad_input(acts, labels, msg):
    with pytest.raises((TypeError, ValueError), match=msg): pb.softmax_table(acts, labels)

# pretrained weights ----------------------------------------------------------------------------
@pytest.mark.parametrize('name', ['xresnet_tiny', 'xresnet_small'])
def test_committed_weights_load_and_match_digest(name):
    p = pb.weights_dir()/f'{name}.pth'
    assert p.stat().st_size < 2_000_000
    assert hashlib.sha256(p.read_bytes()).hexdigest() == p.with_suffix('.sha256').read_text().split()[0]
    m = getattr(pb, name)(pretrained=True)
    sd = pb.load_weights(name)
    assert torch.allclose(m.state_dict()['0.0.weight'], sd['0.0.weight'].float())

def test_weights_missing_or_altered(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing'): pb.load_weights('xresnet_tiny', path=tmp_path/'xresnet_tiny.pth')
    p = tmp_path/'xresnet_tiny.pth'
    shutil.copy(pb.weights_dir()/'xresnet_tiny.pth', p)
    with pytest.raises(FileNotFoundError, match='digest'): pb.load_weights('xresnet_tiny', path=p)
    shutil.copy(pb.weights_dir()/'xresnet_tiny.sha256', tmp_path)
    assert pb.load_weights('xresnet_tiny', path=p)      # an intact copy loads
    b = bytearray(p.read_bytes()); b[len(b)//2] ^= 0xFF; p.write_bytes(bytes(b))
    with pytest.raises(ValueError, match='altered'): pb.load_weights('xresnet_tiny', path=p)
    with pytest.raises(ValueError, match='unknown model'): pb.load_weights('resnet34')

def test_archs_registered_for_vision_learner():
    from fastai.vision.learner import model_meta
    for a in (pb.xresnet_tiny, pb.xresnet_small): assert model_meta[a]['cut'] == -4
    n = sum(p.numel() for p in pb.xresnet_tiny().parameters())
    assert 100_000 < n < 500_000

# pets DataBlock --------------------------------------------------------------------------------
def test_pets_dblock_builds_batches():
    dls = pb.pets_dblock(size=32, presize=48).dataloaders(pets()/'images', bs=8, num_workers=0)
    xb, yb = dls.one_batch()
    assert xb.shape == (8, 3, 32, 32) and dls.c == 10

@pytest.mark.parametrize('kw,msg', [(dict(size=64, presize=32), 'at least size'), (dict(size='64'), 'must be an int'),
                                    (dict(presize=0), 'must be an int'), (dict(min_scale=0), 'min_scale')])
def test_pets_dblock_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg): pb.pets_dblock(**kw)

# plant_mislabels -------------------------------------------------------------------------------
def test_plant_mislabels(tmp_path):
    src = pets()
    planted = pb.plant_mislabels(src, tmp_path/'dirty', n=5, seed=1)
    assert len(planted) == 5 and all((tmp_path/'dirty'/'images'/n).exists() for n in planted)
    assert len(list((tmp_path/'dirty'/'images').glob('*.jpg'))) == len(list((src/'images').glob('*.jpg')))
    assert all(n.rsplit('_', 1)[0] != true for n, true in planted.items())
    with pytest.raises(FileExistsError): pb.plant_mislabels(src, tmp_path/'dirty')
    with pytest.raises(ValueError, match='n must be'): pb.plant_mislabels(src, tmp_path/'x', n=0)
    with pytest.raises(FileNotFoundError, match='images'): pb.plant_mislabels(tmp_path, tmp_path/'y')

# learning-rate helpers -------------------------------------------------------------------------
def test_lr_suggestions_on_a_known_curve():
    lrs = np.logspace(-6, 0, 61)
    losses = 2 - np.tanh(np.log10(lrs) + 3) + np.where(lrs > 1e-1, 100*(lrs-1e-1), 0)   # falls fastest at 1e-3, lowest near 1e-1
    s = pb.lr_suggestions(lrs, losses, skip_start=0, skip_end=0)
    assert math.isclose(math.log10(s['steep']), -3, abs_tol=0.11)
    assert 1e-3 < s['minimum'] < 2e-2
    # 'falling': the last rate before the minimum whose loss is still a quarter of the fall above it: tanh = 0.5 at log10(lr) = -2.45
    assert s['steep'] < s['falling'] < 10*s['minimum'] and math.isclose(math.log10(s['falling']), -2.45, abs_tol=0.11)

def test_lr_suggestions_falling_ignores_noise_in_the_flat_start():
    rng = np.random.default_rng(0)
    lrs = np.logspace(-7, 0, 29)
    losses = 3.4 - 0.3*(1 + np.tanh(2*(np.log10(lrs) + 2)))/2 + rng.normal(0, 0.02, len(lrs))
    losses[5] -= 0.15                                                   # a chance dip in the flat start
    s = pb.lr_suggestions(lrs, losses, skip_start=2, skip_end=0)
    assert s['steep'] < 1e-5                                            # the steepest single step is the dip...
    assert 1e-3 < s['falling'] < 10*s['minimum']                        # ...but 'falling' stays in the real descent

@pytest.mark.parametrize('lrs,losses,msg', [([1e-3, 1e-4, 1e-5], [1, 2, 3], 'increasing'), ([1e-3, 1e-2], [1.], 'same length'),
                                            ([-1, 1, 2], [1, 2, 3], 'positive'), ([1e-3, 1e-2, 1e-1], [1, 2, 3], 'at least 3')])
def test_lr_suggestions_bad_input(lrs, losses, msg):
    with pytest.raises(ValueError, match=msg): pb.lr_suggestions(lrs, losses, skip_start=0, skip_end=1)

def test_lr_suggestions_bad_falling_frac():
    with pytest.raises(ValueError, match='falling_frac'): pb.lr_suggestions([1e-3, 1e-2, 1e-1], [3, 2, 1], skip_start=0, skip_end=0, falling_frac=1.)

def _tiny_problem():
    torch.manual_seed(0)
    x = torch.randn(256, 4); y = (x[:, 0] > 0).long()
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), [(x[i:i+32], y[i:i+32]) for i in range(0, 256, 32)]

def test_lr_range_test_on_a_tiny_model():
    model, dl = _tiny_problem()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    df = pb.lr_range_test(model, dl, nn.functional.cross_entropy, start_lr=1e-5, end_lr=10., num_it=30, stop_div=None)
    assert list(df.columns) == ['lr', 'loss', 'smooth_loss'] and len(df) == 30
    assert np.all(np.diff(np.log(df.lr)) > 0) and np.allclose(np.diff(np.log(df.lr)), math.log(1e6)/30)   # exponential sweep
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())                          # weights restored
    assert df.smooth_loss.min() < df.smooth_loss.iloc[0]                                                    # it learns on the way

def test_lr_range_test_stops_on_divergence():
    model, dl = _tiny_problem()
    df = pb.lr_range_test(model, dl, nn.functional.cross_entropy, start_lr=1e-3, end_lr=1e6, num_it=60, stop_div=4.)
    assert len(df) < 60

@pytest.mark.parametrize('kw,err,msg', [(dict(model='m'), TypeError, 'nn.Module'), (dict(loss_func=3), TypeError, 'callable'),
                                        (dict(start_lr=1., end_lr=0.1), ValueError, 'start_lr'), (dict(num_it=1), ValueError, 'num_it'),
                                        (dict(beta=1.), ValueError, 'beta'), (dict(dl=[]), ValueError, 'no batches')])
def test_lr_range_test_bad_input(kw, err, msg):
    model, dl = _tiny_problem()
    args = dict(model=model, dl=dl, loss_func=nn.functional.cross_entropy); args.update(kw)
    with pytest.raises(err, match=msg): pb.lr_range_test(**args)

def test_lr_range_test_frozen_model():
    model, dl = _tiny_problem()
    for p in model.parameters(): p.requires_grad_(False)
    with pytest.raises(ValueError, match='requires_grad'): pb.lr_range_test(model, dl, nn.functional.cross_entropy)

# GroupRecorder and fine_tune -------------------------------------------------------------------
def test_group_recorder_sees_both_steps_of_fine_tune(tmp_path):
    from fastai.vision.all import vision_learner, accuracy, even_mults
    dls = pb.pets_dblock(size=32, presize=48).dataloaders(pets()/'images', bs=64, num_workers=0)
    learn = vision_learner(dls, pb.xresnet_tiny, metrics=accuracy, path=tmp_path)
    rec = pb.GroupRecorder()
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(1, base_lr=1e-2, cbs=rec)
    df = rec.df
    ph1, ph2 = df[df.fit == 0], df[df.fit == 1]
    assert ph1.groupby('group').trainable.max().tolist() == [0., 0., 1.]
    assert ph2.groupby('group').trainable.min().tolist() == [1., 1., 1.]
    assert np.allclose(ph1.groupby('group').lr_peak.first(), [1e-3, 1e-3, 1e-2])
    assert np.allclose(ph2.groupby('group').lr_peak.first(), even_mults(5e-5, 5e-3, 3))
    assert {'valid_loss', 'accuracy'} <= set(df.columns)

# stage_blocks ----------------------------------------------------------------------------------
def test_stage_blocks():
    import torchvision
    with torch.device('meta'):
        assert pb.stage_blocks(torchvision.models.resnet18(weights=None)) == (2, 2, 2, 2)
        assert pb.stage_blocks(torchvision.models.resnet152(weights=None)) == (3, 8, 36, 3)
    with pytest.raises(TypeError, match='torchvision ResNet'): pb.stage_blocks(nn.Linear(2, 2))
