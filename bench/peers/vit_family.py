"""DeiT-Tiny (distilled) and CaiT-XXS24 for the PyTorch peer (pytorch_peer.py).

Written for this project in the style of timm's VisionTransformerDistilled
and Cait (not copied from them), matching actlab's models/deit.ts and
models/cait.ts: the same layers, widths, token order, LayerNorm eps 1e-6,
qkv bias, MLP ratio 4, and the activation at every MLP hidden layer.

- deit_tiny: embed 192, depth 12, 3 heads; class and distillation tokens
  ([cls, dist, patches]) with a position embedding over all; logits are the
  mean of `head(x[:, 0])` and `head_dist(x[:, 1])` (no teacher).
- cait_xxs24: embed 192, 24 talking-heads self-attention blocks with
  LayerScale (init 1e-5), 4 heads, then 2 class-attention blocks that update
  the class token alone; head on the normalised class token.

`make_act(channels, layout)` builds the activation: layout "tokens" pools the
class token (token 0), "tokens_avg" the mean over tokens (CaiT's
self-attention blocks, which have no class token).
"""
import torch
import torch.nn as nn

LN_EPS = 1e-6


class Mlp(nn.Module):
    def __init__(self, dim, hidden, act):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), act, nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def heads_of(t, b, n, h):
    """[B, N, C] -> [B, H, N, C/H]."""
    return t.reshape(b, n, h, -1).transpose(1, 2)


class SelfAttention(nn.Module):
    """Fused qkv, scaled dot product per head; `talking` adds the two head mixes."""

    def __init__(self, dim, heads, talking=False):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.talking = talking
        if talking:
            self.proj_l, self.proj_w = nn.Linear(heads, heads), nn.Linear(heads, heads)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if self.talking:  # mix over heads (axis 1) before and after the softmax
            attn = self.proj_l(attn.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            attn = self.proj_w(attn.softmax(dim=-1).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        else:
            attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class ClassAttention(nn.Module):
    """The class token (token 0) queries every token; returns its update [B, 1, C]."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q = heads_of(self.q(x[:, :1]), b, 1, self.heads) * self.scale
        k, v = heads_of(self.k(x), b, n, self.heads), heads_of(self.v(x), b, n, self.heads)
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, 1, c))


class Block(nn.Module):
    """Pre-norm block; `init_values` turns on LayerScale, `talking` talking heads."""

    def __init__(self, dim, heads, act, talking=False, init_values=None):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=LN_EPS), nn.LayerNorm(dim, eps=LN_EPS)
        self.attn = SelfAttention(dim, heads, talking)
        self.mlp = Mlp(dim, 4 * dim, act)
        scale = init_values is not None
        self.gamma_1 = nn.Parameter(torch.full((dim,), init_values)) if scale else None
        self.gamma_2 = nn.Parameter(torch.full((dim,), init_values)) if scale else None

    def forward(self, x):
        a = self.attn(self.norm1(x))
        x = x + (a if self.gamma_1 is None else self.gamma_1 * a)
        m = self.mlp(self.norm2(x))
        return x + (m if self.gamma_2 is None else self.gamma_2 * m)


class ClassBlock(nn.Module):
    """CaiT class-attention block: updates the class token only."""

    def __init__(self, dim, heads, act, init_values):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=LN_EPS), nn.LayerNorm(dim, eps=LN_EPS)
        self.attn = ClassAttention(dim, heads)
        self.mlp = Mlp(dim, 4 * dim, act)
        self.gamma_1 = nn.Parameter(torch.full((dim,), init_values))
        self.gamma_2 = nn.Parameter(torch.full((dim,), init_values))

    def forward(self, x, cls):
        cls = cls + self.gamma_1 * self.attn(self.norm1(torch.cat([cls, x], dim=1)))
        return cls + self.gamma_2 * self.mlp(self.norm2(cls))


def tokens_of(patch_embed, x):
    return patch_embed(x).flatten(2).transpose(1, 2)


class DeiTDistilled(nn.Module):
    def __init__(self, make_act, image, in_ch, classes, dim=192, depth=12, heads=3, patch=4):
        super().__init__()
        self.patch_embed = nn.Conv2d(in_ch, dim, patch, patch)
        n = (image // patch) ** 2
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.dist_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 2, dim) * 0.02)
        self.blocks = nn.ModuleList(
            [Block(dim, heads, make_act(4 * dim, "tokens")) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.head, self.head_dist = nn.Linear(dim, classes), nn.Linear(dim, classes)

    def forward(self, x):
        x = tokens_of(self.patch_embed, x)
        b = x.shape[0]
        x = torch.cat([self.cls_token.expand(b, -1, -1), self.dist_token.expand(b, -1, -1), x], 1)
        x = x + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return (self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2


class CaiT(nn.Module):
    def __init__(self, make_act, image, in_ch, classes, dim=192, depth=24, heads=4, patch=4,
                 class_depth=2, init_values=1e-5):
        super().__init__()
        self.patch_embed = nn.Conv2d(in_ch, dim, patch, patch)
        self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2, dim) * 0.02)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.blocks = nn.ModuleList([
            Block(dim, heads, make_act(4 * dim, "tokens_avg"), talking=True,
                  init_values=init_values) for _ in range(depth)])
        self.blocks_token_only = nn.ModuleList([
            ClassBlock(dim, heads, make_act(4 * dim, "tokens"), init_values)
            for _ in range(class_depth)])
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = tokens_of(self.patch_embed, x) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        for blk in self.blocks_token_only:
            cls = blk(x, cls)
        return self.head(self.norm(cls)[:, 0])


def patch_for(image):
    """actlab's rule (models/geometry.ts patchSizeFor): 4 up to 32 px, 16 above."""
    return 4 if image <= 32 else 16


MODELS = {
    "deit_tiny": lambda make_act, image, in_ch, classes: DeiTDistilled(
        make_act, image, in_ch, classes, patch=patch_for(image)),
    "cait_xxs24": lambda make_act, image, in_ch, classes: CaiT(
        make_act, image, in_ch, classes, patch=patch_for(image)),
}
