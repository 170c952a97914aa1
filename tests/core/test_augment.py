"""Sketch augmentation: drawing-like images, reproducible, and only part of each batch."""
import pytest
import torch

import core.train.augment as augment
from core.train.augment import sketchify
from core.config import TrainConfig
from core.train.trainer import Trainer


@pytest.fixture(scope="module")
def batch(fashion):
    return fashion.train_x[:256].unsqueeze(1).float() / 255


def test_fraction_and_untouched_rest(batch):
    out = sketchify(batch, torch.Generator().manual_seed(1), fraction=0.5)
    changed = (out != batch).flatten(1).any(1)
    assert 90 < int(changed.sum()) < 166  # about half of 256
    assert torch.equal(out[~changed], batch[~changed])
    assert out.shape == batch.shape and out.min() >= 0 and out.max() <= 1


def test_drawings_are_flat_not_textured(batch):
    out = sketchify(batch, torch.Generator().manual_seed(2), fraction=1.0)
    # Photos have many grey levels, inside the object too; silhouettes and outlines are two-tone,
    # grey only at their edges (drawn at twice the resolution and box-filtered down, as a canvas
    # stroke is when framed, then resampled by the small affine change). So: count the grey pixels
    # away from any edge (their 3x3 neighbourhood spans little).
    def flat_greys(x):
        span = torch.nn.functional.max_pool2d(x, 3, 1, 1) + torch.nn.functional.max_pool2d(-x, 3, 1, 1)
        return ((x > 0.1) & (x < 0.9) & (span < 0.25)).float().mean()
    assert flat_greys(out) < 0.1 * flat_greys(batch)
    photo_levels = (batch > 0.1) & (batch < 0.9)
    drawn_levels = (out > 0.1) & (out < 0.9)
    assert drawn_levels.float().mean() < 0.6 * photo_levels.float().mean()


def test_same_seed_same_sketches(batch):
    a = sketchify(batch, torch.Generator().manual_seed(3))
    b = sketchify(batch, torch.Generator().manual_seed(3))
    c = sketchify(batch, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_training_option_is_used_and_reproducible(fashion_small):
    def train(augment):
        t = Trainer(TrainConfig(model="fashion-v0", epochs=1, batch_size=64, augment=augment),
                    data=fashion_small)
        list(t.run())
        return t.history[0].train_loss
    plain, sketch, again = train(""), train("sketch"), train("sketch")
    assert sketch == again and sketch != plain
    with pytest.raises(ValueError, match="augment"):
        TrainConfig(augment="cartoon").validate()


def test_sketch_fraction_reaches_the_batches(fashion_small):
    def train(fraction):
        t = Trainer(TrainConfig(model="fashion-v0", epochs=1, batch_size=64, augment="sketch",
                                sketch_fraction=fraction), data=fashion_small)
        list(t.run())
        return t.history[0].train_loss
    assert train(0.35) != train(1.0)
    for bad in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="sketch fraction"):
            TrainConfig(augment="sketch", sketch_fraction=bad).validate()


def test_same_generator_state_same_sketches(batch):
    """Deterministic for a given generator state (what `train --resume` restores mid-run), and the
    generator is left in the same state, so the batches after it match too."""
    g = torch.Generator().manual_seed(5)
    sketchify(batch, g)  # somewhere in the middle of a run
    state = g.get_state()
    a, after_a = sketchify(batch, g), g.get_state()
    g2 = torch.Generator()
    g2.set_state(state)
    b, after_b = sketchify(batch, g2), g2.get_state()
    assert torch.equal(a, b) and torch.equal(after_a, after_b)
    assert torch.equal(sketchify(batch, g), sketchify(batch, g2))


def test_stroke_widths_vary_and_sit_on_the_edge():
    sil = torch.zeros(6, 1, 40, 40)
    sil[:, :, 10:30, 10:30] = 1.0
    widths = torch.arange(1, 7)
    lines = augment._outline(sil, widths)
    area = lines.flatten(1).sum(1)
    assert torch.all(area[1:] > area[:-1])  # wider pens, more ink
    assert not lines[:, :, 15:25, 15:25].any()  # the inside stays empty: an outline, not a fill
    assert lines[5, 0, 20, 8] == 1 and lines[5, 0, 20, 11] == 1  # a wide stroke straddles the edge
    assert lines[0, 0, 20, 9] == 0 and lines[0, 0, 20, 10] == 1  # a 1-pixel one is the edge


def test_sketches_are_mirrored_as_often_as_asked(batch, monkeypatch):
    for name, value in (("MAX_TURN_DEG", 0), ("SCALE", (1.0, 1.0)), ("MAX_SHIFT_PX", 0)):
        monkeypatch.setattr(augment, name, value)
    x = batch[:16]
    monkeypatch.setattr(augment, "FLIP", 1.0)
    assert torch.allclose(augment._affine(x, torch.Generator().manual_seed(0)), x.flip(-1), atol=1e-5)
    monkeypatch.setattr(augment, "FLIP", 0.0)
    assert torch.allclose(augment._affine(x, torch.Generator().manual_seed(0)), x, atol=1e-5)


def test_sketches_vary_in_style_and_width(batch):
    out = sketchify(batch, torch.Generator().manual_seed(6), fraction=1.0)
    filled = (out > 0.5).flatten(1).float().mean(1)
    # silhouettes cover much of the frame, outlines little, and outline widths spread between
    assert (filled > 0.25).sum() > 40 and (filled < 0.15).sum() > 40
    assert filled.std() > 0.1
