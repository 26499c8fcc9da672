#!/usr/bin/python3
"""Writes small .npy files with numpy itself into tests/data/npy/ so the C++ reader is tested
against the reference writer. Values are arange-based so the tests can state them in closed form.
Run: /usr/bin/python3 scripts/make_npy_fixtures.py"""
import os

import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "npy")
os.makedirs(out, exist_ok=True)
a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8  # a[i, j, k] = (12 i + 4 j + k) / 8
np.save(os.path.join(out, "f32_2x3x4.npy"), a)
np.save(os.path.join(out, "f64_fortran_2x3x4.npy"), np.asfortranarray(a.astype(np.float64)))
np.save(os.path.join(out, "f16_2x3x4.npy"), a.astype(np.float16))
np.save(os.path.join(out, "i32_2x3x4.npy"), (a * 8).astype(np.int32))
np.save(os.path.join(out, "f32_vector5.npy"), np.arange(5, dtype=np.float32))
np.save(os.path.join(out, "big_endian.npy"), a.astype(">f4"))
