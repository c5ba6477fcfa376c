"""Bad input at the library's boundary. The entry points a user calls with their own input (the data loaders, the model
constructors, `plot_function` and `seed_everything`, the question bank and the progress file, `execute_notebook`,
`write_deck`, and the chapter helpers a learner calls with their own values) each answer a value they cannot use with
an error whose message names the problem, never a silent wrong answer. There is one probe per check: each expects the
words of that check's own message, so removing any one check turns its probe red (Python's own TypeError, or no error
at all, does not pass). The command line's bad usage is tested in nbs/03i_cli.ipynb (in-process) and tests/test_cli.py
(the console script); internal helpers trust their callers and are not probed."""
import json, re
import numpy as np, pytest, torch
from fastbook_answers.course import CourseError

def _dl(n=2):
    "A tiny data loader: `n` batches of 4 random 3x16x16 images with 2 classes."
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(4, 3, 16, 16, generator=g), torch.tensor([0, 1, 0, 1])) for _ in range(n)]

def _lin(): return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3*16*16, 2))

def probes(tmp):
    "`(entry point, call, error type, words of the message)` for every check of every entry point."
    from fastbook_answers.core import plot_function, seed_everything
    from fastbook_answers.data import mnist_sample, mnist_digits, pets, sample_photo
    from fastbook_answers.models import xresnet_tiny, xresnet_small, load_weights
    from fastbook_answers.quiz import check_answer, load_bank, load_state
    from fastbook_answers.runner import execute_notebook
    from fastbook_answers.anki import write_deck
    from fastbook_answers.core import gained_lost
    from fastbook_answers.training import pets_dblock, lr_suggestions, plant_mislabels
    from fastbook_answers.pet_breeds import lr_range_test, softmax_table
    from fastbook_answers.mnist_basics import learning_curves, digit_cnn, is_right, BasicOptim
    junk = tmp/'junk.txt'; junk.write_text('{not what you expected')
    no_layout = tmp/'no_layout'; no_layout.mkdir()
    bank = tmp/'bank.json'; bank.write_text(json.dumps(dict(format=2, chapters=[dict(chapter=4, notebook='04_a.ipynb', title='t',
                                                  questions=[dict(id='Q4.1', question='?', answer='!', why='')])])))
    (tmp/'src'/'images').mkdir(parents=True)
    for i in range(3): (tmp/'src'/'images'/f'a_{i}.jpg').write_bytes(b'')
    (tmp/'taken').mkdir()
    weights = tmp/'w.pth'; weights.write_bytes(b'not the weights'); (tmp/'w.sha256').write_text('0'*64 + '  w.pth\n')
    lone = tmp/'lone.pth'; lone.write_bytes(b'x')
    old = tmp/'old.json'; old.write_text('{"format": 1, "chapters": []}')     # a bank of the format before the short answer split
    lrs = np.logspace(-5, 0, 50); losses = np.linspace(2, 1, 50)
    return [
        ('plot_function', lambda: plot_function(3), TypeError, '`f` must be callable'),
        ('plot_function', lambda: plot_function(torch.relu, min='a'), TypeError, '`min` must be a finite number'),
        ('plot_function', lambda: plot_function(torch.relu, max=float('nan')), TypeError, '`max` must be a finite number'),
        ('plot_function', lambda: plot_function(torch.relu, min=2, max=-2), ValueError, '`min` (2.0) must be smaller than `max`'),
        ('plot_function', lambda: plot_function(torch.relu, n=1), ValueError, '`n` must be an int >= 2'),
        ('plot_function', lambda: plot_function(lambda x: x.sum()), ValueError, 'must return one value per input'),
        ('seed_everything', lambda: seed_everything('42'), TypeError, '`seed` must be an int'),
        ('seed_everything', lambda: seed_everything(-1), ValueError, '`seed` must be an int in [0, 4294967296)'),
        ('mnist_sample', lambda: mnist_sample(source='online'), ValueError, "source must be one of ('auto', 'offline', 'full')"),
        ('mnist_sample', lambda: mnist_sample(path=tmp/'missing'), FileNotFoundError, 'no MNIST_SAMPLE at'),
        ('mnist_sample', lambda: mnist_sample(path=no_layout), ValueError, 'does not look like MNIST_SAMPLE: missing folder(s) train/3'),
        ('mnist_digits', lambda: mnist_digits(source='online'), ValueError, 'source must be one of'),
        ('mnist_digits', lambda: mnist_digits(path=tmp/'missing'), FileNotFoundError, 'no MNIST (mnist_png) at'),
        ('mnist_digits', lambda: mnist_digits(path=no_layout), ValueError, 'missing folder(s) training/0'),
        ('pets', lambda: pets(n_per_label=0), ValueError, '`n_per_label` must be an int in [1, 100], got 0'),
        ('pets', lambda: pets(n_per_label='5'), TypeError, '`n_per_label` must be an int'),
        ('pets', lambda: pets(source='online'), ValueError, 'source must be one of'),
        ('pets', lambda: pets(path=tmp/'missing'), FileNotFoundError, 'no Oxford-IIIT Pet at'),
        ('pets', lambda: pets(path=no_layout), ValueError, 'missing folder(s) images'),
        ('sample_photo', lambda: sample_photo('cat'), ValueError, "name must be 'china' or 'flower'"),
        ('xresnet_tiny', lambda: xresnet_tiny(pretrained='yes'), TypeError, 'pretrained must be True or False'),
        ('xresnet_tiny', lambda: xresnet_tiny(n_out=0), ValueError, '`n_out` must be an int >= 1, got 0'),
        ('xresnet_small', lambda: xresnet_small(n_out=2.5), TypeError, '`n_out` must be an int, got 2.5'),
        ('load_weights', lambda: load_weights('resnet34'), ValueError, "unknown model 'resnet34'"),
        ('load_weights', lambda: load_weights(path=tmp/'missing.pth'), FileNotFoundError, 'missing.pth are missing'),
        ('load_weights', lambda: load_weights(path=lone), FileNotFoundError, 'lone.sha256 is missing'),
        ('load_weights', lambda: load_weights(path=weights), ValueError, 'w.pth has been altered'),
        ('load_bank', lambda: load_bank(tmp/'missing.json'), CourseError, 'missing.json is missing'),
        ('load_bank', lambda: load_bank(junk), CourseError, 'junk.txt is not valid JSON'),
        ('load_bank', lambda: load_bank(old), CourseError, 'old.json does not have the expected layout'),
        ('load_state', lambda: load_state(tmp, json.loads(bank.read_text())), CourseError, 'is a folder; pass --state FILE'),
        ('execute_notebook', lambda: execute_notebook(tmp/'missing.ipynb'), CourseError, 'missing.ipynb does not exist'),
        ('execute_notebook', lambda: execute_notebook(junk), CourseError, 'junk.txt is not a readable notebook'),
        ('execute_notebook', lambda: execute_notebook(junk, timeout=0), ValueError, '`timeout` must be an int >= 1'),
        ('write_deck', lambda: write_deck(tmp/'deck.zip', json.loads(bank.read_text())), CourseError, 'must be written to a .apkg file'),
        ('write_deck', lambda: write_deck(tmp/'d.apkg', json.loads(bank.read_text()), chapter=5), CourseError, 'has no questions for chapter 5'),
        ('pets_dblock', lambda: pets_dblock(size='64'), (TypeError, ValueError), 'size` must be an int'),
        ('pets_dblock', lambda: pets_dblock(size=64, presize=32), ValueError, 'presize (32) must be at least size (64)'),
        ('pets_dblock', lambda: pets_dblock(min_scale=0), ValueError, 'min_scale'),
        ('lr_range_test', lambda: lr_range_test('model', _dl(), torch.nn.functional.cross_entropy), TypeError, 'model must be an nn.Module'),
        ('lr_range_test', lambda: lr_range_test(_lin(), _dl(), 'mse'), TypeError, 'loss_func must be callable'),
        ('lr_range_test', lambda: lr_range_test(_lin(), _dl(), torch.nn.functional.cross_entropy, start_lr=1, end_lr=0.1), ValueError, '`end_lr` must be a number > 1'),
        ('lr_range_test', lambda: lr_range_test(_lin(), _dl(), torch.nn.functional.cross_entropy, num_it=1), ValueError, 'num_it'),
        ('lr_range_test', lambda: lr_range_test(_lin(), _dl(), torch.nn.functional.cross_entropy, beta=1), ValueError, 'beta'),
        ('lr_range_test', lambda: lr_range_test(_lin().requires_grad_(False), _dl(), torch.nn.functional.cross_entropy), ValueError, 'no parameter with requires_grad'),
        ('lr_range_test', lambda: lr_range_test(_lin(), [], torch.nn.functional.cross_entropy), ValueError, 'dl yielded no batches'),
        ('lr_suggestions', lambda: lr_suggestions(lrs, losses[:10]), ValueError, 'same length'),
        ('lr_suggestions', lambda: lr_suggestions(lrs[::-1], losses), ValueError, 'strictly increasing'),
        ('lr_suggestions', lambda: lr_suggestions(lrs, losses, falling_frac=1.5), ValueError, 'falling_frac'),
        ('lr_suggestions', lambda: lr_suggestions(lrs[:7], losses[:7]), ValueError, 'need at least 3 points'),
        ('gained_lost', lambda: gained_lost(np.array([1, 0]), np.array([True, False])), TypeError, '`before` must be a boolean array'),
        ('gained_lost', lambda: gained_lost(np.array([True]), [1]), TypeError, '`after` must be a boolean array'),
        ('gained_lost', lambda: gained_lost(np.array([True, False]), np.array([[True, False]])), ValueError, 'must have one shape'),
        ('softmax_table', lambda: softmax_table([[1, 2]]), ValueError, '`acts` must be a non-empty 1-d sequence'),
        ('softmax_table', lambda: softmax_table(['a', 'b']), TypeError, '`acts` must be a sequence of numbers'),
        ('softmax_table', lambda: softmax_table([1, float('nan')]), ValueError, '`acts` must be finite'),
        ('softmax_table', lambda: softmax_table([1, 2], ['a']), ValueError, '1 labels for 2 numbers'),
        ('plant_mislabels', lambda: plant_mislabels(tmp/'missing', tmp/'dest'), FileNotFoundError, 'has no images/ folder'),
        ('plant_mislabels', lambda: plant_mislabels(tmp/'src', tmp/'taken'), FileExistsError, 'taken already exists'),
        ('plant_mislabels', lambda: plant_mislabels(tmp/'src', tmp/'dest', n=3), ValueError, 'must be an int in [1, 2]'),
        ('learning_curves', lambda: learning_curves(_lin, None, epochs=0, lr=0.1), ValueError, 'learning_curves: `epochs` must be an int >= 1'),
        ('learning_curves', lambda: learning_curves(_lin, None, epochs=1, lr=0.1, bs=64.0), TypeError, 'learning_curves: `bs` must be an int'),
        ('learning_curves', lambda: learning_curves(_lin, None, epochs=1, lr=0.1, n_eval=0), ValueError, 'learning_curves: `n_eval` must be an int >= 1'),
        ('BasicOptim', lambda: BasicOptim(_lin().parameters(), lr=0), ValueError, 'BasicOptim: `lr` must be a number > 0'),
        ('is_right', lambda: is_right(torch.zeros(4, 1), torch.zeros(4)), ValueError, 'preds (4, 1) and targs (4,) differ in shape'),
        ('digit_cnn', lambda: digit_cnn(n_out=0), ValueError, 'digit_cnn: `n_out` must be an int >= 1'),
        ('digit_cnn', lambda: digit_cnn(width='8'), TypeError, 'digit_cnn: `width` must be an int'),
        ('check_answer', lambda: check_answer(6, 1, 'x'), CourseError, 'no questions for chapter 6'),
        ('check_answer', lambda: check_answer(5, 40, 'x'), CourseError, 'chapter 5 has no question 40'),
        ('check_answer', lambda: check_answer(5, 'fr9', 'x'), CourseError, 'no further-research task 9'),
        ('check_answer', lambda: check_answer(5, 'best', 'x'), CourseError, "'best' is no question of chapter 5"),
        ('check_answer', lambda: check_answer(5, 16, ''), CourseError, 'the answer to check is empty'),
        ('check_answer', lambda: check_answer(5, 16, 42), CourseError, 'the answer to check is empty'),
    ]

ENTRY_POINTS = {'plot_function', 'seed_everything', 'mnist_sample', 'mnist_digits', 'pets', 'sample_photo', 'xresnet_tiny',
                'xresnet_small', 'load_weights', 'load_bank', 'load_state', 'execute_notebook', 'write_deck',
                'pets_dblock', 'lr_range_test', 'lr_suggestions', 'plant_mislabels', 'gained_lost', 'softmax_table',
                'learning_curves', 'digit_cnn', 'BasicOptim', 'is_right', 'check_answer'}

def test_every_entry_point_is_probed(tmp_path):
    "The probe covers exactly the entry points, each of them at least once."
    assert {p[0] for p in probes(tmp_path)} == ENTRY_POINTS

def test_each_check_answers_with_its_own_message(tmp_path, monkeypatch, tally):
    "Each probe fails unless its entry point raises the expected error with the words of its own check."
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(tmp_path/'cache'))
    wrong = []
    for name, call, exc, words in probes(tmp_path):
        tally('bad_inputs', f'{name}: {words}')
        try: call()
        except exc as e:
            if words not in str(e): wrong.append(f'{name}: {type(e).__name__}({str(e)[:120]!r}) lacks {words!r}')
        except Exception as e: wrong.append(f'{name}: raised {type(e).__name__}({str(e)[:120]!r}), expected {exc}')
        else: wrong.append(f'{name}: no error, expected one saying {words!r}')
    assert not wrong, '\n'.join(wrong)
