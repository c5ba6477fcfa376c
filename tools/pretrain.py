#!/usr/bin/env python3
"""Reproduce the pretrained weights that chapter 5 fine-tunes: `fastbook_answers/weights/{name}.pth` + `.sha256`.

The source task, as ImageNet is to the book's Pets: printed **letters and symbols** (`source_task.SOURCE_CLASSES`: 26 capitals,
17 lowercase letters, 10 symbols; 53 labels, no digit), drawn by `source_task.glyph` from 23 of the fonts matplotlib ships
and bent towards handwriting (stroke width, slant, rotation, stretch, elastic distortion), on other images than
chapter 5's. No MNIST image, no digit glyph, no digit label and no crop of chapter 5's two photos is ever used: the
body meets the digits, and the photos behind them, for the first time in chapter 5, as an ImageNet body meets the
breeds and the Pets photos. (A first body, pretrained on these glyphs pasted on chapter 5's own two photos, read the
digits as well with its head alone, 145-162 of 200, as after fine-tuning, 151-163, even after 9 epochs: it had
nothing left to learn, and chapter 5's lessons about unfreezing showed nothing.) Each batch, at 48 px:
- three quarters: the glyphs pasted by `data.digit_on_photo` on crops of `source_task.source_photos()` (matplotlib's sample
  photo of Grace Hopper and a hill-shaded elevation map), two fixed renderings alternating per epoch;
- one quarter: the same glyphs scaled, shifted, rotated, sometimes thickened, in a random colour over synthetic
  clutter (multi-scale colour noise and hard-edged rectangles), drawn afresh each time.
400 glyphs per label (21,200), AdamW with a 1cycle schedule (peak 8e-3, 25% warm-up), batches of 128; held out:
20 glyphs per label drawn with another seed, on the same kind of photos. Inputs are normalised with ImageNet
statistics, which is what `vision_learner` adds for these models (see `model_meta`).

usage: python tools/pretrain.py [xresnet_tiny|xresnet_small ...]   (default: both)
Runs recorded here (2 threads, `OMP_NUM_THREADS=2`, on the 2-core machine shared with other jobs):
- xresnet_tiny, 12 epochs: held-out accuracy 0.747 (chance 1/53), 703 s;
- xresnet_small, 10 epochs: held-out accuracy 0.775, 1,309 s (one thread, beside other jobs).
Weights are saved in float16 (half the size; `load_state_dict` casts them back to float32). Results are seeded, but
bit-for-bit reproducibility across machines and torch versions is not guaranteed, so the committed `.sha256` is
rewritten with the file."""
import sys, time, hashlib, os
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F

from fastbook_answers.core import seed_everything
from fastbook_answers import models
from fastbook_answers.source_task import SOURCE_CLASSES, source_glyphs, on_photos

MEAN, STD = torch.tensor([0.485, 0.456, 0.406]).view(1,3,1,1), torch.tensor([0.229, 0.224, 0.225]).view(1,3,1,1)
SZ = 48
EPOCHS = {'xresnet_tiny': 12, 'xresnet_small': 10}
N_PER_CLASS = 400

def clutter(B, g):
    "Random backgrounds: a base colour, colour noise at four scales, and three hard-edged rectangles."
    bg = torch.rand(B,3,1,1, generator=g)*0.6 + 0.2
    for r in (2, 4, 8, 16):
        amp = torch.rand(B,1,1,1, generator=g) * 0.5
        bg = bg + F.interpolate((torch.rand(B,3,r,r, generator=g)-0.5)*amp, size=(SZ,SZ), mode='bilinear', align_corners=False)
    ii = torch.arange(SZ).view(1,SZ,1)
    for _ in range(3):
        y0,x0 = (torch.rand(2,B,1,1, generator=g)*SZ).long()
        h,w = (torch.rand(2,B,1,1, generator=g)*SZ*0.7).long() + 4
        inside = ((ii >= y0) & (ii < y0+h) & (ii.transpose(1,2) >= x0) & (ii.transpose(1,2) < x0+w)).unsqueeze(1)
        keep = torch.rand(B,1,1,1, generator=g) < 0.6
        bg = torch.where(inside & keep, torch.rand(B,3,1,1, generator=g) + (torch.rand(B,3,SZ,SZ, generator=g)-0.5)*0.2, bg)
    return bg.clamp(0,1)

def jitter(x, g):
    "Scale, shift, rotate and colour a batch of [B,1,28,28] glyph masks onto [B,3,SZ,SZ] cluttered backgrounds, normalised."
    B = len(x)
    thick = torch.rand(B, generator=g) < 0.5
    x = torch.where(thick.view(B,1,1,1), F.max_pool2d(x, 3, 1, 1), x)
    s = torch.empty(B).uniform_(0.5, 0.9, generator=g)               # glyph frame side / image side
    a = torch.empty(B).uniform_(-0.26, 0.26, generator=g)            # about +-15 degrees
    t = torch.empty(B,2).uniform_(-1, 1, generator=g) * (1-s).unsqueeze(1)
    cos, sin = torch.cos(a)/s, torch.sin(a)/s
    theta = torch.stack([torch.stack([cos, -sin, -(cos*t[:,0]-sin*t[:,1])], 1),
                         torch.stack([sin,  cos, -(sin*t[:,0]+cos*t[:,1])], 1)], 1)
    m = F.grid_sample(x, F.affine_grid(theta, (B,1,SZ,SZ), align_corners=False), align_corners=False).clamp(0,1)
    bg = clutter(B, g)
    lum = (bg*torch.tensor([0.299,0.587,0.114]).view(1,3,1,1)).sum(1).mean((1,2))
    dark = (lum > 0.43).view(B,1,1,1)
    fg = torch.where(dark, torch.rand(B,3,1,1, generator=g)*0.2, 0.84 + torch.rand(B,3,1,1, generator=g)*0.16)
    return ((bg*(1-m) + fg*m) - MEAN) / STD

def norm(u8): return (u8.float()/255 - MEAN) / STD

def pretrain(name, epochs=None, bs=128, lr=8e-3):
    epochs = epochs or EPOCHS[name]
    seed_everything(42)
    t0 = time.time()
    masks, yt = source_glyphs(N_PER_CLASS, seed=0)
    photos = [on_photos(masks, seed=s, size=SZ) for s in (0, 1)]            # two renderings, alternating per epoch
    xt, yt = torch.tensor(masks).float().div(255).unsqueeze(1), torch.tensor(yt)
    vm, yv = source_glyphs(20, seed=1)
    xv, yv = norm(on_photos(vm, seed=2, size=SZ)), torch.tensor(yv)
    print(f'{len(xt)} training glyphs (2 renderings on photos), {len(xv)} held out; drawn in {time.time()-t0:.0f}s', flush=True)
    model = getattr(models, name)(pretrained=False)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    n_b = (len(xt)+bs-1)//bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs*n_b, pct_start=0.25)
    g = torch.Generator().manual_seed(0)
    t0 = time.time()
    for ep in range(epochs):
        model.train(); hits = 0
        for idx in torch.randperm(len(xt), generator=g).split(bs):
            q = len(idx)//4                                                   # a quarter on clutter, the rest on photos
            xb = torch.cat([jitter(xt[idx[:q]], g), norm(photos[ep % 2][idx[q:]])])
            out = model(xb); loss = F.cross_entropy(out, yt[idx])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            hits += (out.argmax(1) == yt[idx]).sum().item()
        model.eval()
        with torch.no_grad(): acc = (model(xv).argmax(1) == yv).float().mean()
        print(f'{name} epoch {ep}: train accuracy {hits/len(xt):.3f}, held-out accuracy (glyphs on photos) {acc:.3f}, {time.time()-t0:.0f}s', flush=True)
    sd = {k: (v.half() if v.is_floating_point() else v) for k,v in model.state_dict().items()}
    out = Path(os.environ.get('PRETRAIN_OUT', models.weights_dir()))/f'{name}.pth'
    out.parent.mkdir(exist_ok=True, parents=True)
    torch.save(sd, out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    out.with_suffix('.sha256').write_text(f'{digest}  {out.name}\n')
    print(f'saved {out} ({out.stat().st_size/1e6:.2f} MB), sha256 {digest}', flush=True)
    return float(acc)

if __name__ == '__main__':
    for n in (sys.argv[1:] or ['xresnet_tiny', 'xresnet_small']): pretrain(n)
