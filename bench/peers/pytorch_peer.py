#!/usr/bin/env python3
"""PyTorch peer of the actlab step benchmarks: the same models, same step.

Models as actlab builds them (models/*.ts): vit_tiny (timm VisionTransformer:
embed 192, depth 12, 3 heads, MLP ratio 4, qkv bias, pre-norm, LayerNorm eps
1e-6, class token, learned position embedding; patch 4), vit_micro (embed 96,
depth 6, otherwise the same), convnet (conv3x3-BatchNorm-activation-maxpool2
blocks of 32, 64, 128 channels, linear head) and mlp (784-512-256-classes);
the CNN family (alexnet, vgg11, vgg11_bn, resnet32, mobilenet_v2,
shufflenet_v2) in its CIFAR geometry comes from cnn_family.py.
One step = forward, cross-entropy (+ DPA's channel loss), backward,
global-norm clip 1.0 and AdamW (lr 1e-3, weight decay 0.05), the defaults of
actlab's train config. Activations: relu, gelu, and dpa. deit_tiny and
cait_xxs24 come from vit_family.py beside this file.

DPA here is written for this project from the semantics in actlab's
DESIGN.md section 2, in the style of the authors' PyTorch code (it is NOT
their code): TAU as a custom autograd function, the backward memory fed by a
tensor hook, the class memories updated by a per-sample loop on the host on
update steps (every 5th step).

Prints one JSON line per activation:
{"model", "activation", "batch", "img_per_s", "step_ms", "threads", "torch"}.
Usage: python3 bench/peers/pytorch_peer.py [--model vit_tiny] [--image 3x32x32]
       [--classes 100] [--activations relu,dpa] [--batch 64] [--steps 6]
       [--threads N]
Needs: apt-get install -y python3-torch libopenblas0-openmp  (Debian's python3).
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import vit_family
from cnn_family import build_cnn


class Tau(torch.autograd.Function):
    """y = x >= tau ? x : 0; the gradient passes where x >= tau."""

    @staticmethod
    def forward(ctx, x, tau):
        keep = x >= tau
        ctx.save_for_backward(keep)
        return x * keep

    @staticmethod
    def backward(ctx, g):
        (keep,) = ctx.saved_tensors
        return g * keep, None


class DpaState:
    """Shared per-step facts: labels, the step counter, the pooled channel loss."""

    def __init__(self, interval):
        self.interval = interval
        self.step = 0
        self.labels = None
        self.numerator = None
        self.count = 0

    def updating(self):
        return (self.step + 1) % self.interval == 0


class Dpa(nn.Module):
    def __init__(self, channels, classes, state, layout, tau=0.0, momentum=0.9):
        super().__init__()
        self.state, self.tau, self.m, self.layout = state, tau, momentum, layout
        self.register_buffer("fmem", torch.zeros(classes, channels))
        self.register_buffer("gmem", torch.zeros(classes, channels))

    def _sequential(self, mem, values, labels):
        """Per-sample EMA in batch order; returns each sample's own view."""
        views = torch.empty_like(values)
        for b in range(values.shape[0]):
            k = int(labels[b])
            mem[k] += self.m * (values[b] - mem[k])
            views[b] = mem[k]
        return views

    def _pool(self, x):
        """The pooled value per channel: class token, spatial mean, or the features."""
        if self.layout == "tokens":
            return x[:, 0, :]
        if self.layout == "tokens_avg":
            return x.mean(1)
        if self.layout == "nchw":
            return x.mean((2, 3))
        return x

    def forward(self, x):
        y = Tau.apply(x, self.tau)
        if not self.training:
            return y
        st = self.state
        labels = st.labels
        v = self._pool(x)
        update = st.updating()
        with torch.no_grad():
            g_old = self.gmem[labels].clone()
            fb = self._sequential(self.fmem, v.detach(), labels) if update else self.fmem[labels]
        mask = (fb < self.tau) & (v.detach() > self.tau) & (g_old < 0)
        sq = (v * mask) ** 2
        st.numerator = sq.sum() if st.numerator is None else st.numerator + sq.sum()
        st.count += int(mask.sum())

        if update:
            def hook(grad):
                sign = torch.where(self._pool(grad) > 0, 1.0, -1.0)
                with torch.no_grad():
                    self._sequential(self.gmem, sign, labels)

            y.register_hook(hook)
        return y


class Block(nn.Module):
    def __init__(self, dim, heads, act):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.act = act
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        h = self.norm1(x)
        qkv = self.qkv(h).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        x = x + self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, make_act, dim, depth, patch, image, in_ch, classes, heads=3):
        super().__init__()
        self.patch_embed = nn.Conv2d(in_ch, dim, patch, patch)
        tokens = (image // patch) ** 2 + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, make_act(4 * dim)) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


class ConvNet(nn.Module):
    def __init__(self, make_act, in_ch, image, classes, channels=(32, 64, 128)):
        super().__init__()
        layers, c_in, side = [], in_ch, image
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), make_act(c, "nchw"),
                       nn.MaxPool2d(2)]
            c_in, side = c, side // 2
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(c_in * side * side, classes)

    def forward(self, x):
        return self.head(self.body(x).flatten(1))


class Mlp(nn.Module):
    def __init__(self, make_act, inputs, classes, widths=(512, 256)):
        super().__init__()
        layers, n = [], inputs
        for w in widths:
            layers += [nn.Linear(n, w), make_act(w, "features")]
            n = w
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(n, classes)

    def forward(self, x):
        return self.head(self.body(x.flatten(1)))


def build(name, make_act, image, classes):
    cnn = build_cnn(name, make_act, image, classes)
    if cnn is not None:
        return cnn
    c, h, _ = image
    tokens_act = lambda w: make_act(w, "tokens")  # noqa: E731
    if name == "vit_tiny":
        return ViT(tokens_act, dim=192, depth=12, patch=4, image=h, in_ch=c, classes=classes)
    if name == "vit_micro":
        return ViT(tokens_act, dim=96, depth=6, patch=4, image=h, in_ch=c, classes=classes)
    if name == "convnet":
        return ConvNet(make_act, c, h, classes)
    if name == "mlp":
        return Mlp(make_act, c * h * h, classes)
    if name in vit_family.MODELS:
        return vit_family.MODELS[name](make_act, h, c, classes)
    from pvt_tnt import build_pvt_tnt  # sibling file: pvt_tiny, tnt_small

    model = build_pvt_tnt(name, make_act, image, classes)
    if model is not None:
        return model
    raise SystemExit(f"unknown model {name!r}: use vit_tiny, vit_micro, convnet, mlp, pvt_tiny, "
                     f"tnt_small, alexnet, vgg11, vgg11_bn, resnet32, mobilenet_v2, "
                     f"shufflenet_v2 or {', '.join(vit_family.MODELS)}")


def measure(model_name, activation, batch, steps, image, classes):
    torch.manual_seed(0)
    state = DpaState(interval=5)
    if activation == "dpa":
        make_act = lambda c, layout: Dpa(c, classes, state, layout)  # noqa: E731
    elif activation == "relu":
        make_act = lambda c, layout: nn.ReLU()  # noqa: E731
    elif activation == "gelu":
        make_act = lambda c, layout: nn.GELU()  # noqa: E731
    else:
        raise SystemExit(f"unknown activation {activation!r}: use relu, gelu or dpa")
    model = build(model_name, make_act, image, classes)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.rand(batch, *image)
    labels = torch.arange(batch) % classes

    def step():
        state.labels, state.numerator, state.count = labels, None, 0
        loss = F.cross_entropy(model((x - 0.5) / 0.25), labels)
        if activation == "dpa" and state.numerator is not None:
            loss = loss + 5.0 * state.numerator / max(state.count, 1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state.step += 1
        return float(loss)

    for _ in range(2):  # warm-up: allocator, oneDNN primitive caches
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    dt = (time.perf_counter() - t0) / steps
    if not math.isfinite(loss):
        raise SystemExit(f"{activation}: non-finite loss {loss}")
    return {"model": model_name, "activation": activation, "batch": batch, "img_per_s": batch / dt,
            "step_ms": dt * 1000, "threads": torch.get_num_threads(), "torch": torch.__version__}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="vit_tiny")
    p.add_argument("--image", default="3x32x32", help="CxHxW (square)")
    p.add_argument("--classes", type=int, default=100)
    p.add_argument("--activations", default="relu,dpa")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for act in a.activations.split(","):
        image = tuple(int(v) for v in a.image.split("x"))
        print(json.dumps(measure(a.model, act, a.batch, a.steps, image, a.classes)), flush=True)


if __name__ == "__main__":
    main()
