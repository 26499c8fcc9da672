#!/usr/bin/env python3
"""Writes tests/data/unet/unet_golden.safetensors: reference outputs of the official DDIM U-Net
(ermongroup/ddim models/diffusion.py, class Model) for two tiny configs, computed by an independent
functional PyTorch implementation written from the paper's appendix and the official code's layout.
It also checks that its parameter names and shapes equal the key lists of the three paper models
(tests/data/keys/*.tsv).

Run once with Debian's python3-torch 1.13 and python3-numpy (no safetensors package needed):
    /usr/bin/python3 scripts/make_unet_golden.py [--check-keymaps DIR]

Weights. Even the smallest U-Net that GroupNorm(32, C) allows has ~300k parameters, and the two
configs here have 0.7M and 1.0M (6.8 MB in float32): too much to commit. So every parameter is
generated from its official name by a counter-based integer hash that tests/unet_test.cpp
reproduces bit for bit:
    seed = fnv1a64(name); z_i = splitmix64(seed + i); r_i = ((z_i >> 40) - 2^23) / 2^23 in [-1, 1)
    weight (ndim >= 2): r_i * 2^-k with 4^k >= fan_in (about 1/sqrt(fan_in))
    bias of conv/linear: r_i / 8;  GroupNorm weight: 1 + r_i / 4;  GroupNorm bias: r_i / 4
Every generated value is computed exactly (float64, then one rounding to float32), so both sides
get the same bits. The file stores, per parameter, its sum and an index-weighted sum (float64) so
the test can prove that its generator matches this one before comparing outputs.

File contents (F32 unless noted), for each config name c in {a, b}:
    c.x [B, in, R, R], c.t [B], c.out [B, out_ch, R, R]        model inputs and output (eval mode)
    c.probe.<official name> F64 [2]                               (sum w_i, sum (i % 13 + 1) w_i)
plus temb.t [4] and temb.dim5 [4, 5], temb.dim7 [4, 7], temb.dim128 [4, 128] (timestep embedding).
"""

import argparse
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1

# Two tiny configs covering every code path: attention at a lower level and in mid (a), attention
# at the top resolution, three levels, avg-pool/no-conv resampling, in != out channels (b).
CONFIGS = {
    "a": dict(ch=32, out_ch=3, ch_mult=[1, 2], num_res_blocks=1, attn_resolutions=[8],
              dropout=0.1, in_channels=3, resamp_with_conv=True, resolution=16),
    "b": dict(ch=32, out_ch=2, ch_mult=[1, 1, 2], num_res_blocks=2, attn_resolutions=[16],
              dropout=0.0, in_channels=4, resamp_with_conv=False, resolution=16),
}
INPUTS = {"a": dict(t=[0.0, 17.0, 999.0], seed=1), "b": dict(t=[3.0, 500.0], seed=2)}

PAPER = {  # for the optional structure check against the keymaps
    "cifar10": dict(ch=128, out_ch=3, ch_mult=[1, 2, 2, 2], num_res_blocks=2,
                    attn_resolutions=[16], in_channels=3, resamp_with_conv=True, resolution=32),
    "celeba64": dict(ch=128, out_ch=3, ch_mult=[1, 2, 2, 2, 4], num_res_blocks=2,
                     attn_resolutions=[16], in_channels=3, resamp_with_conv=True, resolution=64),
    "lsun256": dict(ch=128, out_ch=3, ch_mult=[1, 1, 2, 2, 4, 4], num_res_blocks=2,
                    attn_resolutions=[16], in_channels=3, resamp_with_conv=True, resolution=256),
}


# ---------------------------------------------------------------- structure (names and shapes)

def param_shapes(cfg):
    """Ordered (name, shape) of the official state_dict, derived from the facts' description."""
    ch, mult, nrb = cfg["ch"], cfg["ch_mult"], cfg["num_res_blocks"]
    temb_ch = 4 * ch
    out = []

    def conv(name, cin, cout, k):
        out.append((name + ".weight", (cout, cin, k, k)))
        out.append((name + ".bias", (cout,)))

    def norm(name, c):
        out.append((name + ".weight", (c,)))
        out.append((name + ".bias", (c,)))

    def resnet(name, cin, cout):
        norm(name + ".norm1", cin)
        conv(name + ".conv1", cin, cout, 3)
        out.append((name + ".temb_proj.weight", (cout, temb_ch)))
        out.append((name + ".temb_proj.bias", (cout,)))
        norm(name + ".norm2", cout)
        conv(name + ".conv2", cout, cout, 3)
        if cin != cout:
            conv(name + ".nin_shortcut", cin, cout, 1)

    def attn(name, c):
        norm(name + ".norm", c)
        for part in ("q", "k", "v", "proj_out"):
            conv(name + "." + part, c, c, 1)

    out.append(("temb.dense.0.weight", (temb_ch, ch)))
    out.append(("temb.dense.0.bias", (temb_ch,)))
    out.append(("temb.dense.1.weight", (temb_ch, temb_ch)))
    out.append(("temb.dense.1.bias", (temb_ch,)))
    conv("conv_in", cfg["in_channels"], ch, 3)

    levels = len(mult)
    res = cfg["resolution"]
    chans = [ch]  # channels of each skip connection, in push order
    c = ch
    for i in range(levels):
        for j in range(nrb):
            resnet(f"down.{i}.block.{j}", c, ch * mult[i])
            c = ch * mult[i]
            chans.append(c)
        for j in range(nrb if res in cfg["attn_resolutions"] else 0):
            attn(f"down.{i}.attn.{j}", c)
        if i != levels - 1:
            if cfg["resamp_with_conv"]:
                out.append((f"down.{i}.downsample.conv.weight", (c, c, 3, 3)))
                out.append((f"down.{i}.downsample.conv.bias", (c,)))
            chans.append(c)
            res //= 2
    resnet("mid.block_1", c, c)
    attn("mid.attn_1", c)
    resnet("mid.block_2", c, c)

    ups = {}
    for i in reversed(range(levels)):
        names = []
        saved = out
        out = names
        for j in range(nrb + 1):
            skip = chans.pop()
            resnet(f"up.{i}.block.{j}", c + skip, ch * mult[i])
            c = ch * mult[i]
        for j in range(nrb + 1 if res in cfg["attn_resolutions"] else 0):
            attn(f"up.{i}.attn.{j}", c)
        if i != 0:
            if cfg["resamp_with_conv"]:
                out.append((f"up.{i}.upsample.conv.weight", (c, c, 3, 3)))
                out.append((f"up.{i}.upsample.conv.bias", (c,)))
            res *= 2
        out = saved
        ups[i] = names
    for i in range(levels):  # state_dict order: up.0 first
        out.extend(ups[i])
    norm("norm_out", c)
    conv("conv_out", c, cfg["out_ch"], 3)
    return out


# ---------------------------------------------------------------- deterministic weights

def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return h


def splitmix64(x):
    """Vectorised over a uint64 array (numpy wraps uint64 arithmetic modulo 2^64)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def is_norm(name):
    return name.rsplit(".", 2)[-2] in ("norm1", "norm2", "norm", "norm_out")


def make_weight(name, shape):
    n = int(np.prod(shape))
    with np.errstate(over="ignore"):
        z = splitmix64(np.uint64(fnv1a64(name)) + np.arange(n, dtype=np.uint64))
    r = ((z >> np.uint64(40)).astype(np.int64) - (1 << 23)).astype(np.float64) / float(1 << 23)
    if is_norm(name):
        w = 1.0 + r / 4.0 if name.endswith(".weight") else r / 4.0
    elif len(shape) >= 2:
        fan_in = n // shape[0]
        k = 0
        while 4 ** k < fan_in:
            k += 1
        w = r * 2.0 ** -k
    else:
        w = r / 8.0
    return torch.from_numpy(w.astype(np.float32).reshape(shape))


# ---------------------------------------------------------------- functional reference model

def timestep_embedding(t, dim):
    half = dim // 2
    f = math.log(10000.0) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * -f)
    e = t.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(e), torch.cos(e)], dim=1)
    if dim % 2 == 1:
        emb = torch.cat([emb, torch.zeros(emb.shape[0], 1)], dim=1)
    return emb


class Reference:
    def __init__(self, cfg, params):
        self.cfg = cfg
        self.p = params

    def swish(self, x):
        return x * torch.sigmoid(x)

    def norm(self, name, x):
        return F.group_norm(x, 32, self.p[name + ".weight"], self.p[name + ".bias"], eps=1e-6)

    def conv(self, name, x, stride=1, padding=1):
        return F.conv2d(x, self.p[name + ".weight"], self.p[name + ".bias"], stride, padding)

    def resnet(self, name, x, temb):
        h = self.conv(name + ".conv1", self.swish(self.norm(name + ".norm1", x)))
        proj = F.linear(self.swish(temb), self.p[name + ".temb_proj.weight"],
                        self.p[name + ".temb_proj.bias"])
        h = h + proj[:, :, None, None]
        h = self.conv(name + ".conv2", self.swish(self.norm(name + ".norm2", h)))  # eval: no dropout
        if name + ".nin_shortcut.weight" in self.p:
            x = self.conv(name + ".nin_shortcut", x, padding=0)
        return x + h

    def attn(self, name, x):
        b, c, hh, ww = x.shape
        h = self.norm(name + ".norm", x)
        q, k, v = (self.conv(f"{name}.{part}", h, padding=0).reshape(b, c, hh * ww)
                   for part in ("q", "k", "v"))
        logits = torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c)
        weights = torch.softmax(logits, dim=2)  # over keys j
        out = torch.einsum("bij,bcj->bci", weights, v).reshape(b, c, hh, ww)
        return x + self.conv(name + ".proj_out", out, padding=0)

    def down(self, i, x):
        if self.cfg["resamp_with_conv"]:
            return self.conv(f"down.{i}.downsample.conv", F.pad(x, (0, 1, 0, 1)), stride=2,
                             padding=0)
        return F.avg_pool2d(x, 2, 2)

    def up(self, i, x):
        x = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest x2
        if self.cfg["resamp_with_conv"]:
            x = self.conv(f"up.{i}.upsample.conv", x)
        return x

    def __call__(self, x, t):
        cfg, p = self.cfg, self.p
        levels, nrb = len(cfg["ch_mult"]), cfg["num_res_blocks"]
        emb = timestep_embedding(t, cfg["ch"])
        temb = F.linear(emb, p["temb.dense.0.weight"], p["temb.dense.0.bias"])
        temb = F.linear(self.swish(temb), p["temb.dense.1.weight"], p["temb.dense.1.bias"])

        res = cfg["resolution"]
        skips = [self.conv("conv_in", x)]
        for i in range(levels):
            for j in range(nrb):
                h = self.resnet(f"down.{i}.block.{j}", skips[-1], temb)
                if res in cfg["attn_resolutions"]:
                    h = self.attn(f"down.{i}.attn.{j}", h)
                skips.append(h)
            if i != levels - 1:
                skips.append(self.down(i, skips[-1]))
                res //= 2
        h = self.resnet("mid.block_1", skips[-1], temb)
        h = self.attn("mid.attn_1", h)
        h = self.resnet("mid.block_2", h, temb)
        for i in reversed(range(levels)):
            for j in range(nrb + 1):
                h = self.resnet(f"up.{i}.block.{j}", torch.cat([h, skips.pop()], dim=1), temb)
                if res in cfg["attn_resolutions"]:
                    h = self.attn(f"up.{i}.attn.{j}", h)
            if i != 0:
                h = self.up(i, h)
                res *= 2
        assert not skips
        return self.conv("conv_out", self.swish(self.norm("norm_out", h)))


# ---------------------------------------------------------------- safetensors writer

def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        if tensor.dtype == torch.float32:
            dtype = "F32"
        elif tensor.dtype == torch.float64:
            dtype = "F64"
        else:
            raise ValueError(f"{name}: unsupported dtype {tensor.dtype}")
        data = tensor.contiguous().numpy().astype(tensor.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def check_keymaps(directory):
    for name, cfg in PAPER.items():
        expected = []
        with open(os.path.join(directory, f"{name}.tsv")) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    key, _, shape = line.rstrip("\n").split("\t")
                    expected.append((key, tuple(int(s) for s in shape.split("x"))))
        ours = param_shapes(cfg)
        assert ours == expected, f"{name}: structure differs from the keymap"
        print(f"{name}: {len(ours)} tensors, {sum(int(np.prod(s)) for _, s in ours):,} parameters"
              " match the keymap")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "tests", "data", "unet",
                                                      "unet_golden.safetensors"))
    parser.add_argument("--check-keymaps", default=os.path.join(here, "..", "tests", "data", "keys"))
    args = parser.parse_args()
    if os.path.isdir(args.check_keymaps):
        check_keymaps(args.check_keymaps)

    torch.set_num_threads(1)
    tensors, metadata = {}, {}
    for cname, cfg in CONFIGS.items():
        shapes = param_shapes(cfg)
        params = {name: make_weight(name, shape) for name, shape in shapes}
        for name, _ in shapes:
            w = params[name].double().flatten()
            idx = torch.arange(w.numel(), dtype=torch.float64)
            tensors[f"{cname}.probe.{name}"] = torch.stack([w.sum(), (w * (idx % 13 + 1)).sum()])
        inp = INPUTS[cname]
        gen = torch.Generator().manual_seed(inp["seed"])
        b, r = len(inp["t"]), cfg["resolution"]
        x = torch.randn(b, cfg["in_channels"], r, r, generator=gen)
        t = torch.tensor(inp["t"], dtype=torch.float32)
        with torch.no_grad():
            out = Reference(cfg, params)(x, t)
        tensors[f"{cname}.x"], tensors[f"{cname}.t"], tensors[f"{cname}.out"] = x, t, out
        metadata[f"{cname}.config"] = json.dumps(cfg)
        print(f"config {cname}: {len(shapes)} tensors, "
              f"{sum(int(np.prod(s)) for _, s in shapes):,} parameters, "
              f"out std {out.std().item():.4f}")

    t = torch.tensor([0.0, 1.0, 250.0, 999.0])
    tensors["temb.t"] = t
    for dim in (5, 7, 128):
        tensors[f"temb.dim{dim}"] = timestep_embedding(t, dim)
    metadata["generator"] = "scripts/make_unet_golden.py (python3-torch " + torch.__version__ + ")"

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_safetensors(args.out, tensors, metadata)
    print(f"wrote {args.out} ({os.path.getsize(args.out):,} bytes)")


if __name__ == "__main__":
    main()
