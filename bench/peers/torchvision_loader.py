#!/usr/bin/env python3
"""Peer of bench/imagefolder_bench.ts: torchvision + PIL decoding and training
transforms (RandomResizedCrop 224 + horizontal flip + ToTensor) on the same
files, on one process and with a DataLoader of N workers.

Usage: /usr/bin/python3 bench/peers/torchvision_loader.py DIR --workers N [--size 224]
Prints one JSON line per setting: {"peer", "workers", "img_per_s", "images"}.
Needs: apt-get install -y python3-torch python3-torchvision
"""
import argparse
import json
import time

import torch
import torchvision.transforms as T
from torchvision.datasets import ImageFolder

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--workers", type=int, default=2)
p.add_argument("--size", type=int, default=224)
p.add_argument("--repeats", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(1)
tf = T.Compose([T.RandomResizedCrop(a.size), T.RandomHorizontalFlip(), T.ToTensor()])
ds = ImageFolder(a.dir, transform=tf)
for workers in sorted({1, a.workers}):
    best = 0.0
    for _ in range(a.repeats):
        if workers == 1:
            t = time.perf_counter()
            for i in range(len(ds)):
                ds[i]
            rate = len(ds) / (time.perf_counter() - t)
        else:
            dl = torch.utils.data.DataLoader(ds, batch_size=32, num_workers=workers)
            t = time.perf_counter()
            for _x, _y in dl:
                pass
            rate = len(ds) / (time.perf_counter() - t)
        best = max(best, rate)
    print(json.dumps({"peer": "torchvision+PIL", "workers": workers, "img_per_s": round(best, 1),
                      "images": len(ds)}), flush=True)
