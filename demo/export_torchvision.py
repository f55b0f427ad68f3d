"""Pretrained torchvision weights -> a .safetensors file the demo (and
weightsForGraph) loads for the zoo architecture of the same name.

    python3 demo/export_torchvision.py resnet18 [out.safetensors]
    python3 demo/export_torchvision.py resnet18 --checkpoint resnet18-f37072fd.pth   # offline, from a downloaded file

Needs PyTorch + torchvision (Debian: /usr/bin/python3 with python3-torchvision)
and, without --checkpoint, internet access: torchvision downloads the
ImageNet weights itself. Names: any torchvision classifier the zoo has
(alexnet, vgg11..19[_bn], resnet18..152, googlenet, mobilenet_v2,
efficientnet_b0..b7). The file holds the state_dict in float32 without
BatchNorm's num_batches_tracked counters.
"""
import sys
from pathlib import Path

import torch
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'test' / 'fixtures'))
from make_torch_fixtures import write_safetensors  # noqa: E402  (one writer for the repo)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if not args:
        sys.exit(__doc__)
    name = args[0]
    out = Path(args[1] if len(args) > 1 else f'{name}.safetensors')
    if not hasattr(torchvision.models, name):
        sys.exit(f'torchvision has no model "{name}"')
    if '--checkpoint' in sys.argv:
        path = sys.argv[sys.argv.index('--checkpoint') + 1]
        state = torch.load(path, map_location='cpu')
    else:
        try:
            state = getattr(torchvision.models, name)(weights='DEFAULT').state_dict()
        except Exception as error:  # offline, proxy, ...
            sys.exit(f'could not download the {name} weights ({error}).\n'
                     f'Download them on a connected machine (torchvision prints the URL) and pass --checkpoint FILE.pth.')
    tensors = {k: v for k, v in state.items() if not k.endswith('num_batches_tracked')}
    write_safetensors(out, tensors)
    print(f'{out}: {len(tensors)} tensors, {sum(v.numel() for v in tensors.values()) / 1e6:.1f} M parameters')


if __name__ == '__main__':
    main()
