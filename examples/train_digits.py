"""Train a small CNN on scikit-learn's bundled handwritten digits (1,797 real 8x8 scans).

The main job of the README: DataLoader worker processes, Adam with a OneCycle
schedule, a progress bar, a checkpoint per epoch, and a check that resuming
from a checkpoint reproduces uninterrupted training exactly.

    python examples/train_digits.py [--epochs 12] [--workers 2] [--out checkpoints/]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import ember
import ember.optim
from ember import nn
from ember.data import DataLoader, TensorDataset


def digits_split(seed: int = 0, test_fraction: float = 0.2):
    """(train, test) TensorDatasets of the digits, images scaled to [0, 1]."""
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0)[:, None]  # (N, 1, 8, 8)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    make = lambda idx: TensorDataset(ember.from_numpy(x[idx]), ember.from_numpy(y[idx]))
    return make(train), make(test)


class DigitsNet(nn.Module):
    """Two 3x3 conv blocks, then a small classifier head."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 4 * 4, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )  # fmt: skip

    def forward(self, x):
        return self.classifier(self.features(x))


class Trainer:
    """Model, optimizer, schedule and data order: everything a checkpoint must hold."""

    def __init__(self, train_set, epochs: int, workers: int, seed: int = 0):
        ember.manual_seed(seed)
        self.model = DigitsNet()
        self.optimizer = ember.optim.Adam(self.model.parameters(), lr=3e-3, weight_decay=1e-4)
        # Fresh workers each epoch (no persistent_workers): every epoch then draws its
        # worker seed from the generator, so a resumed run draws the same numbers.
        self.loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=workers,
                                 generator=ember.Generator().manual_seed(seed))  # fmt: skip
        self.scheduler = ember.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=1e-2, epochs=epochs, steps_per_epoch=len(self.loader)
        )
        self.loss_fn = nn.CrossEntropyLoss()
        self.epoch = 0

    def train_epoch(self, progress: bool = True) -> float:
        self.model.train()
        total, batches = 0.0, tqdm(self.loader, desc=f"epoch {self.epoch + 1}", leave=False,
                                   disable=not progress)  # fmt: skip
        for images, labels in batches:
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(images), labels)
            loss.backward()
            self.optimizer.step()
            self.scheduler.step()
            total += loss.item() * len(labels)
            batches.set_postfix(loss=f"{loss.item():.3f}")
        self.epoch += 1
        return total / len(self.loader.dataset)

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "epoch": self.epoch,
            "rng": ember.get_rng_state(),  # dropout's draws
            "data_rng": self.loader.generator.get_state(),  # the shuffling order
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epoch = state["epoch"]
        ember.set_rng_state(state["rng"])
        self.loader.generator.set_state(state["data_rng"])


@ember.autograd.no_grad()
def accuracy(model, dataset) -> float:
    model.eval()
    images, labels = dataset.tensors
    return (model(images).argmax(dim=1) == labels).float().mean().item()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("checkpoints"))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    train_set, test_set = digits_split()
    trainer = Trainer(train_set, args.epochs, args.workers)
    start = time.perf_counter()
    for _ in range(args.epochs):
        loss = trainer.train_epoch(progress=not args.no_progress)
        ember.save(trainer.state_dict(), args.out / f"digits-epoch{trainer.epoch}.ember")
        print(f"epoch {trainer.epoch:2d}  loss {loss:.4f}  "
              f"test accuracy {accuracy(trainer.model, test_set):.4f}")  # fmt: skip
    seconds = time.perf_counter() - start
    final = accuracy(trainer.model, test_set)
    print(f"trained {args.epochs} epochs in {seconds:.1f} s: test accuracy {final:.4f}")

    # Reload the last checkpoint into a fresh model: the same predictions.
    reloaded = DigitsNet()
    reloaded.load_state_dict(ember.load(args.out / f"digits-epoch{args.epochs}.ember")["model"])
    same = accuracy(reloaded, test_set) == final
    print(f"reloaded checkpoint: test accuracy {accuracy(reloaded, test_set):.4f}")

    # Resume from two epochs back in a fresh trainer: the same final weights, exactly.
    back = max(args.epochs - 2, 1)
    resumed = Trainer(train_set, args.epochs, args.workers, seed=1)  # a different start...
    resumed.load_state_dict(ember.load(args.out / f"digits-epoch{back}.ember"))  # ...restored
    while resumed.epoch < args.epochs:
        resumed.train_epoch(progress=False)
    exact = all(
        np.array_equal(a.numpy(), b.numpy())
        for a, b in zip(trainer.model.state_dict().values(), resumed.model.state_dict().values())
    )
    print(f"resumed from epoch {back}: weights identical to uninterrupted training: {exact}")
    return {"accuracy": final, "seconds": seconds, "reloaded_same": same, "resume_exact": exact}


if __name__ == "__main__":
    main()
