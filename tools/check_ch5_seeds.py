#!/usr/bin/env python3
"""Chapter 5's training comparisons, repeated with other seeds: do the claims that rest on one run's numbers hold?

Chapter 5 (`nbs/05_pet_breeds.ipynb`) trains with seed 42. This script repeats its runs, the same recipe
(`fastbook_answers.pet_breeds.RECIPE`) on the same offline data and the same 200 validation images, for each seed
given (default 42, 1 and 2; 42 reproduces the chapter), and checks, for every seed:
- fine_tune (1 frozen + `epochs` unfrozen epochs) beats training the head alone for as many epochs, and the unfrozen
  step improves on the frozen step, each by more than the paired noise 2*sqrt(gained + lost);
- our lr_mult (2) reads more images than fastai's default lr_mult=100 for the unfrozen step (question 19; beyond the
  noise at seeds 42 and 2, not 1);
- flips cost images beyond the noise (question 6), and one rate for every group does no better than our slice;
- training from random weights for as many epochs is far behind (below the head alone by more than 2*sqrt(200));
- a rate far past the finder's (question 16, `lr_too_high`) diverges: its last batches' loss is over 5 times ours, with
  fewer images right;
then prints, per seed, every run of the chapter in images of 200 (and the paired change against fine_tune), and the
spread (min-max) over the seeds. The seed moves the new head's initial weights, the order of the batches and the
augmentations (and the weights of the model trained from scratch); the pretrained body and the split are fixed.

usage: python tools/check_ch5_seeds.py [SEED ...]   (one thread, as the tests and `make outputs` run the chapter, so
       that seed 42 reproduces the committed notebook; exits 1 if a check fails for some seed)
Runs recorded here (one thread, seeds 42, 1 and 2, about 250 s a seed). Images right of 200 per seed (42 / 1 / 2):
fine_tune 151 / 131 / 136, frozen step 95 / 108 / 107, head only 116 / 106 / 116, from scratch 23 / 24 / 19,
lr_mult=100 107 / 124 / 119, one rate 144 / 137 / 146, longer 157 / 162 / 159, xresnet_small 149 / 148 / 145,
flips 111 / 101 / 117, tta 151 / 138 / 142. Every check held for every seed, once two were stated as the data allow:
our lr_mult beat the default by only 7 images at seed 1 (within the noise), and the rate far too high read 67 against
95 at seed 42, fewer but not by 2*sqrt(200)."""
import math, sys, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np, pandas as pd, torch
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from fastai.vision.all import minimum, steep, valley
from fastbook_answers.data import pets
from fastbook_answers.models import xresnet_tiny, xresnet_small, GroupRecorder
from fastbook_answers.pet_breeds import pets_dblock, RECIPE, fresh_learner, lr_choice, lr_too_high, reseed, Snapshot, rights, paired

def run_seed(seed, path, tmp):
    "Every training run of chapter 5 with `seed` in place of 42: {run: boolean array of the validation images it reads correctly}, and Q16's losses."
    R = RECIPE
    dls = pets_dblock(in_memory=True).dataloaders(path/'images', bs=R['bs'], num_workers=0)
    def new(arch=xresnet_tiny, data=None, **kw): return fresh_learner(data or dls, arch, seed=seed, path=tmp, **kw)
    out, info = {}, {}
    learn = new()
    with learn.no_bar(): sugg = learn.lr_find(start_lr=1e-6, end_lr=10, num_it=R['n_it'], suggest_funcs=(minimum, steep, valley), show_plot=False)
    lrs_f, losses_f = np.array(learn.recorder.lrs), np.array([float(v) for v in learn.recorder.losses])
    lr = lr_choice(lrs_f, losses_f, R['n_it']); info['lr'] = lr; info['minimum'] = float(sugg.minimum)
    snap, rec0 = Snapshot(seed + 1, dls), GroupRecorder(); reseed(seed, dls)
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(R['epochs'], base_lr=lr, lr_mult=R['lr_mult'], cbs=[rec0, snap])
    ep0 = rec0.df[(rec0.df.group == 0) & (rec0.df.fit == 0)]
    info['q16 base_lr'] = (float(rec0.batch_df[rec0.batch_df.fit == 0].loss.values[-5:].mean()), round(float(ep0.accuracy.iloc[0])*200))
    out['fine_tune'] = rights(learn)
    l = new(); snap.restore(l); out['frozen step only'] = rights(l)
    for name, pre in (('head only', True), ('from scratch', False)):
        l = new(pretrained=pre)
        with l.no_bar(), l.no_logging(): l.fit_one_cycle(1 + R['epochs'], slice(lr) if pre else lr)
        out[name] = rights(l)
    for name, rate in (('lr_mult=100 (default)', slice(lr/2/100, lr/2)), ('one rate for every group', lr/2)):   # question 19
        l = new(); snap.restore(l)
        with l.no_bar(), l.no_logging(): l.fit_one_cycle(R['epochs'], rate, pct_start=0.3, div=5.0)
        out[name] = rights(l)
    l, rec = new(), GroupRecorder(); snap.restore(l)                                   # question 21: longer
    with l.no_bar(), l.no_logging(): l.fit_one_cycle(R['n_long'], slice(lr/2/R['lr_mult'], lr/2), pct_start=0.3, div=5.0, cbs=rec)
    out['longer'] = rights(l)
    ep = rec.df[rec.df.group == 0]
    info['longer: best valid_loss epoch'] = int(ep.valid_loss.values.argmin()); info['longer: images right per epoch'] = [round(a*200) for a in ep.accuracy]
    l = new(xresnet_small)                                                               # question 22
    with l.no_bar(), l.no_logging(): l.fine_tune(R['epochs'], base_lr=lr, lr_mult=R['lr_mult'])
    out['xresnet_small'] = rights(l)
    dls_f = pets_dblock(flip=True, in_memory=True).dataloaders(path/'images', bs=R['bs'], num_workers=0)   # question 6
    l = new(data=dls_f)
    with l.no_bar(), l.no_logging(): l.fine_tune(R['epochs'], base_lr=lr, lr_mult=R['lr_mult'])
    out['flips'] = rights(l)
    reseed(seed, dls)
    with learn.no_bar(): p, t = learn.tta()
    out['learn.tta()'] = (p.argmax(1) == t).numpy()
    l, rec = new(), GroupRecorder()                                                       # question 16
    with l.no_bar(), l.no_logging(): l.fit_one_cycle(1, slice(lr_too_high(lrs_f, losses_f, R['n_it'])), pct_start=0.99, cbs=rec)
    info['q16 far too high'] = (float(rec.batch_df.loss.values[-5:].mean()), int(rights(l).sum()))
    return out, info

def main(seeds):
    import tempfile
    torch.set_num_threads(int(__import__('os').environ.get('OMP_NUM_THREADS', '1')))
    path, tmp = pets(source='offline'), Path(tempfile.mkdtemp())
    rows, failed = [], []
    for seed in seeds:
        t = time.time()
        out, info = run_seed(seed, path, tmp)
        ft = out['fine_tune']
        for k, v in out.items(): rows.append(dict(seed=seed, run=k, **paired(v, ft)))
        c = {'fine_tune beats head only': paired(ft, out['head only']), 'unfrozen step beats frozen step': paired(ft, out['frozen step only'])}
        checks = {k: v['net'] > v['noise'] for k, v in c.items()}
        checks['our lr_mult reads more images than the default lr_mult=100 (beyond the noise at 2 seeds of 3)'] = paired(ft, out['lr_mult=100 (default)'])['net'] > 0
        fl, one = paired(out['flips'], ft), paired(out['one rate for every group'], ft)
        checks['flips cost images beyond the noise (question 6)'] = fl['net'] < -fl['noise']
        checks['one rate for every group is no better than our slice beyond the noise (question 19)'] = one['net'] <= one['noise']
        checks['from scratch far behind the head alone'] = out['from scratch'].sum() < out['head only'].sum() - 2*math.sqrt(len(ft))
        (l_ok, r_ok), (l_hi, r_hi) = info['q16 base_lr'], info['q16 far too high']
        checks['a rate far too high diverges: loss over 5 times ours, fewer right'] = l_hi > 5*l_ok and r_hi < r_ok
        print(f'seed {seed} ({time.time()-t:.0f}s): lr {info["lr"]:.2e}; ' + '; '.join(f'{k}: {v}' for k, v in c.items()), flush=True)
        print('   ', {k: v for k, v in info.items() if k != 'lr'}, flush=True)
        for k, ok in checks.items():
            print(f'    {"ok  " if ok else "FAIL"} {k}', flush=True)
            if not ok: failed.append((seed, k))
    df = pd.DataFrame(rows)
    wide = df.pivot(index='run', columns='seed', values='right').loc[list(dict.fromkeys(df.run))]
    wide['spread'] = [f'{int(r.min())}-{int(r.max())}' for _, r in wide[list(seeds)].iterrows()]
    net = df.pivot(index='run', columns='seed', values='net').loc[wide.index]
    print('\nimages right of 200, per seed (and the spread):\n' + wide.to_string())
    print('\nnet change against fine_tune, per seed:\n' + net.to_string())
    print('\nall checks hold for every seed' if not failed else f'\nFAILED: {failed}')
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main([int(s) for s in sys.argv[1:]] or [42, 1, 2]))
