#!/usr/bin/env python3
"""Times PyTorch eager on the official DDIM U-Net: the baseline for the C++ forward (core/unet.cpp).

The network is an nn.Module written from the paper's appendix (Song et al. 2020) in the style of
the official models/diffusion.py (x * sigmoid(x), bmm attention, F.pad + strided conv, nearest
interpolate), at the paper's CIFAR-10 config (35,746,307 parameters, 32x32) or, with
--config lsun256, its LSUN church/bedroom config (113,673,219 parameters, 256x256), random weights.

    /usr/bin/python3 scripts/bench_pytorch_unet.py [--config cifar10|lsun256] [--threads 2]
        [--batch 1 16] [--calls 30]

Prints the median wall time per forward call (ms) for each batch size, after warm-up, in
torch.inference_mode() with torch.set_num_threads(threads). On a shared, loaded machine,
`--threads 1 --clock cpu` (process CPU time) is far less disturbed by other processes.
"""

import argparse
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def swish(x):
    return x * torch.sigmoid(x)


def normalize(c):
    return nn.GroupNorm(32, c, eps=1e-6, affine=True)


def timestep_embedding(t, dim):
    half = dim // 2
    f = math.log(10000.0) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=t.device) * -f)
    e = t.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(e), torch.cos(e)], dim=1)
    return F.pad(emb, (0, 1)) if dim % 2 else emb


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, temb_ch, dropout):
        super().__init__()
        self.norm1 = normalize(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.temb_proj = nn.Linear(temb_ch, cout)
        self.norm2 = normalize(cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1, 1, 0)

    def forward(self, x, temb):
        h = self.conv1(swish(self.norm1(x)))
        h = h + self.temb_proj(swish(temb))[:, :, None, None]
        h = self.conv2(self.dropout(swish(self.norm2(h))))
        if hasattr(self, "nin_shortcut"):
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = normalize(c)
        self.q = nn.Conv2d(c, c, 1)
        self.k = nn.Conv2d(c, c, 1)
        self.v = nn.Conv2d(c, c, 1)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)
        q = self.q(n).reshape(b, c, h * w).permute(0, 2, 1)
        k = self.k(n).reshape(b, c, h * w)
        weights = torch.softmax(torch.bmm(q, k) * (c ** -0.5), dim=2)
        v = self.v(n).reshape(b, c, h * w)
        out = torch.bmm(v, weights.permute(0, 2, 1)).reshape(b, c, h, w)
        return x + self.proj_out(out)


class Resample(nn.Module):
    def __init__(self, c, with_conv, up):
        super().__init__()
        self.up = up
        self.with_conv = with_conv
        if with_conv:
            self.conv = nn.Conv2d(c, c, 3, 1, 1) if up else nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        if self.up:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            return self.conv(x) if self.with_conv else x
        if self.with_conv:
            return self.conv(F.pad(x, (0, 1, 0, 1)))
        return F.avg_pool2d(x, 2, 2)


class Model(nn.Module):
    def __init__(self, ch=128, out_ch=3, ch_mult=(1, 2, 2, 2), num_res_blocks=2,
                 attn_resolutions=(16,), dropout=0.1, in_channels=3, resamp_with_conv=True,
                 resolution=32):
        super().__init__()
        self.ch, self.levels, self.nrb = ch, len(ch_mult), num_res_blocks
        temb_ch = 4 * ch
        self.temb = nn.Module()
        self.temb.dense = nn.ModuleList([nn.Linear(ch, temb_ch), nn.Linear(temb_ch, temb_ch)])
        self.conv_in = nn.Conv2d(in_channels, ch, 3, 1, 1)
        in_mult = (1,) + tuple(ch_mult)
        res = resolution
        self.down = nn.ModuleList()
        for i in range(self.levels):
            level = nn.Module()
            level.block, level.attn = nn.ModuleList(), nn.ModuleList()
            c = ch * in_mult[i]
            for _ in range(num_res_blocks):
                level.block.append(ResnetBlock(c, ch * ch_mult[i], temb_ch, dropout))
                c = ch * ch_mult[i]
                if res in attn_resolutions:
                    level.attn.append(AttnBlock(c))
            if i != self.levels - 1:
                level.downsample = Resample(c, resamp_with_conv, up=False)
                res //= 2
            self.down.append(level)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(c, c, temb_ch, dropout)
        self.mid.attn_1 = AttnBlock(c)
        self.mid.block_2 = ResnetBlock(c, c, temb_ch, dropout)
        self.up = nn.ModuleList()
        for i in reversed(range(self.levels)):
            level = nn.Module()
            level.block, level.attn = nn.ModuleList(), nn.ModuleList()
            for j in range(num_res_blocks + 1):
                skip = ch * (in_mult[i] if j == num_res_blocks else ch_mult[i])
                level.block.append(ResnetBlock(c + skip, ch * ch_mult[i], temb_ch, dropout))
                c = ch * ch_mult[i]
                if res in attn_resolutions:
                    level.attn.append(AttnBlock(c))
            if i != 0:
                level.upsample = Resample(c, resamp_with_conv, up=True)
                res *= 2
            self.up.insert(0, level)
        self.norm_out = normalize(c)
        self.conv_out = nn.Conv2d(c, out_ch, 3, 1, 1)

    def forward(self, x, t):
        temb = timestep_embedding(t, self.ch)
        temb = self.temb.dense[1](swish(self.temb.dense[0](temb)))
        hs = [self.conv_in(x)]
        for i in range(self.levels):
            for j in range(self.nrb):
                h = self.down[i].block[j](hs[-1], temb)
                if len(self.down[i].attn) > 0:
                    h = self.down[i].attn[j](h)
                hs.append(h)
            if i != self.levels - 1:
                hs.append(self.down[i].downsample(hs[-1]))
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(hs[-1], temb)), temb)
        for i in reversed(range(self.levels)):
            for j in range(self.nrb + 1):
                h = self.up[i].block[j](torch.cat([h, hs.pop()], dim=1), temb)
                if len(self.up[i].attn) > 0:
                    h = self.up[i].attn[j](h)
            if i != 0:
                h = self.up[i].upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


CONFIGS = {
    "cifar10": (dict(ch_mult=(1, 2, 2, 2), dropout=0.1, resolution=32), 35_746_307),
    "lsun256": (dict(ch_mult=(1, 1, 2, 2, 4, 4), dropout=0.0, resolution=256), 113_673_219),
}


def main():
    parser = argparse.ArgumentParser(description="PyTorch eager U-Net forward timing")
    parser.add_argument("--config", choices=sorted(CONFIGS), default="cifar10")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time (meaningful with --threads 1)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    torch.manual_seed(0)
    config, expected = CONFIGS[args.config]
    model = Model(**config).eval()
    params = sum(p.numel() for p in model.parameters())
    assert params == expected, params
    size = config["resolution"]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{args.config} U-Net {params:,} parameters, {size}x{size}")
    with torch.inference_mode():
        for batch in args.batch:
            x = torch.randn(batch, 3, size, size)
            t = torch.randint(0, 1000, (batch,)).float()
            calls = args.calls if batch == 1 else max(5, args.calls // 3)
            for _ in range(args.warmup if batch == 1 else 2):
                model(x, t)
            times = []
            for _ in range(calls):
                start = clock()
                model(x, t)
                times.append((clock() - start) * 1e3)
            print(f"batch {batch:3d}: median {statistics.median(times):8.2f} ms per call ({args.clock}) "
                  f"(min {min(times):.2f}, {calls} calls)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB (weights {params * 4 / 1e6:.0f} MB fp32)")


if __name__ == "__main__":
    main()
