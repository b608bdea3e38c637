"""Training steps per second, ember beside PyTorch (CPU), for five standard workloads.

The same model code builds both: ember's API is PyTorch's, so each workload is a
function of the library (``ember`` or ``torch``). Medians of interleaved runs.

    python bench/train.py
"""

from __future__ import annotations

from _harness import compare

import ember
import ember.nn
import ember.optim

try:
    import torch
except ImportError:  # the ember column still prints
    torch = None


def mlp(lib):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))  # fmt: skip
    x, y = lib.randn(128, 784), lib.randint(0, 10, (128,))
    return model, lib.optim.SGD(model.parameters(), lr=0.01), x, y


def lenet(lib):
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    x, y = lib.randn(64, 1, 28, 28), lib.randint(0, 10, (64,))
    return model, lib.optim.SGD(model.parameters(), lr=0.01), x, y


def conv(lib):
    model = lib.nn.Conv2d(64, 64, 3, padding=1)
    x = lib.randn(32, 64, 32, 32)
    return model, lib.optim.SGD(model.parameters(), lr=0.01), x, None


class _LastStep:
    """An LSTM whose loss reads its whole output sequence."""

    def __init__(self, lib):
        self.lstm = lib.nn.LSTM(256, 256, num_layers=2, batch_first=True)

    def __call__(self, x):
        return self.lstm(x)[0]

    def parameters(self):
        return self.lstm.parameters()


def lstm(lib):
    model = _LastStep(lib)
    x = lib.randn(32, 50, 256)
    return model, lib.optim.SGD(model.parameters(), lr=0.01), x, None


def transformer(lib):
    nn = lib.nn
    layer = nn.TransformerEncoderLayer(256, 4, dim_feedforward=1024, dropout=0.1,
                                       batch_first=True)  # fmt: skip
    model = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    x = lib.randn(16, 64, 256)
    return model, lib.optim.SGD(model.parameters(), lr=0.01), x, None


WORKLOADS = {
    "MLP 784-512-512-10, batch 128, SGD": (mlp, 0.9),
    "LeNet-5 1x28x28, batch 64, SGD": (lenet, 0.5),
    "conv 3x3 64->64 on 32x64x32x32, fwd+bwd": (conv, 0.6),
    "LSTM 2 layers, batch 32, seq 50, hidden 256": (lstm, 0.5),
    "Transformer encoder 2 layers, d 256, 4 heads, seq 64, batch 16": (transformer, 0.5),
}


def step_fn(lib, build):
    model, opt, x, y = build(lib)
    loss_of = (lambda out: lib.nn.functional.cross_entropy(out, y)) if y is not None else (
        lambda out: out.square().mean())  # fmt: skip

    def step():
        opt.zero_grad()
        loss_of(model(x)).backward()
        opt.step()

    return step


def main():
    rows = []
    for name, (build, target) in WORKLOADS.items():
        ember.manual_seed(0)
        impls = {"ember": step_fn(ember, build)}
        if torch is not None:
            torch.manual_seed(0)
            impls["torch"] = step_fn(torch, build)
        us = compare(impls, repeats=7)
        rows.append((name, us, target))
    print("\nTraining steps per second (median; higher is better)")
    print(f"{'workload':64s} {'ember':>9s} {'torch':>9s} {'ember/torch':>12s} {'target':>7s}")
    for name, us, target in rows:
        e = 1e6 / us["ember"]
        t = 1e6 / us["torch"] if us.get("torch") else None
        ratio = f"{e / t:.2f}x" if t else "n/a"
        t_txt = f"{t:9.2f}" if t else f"{'n/a':>9s}"
        print(f"{name:64s} {e:9.2f} {t_txt} {ratio:>12s} {'>=' + str(target) + 'x':>7s}")


if __name__ == "__main__":
    main()
