#!/usr/bin/python3
"""Writes the weight-file fixtures in tests/data/weights/ (run once; outputs are committed).

Usage:  /usr/bin/python3 scripts/make_weight_fixtures.py   (Debian's python3-torch 1.13, python3-numpy)

Deterministic: fixed seeds, fixed values, and torch.save's zip writer stores no timestamps that
vary between runs of the same torch build. Every file is a few KB (about 45 KB in all).

Files (read by tests/torch_checkpoint_test.cpp and tests/safetensors_test.cpp):
  plain_state_dict.pt        torch.save(OrderedDict) with every dtype the readers support, a
                             transposed (non-contiguous) tensor, a view with a storage offset and
                             a 0-dim tensor.
  plain_dict.bin             torch.save(dict) (diffusers .bin style), diffusers names, including
                             an attention weight stored as Linear (C, C).
  official_training_list.pth [model_state ("module." keys via nn.DataParallel), Adam
                             optimizer_state, epoch, step, ema_state] as ermongroup/ddim saves it;
                             EMA values differ from the model's so a test can tell which was read.
  training_list_no_ema.pth   [model_state, optimizer_state, epoch, step]: no EMA entry.
  wrapped_state_dict.pt      {"state_dict": OrderedDict, "epoch": 7}.
  malicious_os_system.pt     a zip checkpoint whose data.pkl would call os.system (the global is
                             posix.system on Linux) when unpickled by Python. Never torch.load it.
  legacy_format.pt           torch.save(..., _use_new_zipfile_serialization=False) (pre-1.6
                             format), storage keys pinned so that the bytes are reproducible.
  reference.safetensors      written by this script's own minimal writer (the published format:
                             u64 LE header length, JSON header, raw data), header keys in a
                             different order from the data, with __metadata__.
  values_p{2,4,5}.pkl        pickle.dumps of a dict of plain values (ints of every width, float,
                             str, tuples, list, shared list, OrderedDict, 1500-item list) at
                             protocols 2, 4 and 5 (bytes only from 4), for tests/pickle_test.cpp.
  evil_*.pkl                 pickles that would call posix.system (protocol 2 GLOBAL and protocol
                             4 STACK_GLOBAL), builtins.eval, subprocess.Popen and
                             torch.storage._load_from_bytes. Never unpickle them in Python.
  *.expected.txt             the values each fixture must yield, written independently of the
                             files: one line per tensor, `name dtype d0,d1,.. v0 v1 ...` (values in
                             C order, repr of the exact double; bool as 0/1; `-` for a 0-dim shape).
"""
import collections
import io
import json
import os
import pickle
import re
import struct
import subprocess

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "weights")


def write_expected(path, tensors):
    with open(path, "w") as f:
        for name, t in tensors.items():
            t = t.detach().contiguous()
            dtype = str(t.dtype).replace("torch.", "")
            shape = ",".join(str(d) for d in t.shape) if t.dim() > 0 else "-"
            values = t.reshape(-1)
            values = values.to(torch.float64) if values.is_floating_point() else values.to(torch.int64)
            f.write(" ".join([name, dtype, shape] + [repr(v) for v in values.tolist()]) + "\n")


def all_dtypes():
    g = torch.Generator().manual_seed(1234)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8.0
    d = collections.OrderedDict()
    d["f32"] = torch.randn(2, 3, generator=g)
    d["f64"] = torch.randn(3, generator=g, dtype=torch.float64)
    d["f16"] = torch.tensor([0.5, -1.25, 65504.0, 6.1035e-05], dtype=torch.float16)
    d["bf16"] = torch.tensor([[1.0, -2.5], [3.140625, 1e-3]], dtype=torch.bfloat16)
    d["i64"] = torch.tensor([-(2 ** 40), 0, 2 ** 40 + 3], dtype=torch.int64)
    d["i32"] = torch.tensor([-7, 2 ** 30], dtype=torch.int32)
    d["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    d["i8"] = torch.tensor([-128, 127, 5], dtype=torch.int8)
    d["u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True])
    d["transposed"] = base.t()                 # size (4, 3), stride (1, 4)
    d["view_with_offset"] = base[1:, 1:3]      # offset 5, size (2, 2), stride (4, 1)
    d["scalar"] = torch.tensor(2.75)
    d["empty"] = torch.zeros(0, 3)
    return d


class Tiny(torch.nn.Module):
    """Official-style names: conv_in, temb.dense.0, norm_out."""

    def __init__(self):
        super().__init__()
        self.conv_in = torch.nn.Conv2d(2, 3, 1)
        self.temb = torch.nn.Module()
        self.temb.dense = torch.nn.ModuleList([torch.nn.Linear(3, 2)])
        self.norm_out = torch.nn.GroupNorm(1, 3)

    def forward(self, x):
        h = self.norm_out(self.conv_in(x))
        return h.mean() + self.temb.dense[0](h.mean(dim=(2, 3))).sum()


def training_states():
    torch.manual_seed(0)
    model = torch.nn.DataParallel(Tiny())  # CPU only: keys get the "module." prefix all the same
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=0.0, betas=(0.9, 0.999),
                                 amsgrad=False, eps=1e-8)
    loss = model(torch.randn(2, 2, 4, 4))
    loss.backward()
    optimizer.step()
    # EMAHelper.state_dict() is a plain dict of parameter clones without the prefix.
    ema = {name: (p.data.clone() * 0.5 + 1.0) for name, p in model.module.named_parameters()}
    return model, optimizer, ema


def write_safetensors(path, tensors, metadata):
    """Minimal independent writer: header keys in reverse order of the data layout."""
    names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
             torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.int16: "I16",
             torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        # numpy has no bfloat16: take its bits as int16.
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    ordered = {"__metadata__": metadata}
    for name in reversed(list(header)):
        ordered[name] = header[name]
    text = json.dumps(ordered, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_legacy(path, obj):
    """The pre-1.6 format names storages by memory address; pin those keys so runs match."""
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    keys = {}

    def pin(m):
        if struct.unpack("<I", m.group(1))[0] != len(m.group(2)):
            return m.group(0)
        new = keys.setdefault(m.group(2), str(len(keys)).encode())
        return b"X" + struct.pack("<I", len(new)) + new

    data = re.sub(rb"X(.{4})(\d{6,})", pin, data, flags=re.S)
    with open(path, "wb") as f:
        f.write(data)
    assert torch.equal(torch.load(path)["w"], obj["w"])


class Calls:
    """Pickles as a call of `func(*args)`: what a malicious checkpoint does."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def write_pickles(p):
    shared = [1, 2]
    values = {"small": 5, "neg": -3, "u16": 40000, "i32min": -2 ** 31, "big": 2 ** 40,
              "huge_neg": -2 ** 62, "float": 0.1, "str": "h\u00e9llo", "tuple": (1, 2.5, "x"),
              "tuple1": (None,), "list": [None, True, False], "nested": {"a": shared, "b": shared},
              "od": collections.OrderedDict([("k", 1)]), "range": list(range(1500))}
    for proto in (2, 4, 5):
        if proto >= 3:
            values["bytes"] = b"\x00\x01"  # protocol 2 spells bytes as a _codecs.encode call
        with open(p(f"values_p{proto}.pkl"), "wb") as f:
            f.write(pickle.dumps(values, protocol=proto))
    evil = {"posix_system_p2": (Calls(os.system, "echo never"), 2),
            "posix_system_p4": (Calls(os.system, "echo never"), 4),
            "builtins_eval": (Calls(eval, "1 + 1"), 2),
            "subprocess_popen": (Calls(subprocess.Popen, ["true"]), 2),
            "load_from_bytes": (Calls(torch.storage._load_from_bytes, b"x"), 4)}
    for name, (obj, proto) in evil.items():
        with open(p(f"evil_{name}.pkl"), "wb") as f:
            f.write(pickle.dumps(obj, protocol=proto, fix_imports=False))


def main():
    os.makedirs(OUT, exist_ok=True)
    p = lambda name: os.path.join(OUT, name)

    d = all_dtypes()
    torch.save(d, p("plain_state_dict.pt"))
    write_expected(p("plain_state_dict.expected.txt"), d)

    sf = collections.OrderedDict((k, v) for k, v in d.items() if k not in ("transposed", "view_with_offset"))
    write_safetensors(p("reference.safetensors"), sf, {"format": "pt", "source": "make_weight_fixtures"})
    write_expected(p("reference.expected.txt"), sf)

    g = torch.Generator().manual_seed(7)
    diffusers = {
        "conv_in.weight": torch.randn(4, 3, 1, 1, generator=g),
        "mid_block.attentions.0.query.weight": torch.randn(4, 4, generator=g),
        "mid_block.attentions.0.query.bias": torch.randn(4, generator=g),
        "time_embedding.linear_1.bias": torch.randn(3, generator=g),
    }
    torch.save(diffusers, p("plain_dict.bin"))
    write_expected(p("plain_dict.expected.txt"), diffusers)

    model, optimizer, ema = training_states()
    states = [model.state_dict(), optimizer.state_dict(), 5, 1234, ema]
    torch.save(states, p("official_training_list.pth"))
    write_expected(p("official_training_list.expected.txt"), ema)
    torch.save(states[:4], p("training_list_no_ema.pth"))
    stripped = collections.OrderedDict((k[len("module."):], v) for k, v in model.state_dict().items())
    write_expected(p("training_list_no_ema.expected.txt"), stripped)

    wrapped = collections.OrderedDict([("b", torch.tensor([1.5, -2.0])), ("a", torch.ones(2, 2))])
    torch.save({"state_dict": wrapped, "epoch": 7}, p("wrapped_state_dict.pt"))
    write_expected(p("wrapped_state_dict.expected.txt"), wrapped)

    torch.save({"weight": torch.ones(2), "payload": Calls(os.system, "echo never")},
               p("malicious_os_system.pt"))
    write_pickles(p)
    write_legacy(p("legacy_format.pt"), collections.OrderedDict([("w", torch.ones(2))]))

    total = sum(os.path.getsize(p(f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
