"""PyTorch peers of actlab's CNN rows in their CIFAR geometry (32 px inputs).

torchvision's alexnet, vgg11, vgg11_bn, mobilenet_v2 and shufflenet_v2_x1_0,
changed where actlab's CIFAR geometry changes them (models/*.ts headers), and
a CIFAR ResNet-32 (akamaster/pytorch_resnet_cifar10, option-A shortcuts),
layer for layer as actlab builds each:

- alexnet: bearpaw's CIFAR AlexNet: conv1 padding 5, 2x2 max-pools, no
  adaptive pool, Linear(256, n) head (no hidden linears, no dropout).
- vgg11 / vgg11_bn: Fu's CIFAR classifier: Dropout, Linear(512, 512), act,
  Dropout, Linear(512, 512), act, Linear(512, n); no adaptive pool.
- resnet32: conv3x3(16)-BN-act stem, 3 x 5 basic blocks of 16/32/64,
  option-A shortcuts (subsample, zero-pad channels), mean pool, Linear(64, n).
- mobilenet_v2: kuangliu's CIFAR strides: the stem and the first stride-2
  stage (24 channels) at stride 1; torchvision's blocks otherwise.
- shufflenet_v2: kuangliu's CIFAR stem: conv1 stride 1, no max-pool.

Every ReLU / ReLU6 of torchvision is replaced by the plugged-in activation
(`make_act(channels, layout)`), which is where actlab puts its activation
sites. `build_cnn` asserts the parameter count equals actlab's (at 32 px;
the model headers state them at 10 classes).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

# actlab's CIFAR-geometry parameter counts at 10 classes, and each head's input width.
EXPECTED = {
    "alexnet": (2_472_266, 256),
    "vgg11": (9_750_922, 512),
    "vgg11_bn": (9_756_426, 512),
    "resnet32": (464_154, 64),
    "mobilenet_v2": (2_236_682, 1280),
    "shufflenet_v2": (1_263_854, 1024),
}


def _plug_activations(module, make_act):
    """Replace every ReLU/ReLU6 in a Sequential by make_act(width of the layer before it)."""
    for child in module.children():
        _plug_activations(child, make_act)
    if not isinstance(module, nn.Sequential):
        return
    prev = None
    for i, child in enumerate(module):
        if isinstance(child, (nn.ReLU, nn.ReLU6)):
            if isinstance(prev, nn.BatchNorm2d):
                module[i] = make_act(prev.num_features, "nchw")
            elif isinstance(prev, nn.Conv2d):
                module[i] = make_act(prev.out_channels, "nchw")
            elif isinstance(prev, nn.Linear):
                module[i] = make_act(prev.out_features, "features")
            else:
                raise SystemExit(f"cannot tell the width of the activation after {prev!r}")
        prev = child


def _alexnet(classes):
    m = torchvision.models.alexnet(num_classes=classes)
    m.features[0].padding = (5, 5)
    for i in (2, 5, 12):
        m.features[i] = nn.MaxPool2d(2)
    m.avgpool = nn.Identity()
    m.classifier = nn.Linear(256, classes)
    return m


def _vgg11(classes, bn):
    m = (torchvision.models.vgg11_bn if bn else torchvision.models.vgg11)(num_classes=classes)
    m.avgpool = nn.Identity()
    m.classifier = nn.Sequential(
        nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU(),
        nn.Linear(512, classes),
    )
    return m


def _mobilenet_v2(classes):
    m = torchvision.models.mobilenet_v2(num_classes=classes)
    m.features[0][0].stride = (1, 1)  # stem
    m.features[2].conv[1][0].stride = (1, 1)  # first block of the 24-channel stage: depthwise
    return m


def _shufflenet_v2(classes):
    m = torchvision.models.shufflenet_v2_x1_0(num_classes=classes)
    m.conv1[0].stride = (1, 1)
    m.maxpool = nn.Identity()
    return m


class _BasicBlockA(nn.Module):
    def __init__(self, inp, planes, stride, make_act):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = make_act(planes, "nchw")
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.act2 = make_act(planes, "nchw")
        self.stride, self.extra = stride, planes - inp

    def shortcut(self, x):
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        if self.extra:
            before = self.extra // 2
            x = F.pad(x, (0, 0, 0, 0, before, self.extra - before))
        return x

    def forward(self, x):
        h = self.act1(self.bn1(self.conv1(x)))
        return self.act2(self.bn2(self.conv2(h)) + self.shortcut(x))


class ResNet32(nn.Module):
    """akamaster's CIFAR ResNet-32 (as actlab's models/resnet32.ts)."""

    def __init__(self, make_act, classes, blocks=5, widths=(16, 32, 64)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.act1 = make_act(widths[0], "nchw")
        layers, inp = [], widths[0]
        for s, planes in enumerate(widths):
            for b in range(blocks):
                layers.append(_BasicBlockA(inp, planes, 2 if s > 0 and b == 0 else 1, make_act))
                inp = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(inp, classes)

    def forward(self, x):
        h = self.layers(self.act1(self.bn1(self.conv1(x))))
        return self.linear(h.mean((2, 3)))


def build_cnn(name, make_act, image, classes):
    """The CIFAR-geometry peer of actlab's `name`, or None for a model this file does not build."""
    if name not in EXPECTED:
        return None
    c, h, w = image
    if (c, h, w) != (3, 32, 32):
        raise SystemExit(f"{name}: the CNN peers are built in the CIFAR geometry (3x32x32), got {image}")
    if name == "resnet32":
        model = ResNet32(make_act, classes)
    else:
        model = {
            "alexnet": lambda: _alexnet(classes),
            "vgg11": lambda: _vgg11(classes, False),
            "vgg11_bn": lambda: _vgg11(classes, True),
            "mobilenet_v2": lambda: _mobilenet_v2(classes),
            "shufflenet_v2": lambda: _shufflenet_v2(classes),
        }[name]()
        _plug_activations(model, make_act)
    count10, head_in = EXPECTED[name]
    want = count10 + (classes - 10) * (head_in + 1)
    got = sum(p.numel() for p in model.parameters())
    assert got == want, f"{name}: {got} parameters, actlab's CIFAR geometry has {want}"
    return model
