#!/usr/bin/python3
"""Writes tests/data/timesteps_numpy.txt: step sequences computed with numpy exactly as the
reference code defines them (ermongroup/ddim `skip_type` uniform and quad; diffusers
`timestep_spacing` leading, trailing, linspace), ascending. The C++ tests compare against it.
Run: /usr/bin/python3 scripts/make_timestep_reference.py"""
import os

import numpy as np

T = 1000
lines = []
for S in [1, 2, 3, 5, 7, 10, 20, 30, 33, 50, 64, 99, 100, 250, 333, 500, 999, 1000]:
    seqs = {
        "uniform": list(range(0, T, T // S)),
        "quad": [int(s) for s in list(np.linspace(0, np.sqrt(T * 0.8), S) ** 2)],
        "leading": list(np.arange(0, S) * (T // S)),
        "trailing": list((np.round(np.arange(T, 0, -T / S)).astype(np.int64) - 1)[::-1]),
        "linspace": list(np.linspace(0, T - 1, S).round().astype(np.int64)),
    }
    for name, v in seqs.items():
        lines.append(f"{name} {S} " + " ".join(str(int(x)) for x in v))
out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "timesteps_numpy.txt")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
