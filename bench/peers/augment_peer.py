#!/usr/bin/python3
"""Peer of bench/augment_bench.ts: the DPA/DNRT authors' training transform
(timm create_transform: RandomResizedCrop(224, random bilinear/bicubic),
hflip 0.5, RandAugment rand-m9-mstd0.5-inc1, ToTensor, Normalize,
RandomErasing(0.25, pixel)) built from the same Pillow/torchvision calls timm
makes (timm itself is not a Debian package), timed on the same decoded images
on one thread. Prints one JSON line: {"img_per_s", "n", "torch", "pillow"}.

usage: augment_peer.py RAW_FILE N H W REPEATS
"""
import json
import math
import random
import sys
import time

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image, ImageEnhance, ImageOps
import PIL

torch.set_num_threads(1)
raw, n, h, w, repeats = sys.argv[1], *map(int, sys.argv[2:6])
arr = np.fromfile(raw, dtype=np.uint8).reshape(n, 3, h, w)
images = [Image.fromarray(a.transpose(1, 2, 0), "RGB") for a in arr]

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
FILL = tuple(min(255, round(255 * x)) for x in MEAN)
RES = (Image.BILINEAR, Image.BICUBIC)


def neg(v):
    return -v if random.random() > 0.5 else v


def enh(m):
    return max(0.1, 1.0 + neg(m / 10 * 0.9))


def affine(img, data):
    return img.transform(img.size, Image.AFFINE, data, resample=random.choice(RES), fillcolor=FILL)


OPS = [
    lambda im, m: ImageOps.autocontrast(im),
    lambda im, m: ImageOps.equalize(im),
    lambda im, m: ImageOps.invert(im),
    lambda im, m: im.rotate(neg(m / 10 * 30), resample=random.choice(RES), fillcolor=FILL),
    lambda im, m: ImageOps.posterize(im, 4 - int(m / 10 * 4)),
    lambda im, m: ImageOps.solarize(im, 256 - int(m / 10 * 256)),
    lambda im, m: im.point([min(255, i + int(m / 10 * 110)) if i < 128 else i for i in range(256)] * 3),
    lambda im, m: ImageEnhance.Color(im).enhance(enh(m)),
    lambda im, m: ImageEnhance.Contrast(im).enhance(enh(m)),
    lambda im, m: ImageEnhance.Brightness(im).enhance(enh(m)),
    lambda im, m: ImageEnhance.Sharpness(im).enhance(enh(m)),
    lambda im, m: affine(im, (1, neg(m / 10 * 0.3), 0, 0, 1, 0)),
    lambda im, m: affine(im, (1, 0, 0, neg(m / 10 * 0.3), 1, 0)),
    lambda im, m: affine(im, (1, 0, neg(m / 10 * 0.45) * im.size[0], 0, 1, 0)),
    lambda im, m: affine(im, (1, 0, 0, 0, 1, neg(m / 10 * 0.45) * im.size[1])),
]

rrc = T.RandomResizedCrop(224, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3))
erase = T.RandomErasing(p=0.25, scale=(0.02, 1 / 3), ratio=(0.3, 1 / 0.3), value="random")


def transform(img):
    i, j, hh, ww = rrc.get_params(img, rrc.scale, rrc.ratio)
    img = F.resized_crop(img, i, j, hh, ww, [224, 224], random.choice(
        [T.InterpolationMode.BILINEAR, T.InterpolationMode.BICUBIC]))
    if random.random() < 0.5:
        img = F.hflip(img)
    for op in np.random.choice(len(OPS), 2, replace=True):
        if random.random() > 0.5:
            continue
        m = max(0.0, min(random.gauss(9, 0.5), 10.0))
        img = OPS[op](img, m)
    x = F.normalize(F.to_tensor(img), MEAN, STD)
    return erase(x)


random.seed(0)
np.random.seed(0)
torch.manual_seed(0)
for im in images[:4]:
    transform(im)  # warm-up
t0 = time.perf_counter()
for _ in range(repeats):
    for im in images:
        transform(im)
dt = time.perf_counter() - t0
print(json.dumps({"img_per_s": repeats * n / dt, "n": repeats * n, "torch": torch.__version__,
                  "pillow": PIL.__version__}))
