"""The PyTorch side of `npm run eval:transfer` (bench/eval_transfer.ts).

Reads the directory the TS side wrote — our extracted features, the labels,
the per-epoch permutations and the new layer's initial weights — and trains
nn.Linear(width, classes) with torch.optim.Adam in exactly the same order
(batch b of epoch e is order[e][b·B:(b+1)·B], the last one smaller), then
prints `torch_accuracy <fraction>` on the test features and the per-epoch
mean batch loss. Run with /usr/bin/python3 (Debian's torch 1.13).

Usage: eval_transfer_torch.py DIR
"""
import json
import os
import sys

import numpy as np
import torch


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "meta.json")))
    n, width, classes, epochs, batch = meta["n"], meta["width"], meta["classes"], meta["epochs"], meta["batchSize"]
    load = lambda name, dtype: np.fromfile(os.path.join(d, name), dtype=dtype)
    x = torch.from_numpy(load("train_x.f32", np.float32).reshape(n, width))
    y = torch.from_numpy(load("train_y.i64", np.int64))
    tx = torch.from_numpy(load("test_x.f32", np.float32).reshape(-1, width))
    ty = torch.from_numpy(load("test_y.i64", np.int64))
    order = torch.from_numpy(load("order.i64", np.int64).reshape(epochs, n))
    torch.set_num_threads(2)
    layer = torch.nn.Linear(width, classes)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(load("init_weight.f32", np.float32).reshape(classes, width)))
        layer.bias.copy_(torch.from_numpy(load("init_bias.f32", np.float32)))
    opt = torch.optim.Adam(layer.parameters(), lr=meta["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    for e in range(epochs):
        total, steps = 0.0, 0
        for start in range(0, n, batch):
            idx = order[e, start:start + batch]
            opt.zero_grad()
            loss = loss_fn(layer(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        losses.append(total / steps)
    with torch.no_grad():
        acc = (layer(tx).argmax(1) == ty).float().mean().item()
    print("torch_losses " + " ".join(f"{l:.5f}" for l in losses))
    print(f"torch_accuracy {acc:.6f}")


if __name__ == "__main__":
    main()
