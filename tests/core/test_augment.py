"""Sketch augmentation: drawing-like images, reproducible, and only part of each batch."""
import pytest
import torch

from core.augment import sketchify
from core.config import TrainConfig
from core.trainer import Trainer


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
    # Photos have many grey levels; silhouettes and outlines are (nearly) two-tone, blurred only
    # at the edges by the small affine resampling.
    photo_levels = (batch > 0.1) & (batch < 0.9)
    drawn_levels = (out > 0.1) & (out < 0.9)
    assert drawn_levels.float().mean() < 0.5 * photo_levels.float().mean()


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
