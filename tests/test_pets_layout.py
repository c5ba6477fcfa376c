"""Chapter 5's pipeline on a folder laid out like the book's Oxford-IIIT Pet (37 breeds, cat breeds capitalised,
`images/` and `annotations/`), passed with `path=` as a learner with the real dataset would: the library's
`DataBlock`, dataloaders, `show_batch` and one short `fine_tune`, and the guard that keeps the checks which hold only
on our offline set from running there (they report "skipped", they neither pass nor fail). This does not execute
the chapter notebook again (`make test` already runs it); it runs the same library calls."""
import re
import numpy as np, pytest, torch
from PIL import Image

CATS = ['Abyssinian', 'Bengal', 'Birman', 'Bombay', 'British_Shorthair', 'Egyptian_Mau', 'Maine_Coon', 'Persian',
        'Ragdoll', 'Russian_Blue', 'Siamese', 'Sphynx']
DOGS = ['american_bulldog', 'american_pit_bull_terrier', 'basset_hound', 'beagle', 'boxer', 'chihuahua',
        'english_cocker_spaniel', 'english_setter', 'german_shorthaired', 'great_pyrenees', 'havanese',
        'japanese_chin', 'keeshond', 'leonberger', 'miniature_pinscher', 'newfoundland', 'pomeranian', 'pug',
        'saint_bernard', 'samoyed', 'scottish_terrier', 'shiba_inu', 'staffordshire_bull_terrier',
        'wheaten_terrier', 'yorkshire_terrier']

@pytest.fixture(scope='module')
def pets_folder(tmp_path_factory):
    "4 images per breed, each of its own size, a colour per breed so that the labels can be learnt; annotations/ as in Pets."
    root = tmp_path_factory.mktemp('oxford-iiit-pet')
    (root/'images').mkdir(); (root/'annotations').mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for k, breed in enumerate(CATS + DOGS):
        colour = rng.integers(0, 256, 3)
        for n in range(1, 5):
            w, h = rng.integers(60, 140, 2)
            a = np.clip(colour + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(a).save(root/'images'/f'{breed}_{n}.jpg')
            rows.append(f'{breed}_{n} {k+1} {1 if breed in CATS else 2} 1')
    (root/'annotations'/'list.txt').write_text('\n'.join(rows) + '\n')
    return root

def test_chapter_pipeline_runs_on_the_pets_layout(pets_folder, tmp_path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from fastai.vision.all import vision_learner, accuracy
    from fastbook_answers.data import pets
    from fastbook_answers.models import xresnet_tiny
    from fastbook_answers.training import pets_dblock
    path = pets(path=pets_folder)
    assert path == pets_folder                                     # the book's folder, taken as it is
    dls = pets_dblock().dataloaders(path/'images', bs=16, num_workers=0)
    assert list(dls.vocab) == sorted(CATS + DOGS)                  # every breed's name read off the file names, cats capitalised
    assert len(dls.valid_ds) == int(0.2*37*4)
    xb, yb = dls.one_batch()
    assert xb.shape == (16, 3, 64, 64)
    dls.show_batch(max_n=4); assert len(plt.gcf().axes) == 4; plt.close('all')
    learn = vision_learner(dls, xresnet_tiny, metrics=accuracy, path=tmp_path)
    assert learn.model[-1][-1].out_features == 37                  # a fresh head for the 37 breeds on the pretrained body
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(1, base_lr=1e-2)
    preds, targs = learn.get_preds()
    assert preds.shape == (len(dls.valid_ds), 37) and torch.allclose(preds.sum(1), torch.ones(len(preds)), atol=1e-4)
    assert np.isfinite(float(learn.validate()[0]))

def test_offline_only_checks_are_skipped_not_failed(pets_folder, capsys, cache):
    "A check written as the chapter writes it (`if offline_only(path, claim): assert ...`), which would fail on the Pets folder, is skipped there and says so."
    from fastbook_answers.data import offline_only, pets
    def guarded(path):
        if offline_only(path, 'ten digit labels'):
            assert len({f.name.rsplit('_', 1)[0] for f in (path/'images').glob('*.jpg')}) == 10
            return 'passed'
        return 'skipped'
    assert guarded(pets_folder) == 'skipped'                       # neither passed nor failed...
    out = capsys.readouterr().out
    assert out.startswith('skipped') and 'ten digit labels' in out
    assert guarded(pets(source='offline', n_per_label=3)) == 'passed'   # ...while on our own set the same check runs and holds (a small one, in a temporary cache)

def test_every_offline_only_number_in_the_chapter_is_guarded():
    """The chapter's checks of numbers that hold only on our set (the ten labels, 800/200 images, the cost of flips, the
    second steps of question 19 against ours, the best run of further research 2) sit under `offline_only`, in collapsed
    check cells."""
    from fastbook_answers.course import CHAPTERS, find_nbs, import_nbformat
    nbformat = import_nbformat()
    nb = nbformat.read(find_nbs()/CHAPTERS[5].notebook, as_version=4)
    src = [c.source for c in nb.cells if c.cell_type == 'code']
    for pattern in ('PETS_LABELS)', '(800, 200)', "assert flip_change['net'] < 0", "assert table.net['flips'] < 0",
                    "assert net19[k]['net'] <= net19[k]['noise']", "assert best['net'] >= -best['noise']"):
        hits = [s for s in src if pattern in s]
        assert hits, pattern
        for s in hits:
            lines = s.splitlines()
            i = next(k for k, l in enumerate(lines) if pattern in l)
            indent = len(lines[i]) - len(lines[i].lstrip())
            outer = next((l for l in reversed(lines[:i]) if l.strip() and len(l) - len(l.lstrip()) < indent), '')
            assert 'offline_only(' in lines[i] or 'offline_only(' in outer, (pattern, lines[i])   # inside its `if`
