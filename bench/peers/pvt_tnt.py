"""PyTorch peers of actlab's pvt_tiny and tnt_small (models/pvt.ts, models/tnt.ts).

Written for this project in timm's style (not copied): PVT v1 Tiny (four
stages 64/128/320/512, heads 1/2/5/8, MLP ratios 8/8/4/4, two blocks each,
spatial-reduction attention 8/4/2/1, a patch embedding + LayerNorm and a
position table per stage, class token in the last stage) and TNT-S (outer
384 / inner 24, depth 12, heads 6 / 4, pixel embedding = 7x7 conv stride 4 +
unfold; patch 16 above 32 px, the authors' patch 4 at <= 32 px), with the
activation plugged in at every MLP hidden layer through `make_act(channels,
layout)` as pytorch_peer.py's other models.

Where DPA pools the token mean (PVT stages 1-3, TNT's inner sites, per image)
the activation is handed the tokens as an [B, C, N, 1] view, whose "nchw"
pooling is that mean; TAU, ReLU and GELU are elementwise, so the view costs
nothing. TNT's inner hidden tensor [B*N, k*k, C] is first viewed as
[B, N*k*k, C] so each image keeps its own label, as in actlab.
"""
import torch
import torch.nn as nn


class TokenMeanSite(nn.Module):
    """An activation at a tokens site pooled by the mean over tokens."""

    def __init__(self, act):
        super().__init__()
        self.act = act

    def forward(self, x):  # [B, N, C]
        return self.act(x.transpose(1, 2).unsqueeze(-1)).squeeze(-1).transpose(1, 2)


def site(make_act, channels, mean):
    act = make_act(channels, "nchw" if mean else "tokens")
    return TokenMeanSite(act) if mean else act


class Mlp(nn.Module):
    def __init__(self, dim, hidden, act):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), act, nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def attend(q, k, v, heads):
    """q [B, N, C], k/v [B, M, C] -> [B, N, C], multi-head scaled dot product."""
    b, n, c = q.shape
    d = c // heads
    q = q.reshape(b, n, heads, d).transpose(1, 2) * d ** -0.5
    k = k.reshape(b, -1, heads, d).transpose(1, 2)
    v = v.reshape(b, -1, heads, d).transpose(1, 2)
    return (q @ k.transpose(-2, -1)).softmax(-1).matmul(v).transpose(1, 2).reshape(b, n, c)


class SrAttention(nn.Module):
    def __init__(self, dim, heads, sr):
        super().__init__()
        self.heads, self.sr_ratio = heads, sr
        self.q, self.kv, self.proj = nn.Linear(dim, dim), nn.Linear(dim, 2 * dim), nn.Linear(dim, dim)
        if sr > 1:
            self.sr, self.norm = nn.Conv2d(dim, dim, sr, sr), nn.LayerNorm(dim)

    def forward(self, x, hw):
        b, n, c = x.shape
        src = x
        if self.sr_ratio > 1:
            src = self.sr(x.transpose(1, 2).reshape(b, c, *hw)).flatten(2).transpose(1, 2)
            src = self.norm(src)
        k, v = self.kv(src).chunk(2, dim=-1)
        return self.proj(attend(self.q(x), k, v, self.heads))


class PvtBlock(nn.Module):
    def __init__(self, dim, heads, ratio, sr, act):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.attn, self.mlp = SrAttention(dim, heads, sr), Mlp(dim, int(dim * ratio), act)

    def forward(self, x, hw):
        x = x + self.attn(self.norm1(x), hw)
        return x + self.mlp(self.norm2(x))


class PvtTiny(nn.Module):
    def __init__(self, make_act, image, in_ch, classes, patch=4, dims=(64, 128, 320, 512),
                 heads=(1, 2, 5, 8), ratios=(8, 8, 4, 4), depths=(2, 2, 2, 2), srs=(8, 4, 2, 1)):
        super().__init__()
        self.embeds, self.norms, self.stages = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        self.pos = nn.ParameterList()
        c_in, side = in_ch, image
        for i, dim in enumerate(dims):
            p = patch if i == 0 else 2
            side //= p
            last = i == len(dims) - 1
            self.embeds.append(nn.Conv2d(c_in, dim, p, p))
            self.norms.append(nn.LayerNorm(dim))
            self.pos.append(nn.Parameter(torch.randn(1, side * side + int(last), dim) * 0.02))
            self.stages.append(nn.ModuleList(
                PvtBlock(dim, heads[i], ratios[i], srs[i],
                         site(make_act, int(dim * ratios[i]), mean=not last))
                for _ in range(depths[i])))
            c_in = dim
        self.cls_token = nn.Parameter(torch.randn(1, 1, dims[-1]) * 0.02)
        self.norm, self.head = nn.LayerNorm(dims[-1], eps=1e-6), nn.Linear(dims[-1], classes)

    def forward(self, x):
        b = x.shape[0]
        for i, (embed, norm, pos, blocks) in enumerate(zip(self.embeds, self.norms, self.pos, self.stages)):
            x = embed(x)
            hw = x.shape[2:]
            x = norm(x.flatten(2).transpose(1, 2))
            last = i == len(self.stages) - 1
            if last:
                x = torch.cat([self.cls_token.expand(b, -1, -1), x], dim=1)
            x = x + pos
            for blk in blocks:
                x = blk(x, hw)
            if not last:
                x = x.transpose(1, 2).reshape(b, -1, *hw)
        return self.head(self.norm(x)[:, 0])


class Attention(nn.Module):
    """Fused qkv without bias (TNT's separate qk and v, no bias, are the same weights)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(dim, 3 * dim, bias=False), nn.Linear(dim, dim)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return self.proj(attend(q, k, v, self.heads))


class TntBlock(nn.Module):
    def __init__(self, dim, inner, pixels, heads, inner_heads, make_act):
        super().__init__()
        self.norm_in, self.attn_in = nn.LayerNorm(inner), Attention(inner, inner_heads)
        self.norm_mlp_in = nn.LayerNorm(inner)
        self.mlp_in = Mlp(inner, 4 * inner, site(make_act, 4 * inner, mean=True))
        self.norm1_proj, self.proj = nn.LayerNorm(inner), nn.Linear(inner * pixels, dim)
        self.norm_out, self.attn_out = nn.LayerNorm(dim), Attention(dim, heads)
        self.norm_mlp, self.mlp = nn.LayerNorm(dim), Mlp(dim, 4 * dim, make_act(4 * dim, "tokens"))

    def forward(self, pixels, patches):
        b, n1, c = patches.shape
        pixels = pixels + self.attn_in(self.norm_in(pixels))
        # Inner MLP on [B, N*k*k, inner]: each image's pixel tokens together (per-image pooling).
        pixels = pixels + self.mlp_in(self.norm_mlp_in(pixels).reshape(b, -1, pixels.shape[-1])).reshape(pixels.shape)
        lifted = self.proj(self.norm1_proj(pixels).reshape(b, n1 - 1, -1))
        patches = torch.cat([patches[:, :1], patches[:, 1:] + lifted], dim=1)
        patches = patches + self.attn_out(self.norm_out(patches))
        return pixels, patches + self.mlp(self.norm_mlp(patches))


class TntSmall(nn.Module):
    def __init__(self, make_act, image, in_ch, classes, patch=None, stride=4, dim=384, inner=24,
                 depth=12, heads=6, inner_heads=4):
        super().__init__()
        patch = patch or (4 if image <= 32 else 16)
        self.k, self.n, self.inner = patch // stride, (image // patch) ** 2, inner
        pixels = self.k * self.k
        self.pixel_conv = nn.Conv2d(in_ch, inner, 7, stride, 3)
        self.unfold = nn.Unfold(self.k, stride=self.k)
        self.pixel_pos = nn.Parameter(torch.randn(1, inner, self.k, self.k) * 0.02)
        self.norm1_proj, self.proj = nn.LayerNorm(pixels * inner), nn.Linear(pixels * inner, dim)
        self.norm2_proj = nn.LayerNorm(dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.patch_pos = nn.Parameter(torch.randn(1, self.n + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(TntBlock(dim, inner, pixels, heads, inner_heads, make_act)
                                    for _ in range(depth))
        self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, classes)

    def forward(self, x):
        b = x.shape[0]
        u = self.unfold(self.pixel_conv(x)).transpose(1, 2)  # [B, N, inner*k*k]
        u = u.reshape(b * self.n, self.inner, self.k, self.k) + self.pixel_pos
        pixels = u.reshape(b * self.n, self.inner, -1).transpose(1, 2)
        patches = self.norm2_proj(self.proj(self.norm1_proj(pixels.reshape(b, self.n, -1))))
        patches = torch.cat([self.cls_token.expand(b, -1, -1), patches], dim=1) + self.patch_pos
        for blk in self.blocks:
            pixels, patches = blk(pixels, patches)
        return self.head(self.norm(patches)[:, 0])


def build_pvt_tnt(name, make_act, image, classes):
    """The model `name` (pvt_tiny | tnt_small) for a CxHxW `image`, or None for other names."""
    c, h, _ = image
    if name == "pvt_tiny":
        return PvtTiny(make_act, h, c, classes)
    if name == "tnt_small":
        return TntSmall(make_act, h, c, classes)
    return None
