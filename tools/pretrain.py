#!/usr/bin/env python3
"""Reproduce the pretrained weights that chapter 5 fine-tunes: `fastbook_answers/weights/{name}.pth` + `.sha256`.

The pretraining task is MNIST digit classification (10 classes) on the *training* split of
`fastbook_answers.data.mnist_digits()` only (4,000 real 28x28 digits); the chapter-5 pets set is built
from the held-out digits, so the two never share a digit image. White-on-black 28x28 digits alone give
a body that transfers poorly to digits in photos (we measured about 20-30% zero-shot accuracy on the
pets set, and fine-tuning barely beat training from scratch), so the digits are shown to the model in
the wild, at 64x64:
- three quarters of each batch: each training digit pasted, by the same `digit_on_photo` the pets set uses,
  onto a random crop of one of scikit-learn's two photos (two fixed renderings per digit, alternating
  per epoch);
- one quarter: the digit scaled, shifted, rotated, sometimes thickened, drawn in a random colour over
  synthetic clutter (multi-scale colour noise and hard-edged rectangles), rendered on the fly.
This is the analogue of ImageNet pretraining for the book's Pets (ImageNet holds cats and dogs too):
the same kind of images, but other examples and a head for another label set. Inputs are normalised
with ImageNet statistics, which is what `vision_learner` adds for these models (see `model_meta`).

usage: python tools/pretrain.py [xresnet_tiny|xresnet_small ...]   (default: both; about 3 + 5 min on
2 idle CPU cores; 20 and 12 epochs)
Weights are saved in float16 (half the size; `load_state_dict` casts them back to float32). Results are
seeded but bit-for-bit reproducibility across machines and torch versions is not guaranteed, so the
committed `.sha256` is rewritten with the file."""
import sys, time, hashlib
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from fastbook_answers.data import mnist_digits, sample_photo, digit_on_photo
from fastbook_answers.core import seed_everything
from fastbook_answers.mnist_basics import digits_xy
from fastbook_answers import models

MEAN, STD = torch.tensor([0.485, 0.456, 0.406]).view(1,3,1,1), torch.tensor([0.229, 0.224, 0.225]).view(1,3,1,1)
SZ = 64

def load_split(split):
    "One split of the MNIST digits as [N,1,28,28] floats in [0,1] and their labels."
    x, y = digits_xy(mnist_digits()/split, labels=range(10))
    return x.view(-1, 1, 28, 28), y

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
    "Scale, shift, rotate and colour a batch of [B,1,28,28] digits onto [B,3,SZ,SZ] backgrounds."
    B = len(x)
    thick = torch.rand(B, generator=g) < 0.5
    x = torch.where(thick.view(B,1,1,1), F.max_pool2d(x, 3, 1, 1), x)
    s = torch.empty(B).uniform_(22/SZ, 44/SZ, generator=g)          # digit side / canvas side
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

def render_photos(x, rng):
    "Each digit pasted on a random square crop of one of scikit-learn's two photos, at SZ x SZ (`fastbook_answers.data.digit_on_photo`, as the pets set)."
    photos = [sample_photo('china'), sample_photo('flower')]
    out = [digit_on_photo(d, SZ, SZ, rng, photos) for d in (x[:,0]*255).round().byte().numpy()]
    t = torch.tensor(np.stack(out)).permute(0,3,1,2).float()/255
    return (t - MEAN) / STD

EPOCHS = {'xresnet_tiny': 20, 'xresnet_small': 12}

def pretrain(name, epochs=None, bs=128, lr=8e-3):
    epochs = epochs or EPOCHS[name]
    seed_everything(42)
    xt, yt = load_split('training'); xv, yv = load_split('testing')
    rng = np.random.default_rng(0)
    xt_photo = torch.cat([render_photos(xt, rng), render_photos(xt, rng)]); yt_photo = torch.cat([yt, yt])
    model = getattr(models, name)(pretrained=False, n_out=10)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    xv_photo = render_photos(xv, np.random.default_rng(1))
    n_b = (len(xt)+bs-1)//bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs*n_b)
    g = torch.Generator().manual_seed(0)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), generator=g).split(bs):
            xb = torch.cat([jitter(xt[idx[:len(idx)//4]], g), xt_photo[idx[len(idx)//4:] + len(xt)*(ep%2)]])   # a quarter clutter, the rest photos
            yb = torch.cat([yt[idx[:len(idx)//4]], yt_photo[idx[len(idx)//4:] + len(xt)*(ep%2)]])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        model.eval()
        with torch.no_grad():
            acc = torch.cat([model(xv_photo[i]).argmax(1) == yv[i] for i in torch.arange(len(xv)).split(500)]).float().mean()
        print(f'{name} epoch {ep}: loss {loss.item():.3f}, held-out accuracy (digits on photos) {acc:.3f}, {time.time()-t0:.0f}s', flush=True)
    sd = {k: (v.half() if v.is_floating_point() else v) for k,v in model.state_dict().items()}
    out = ROOT/'fastbook_answers'/'weights'/f'{name}.pth'
    out.parent.mkdir(exist_ok=True)
    torch.save(sd, out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    out.with_suffix('.sha256').write_text(f'{digest}  {out.name}\n')
    print(f'saved {out} ({out.stat().st_size/1e6:.2f} MB), sha256 {digest}')
    return float(acc)

if __name__ == '__main__':
    for n in (sys.argv[1:] or ['xresnet_tiny', 'xresnet_small']): pretrain(n)
