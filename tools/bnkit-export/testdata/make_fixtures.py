#!/usr/bin/python3
"""Make bnkit-export's test fixtures. Run ONCE, from this directory, with Debian's NumPy:

    sudo apt-get install -y python3-numpy
    /usr/bin/python3 make_fixtures.py

The outputs are committed; CI never runs this (it needs no NumPy). The archives are written
by NumPy's own np.savez / np.savez_compressed / np.save, exactly as a user would write them
from Keras (layer.get_weights()) or from a MindSpore checkpoint's parameter dict
(mindspore.load_checkpoint gives {name: Parameter}; .asnumpy() on each). Each archive or .npy
set also gets a <name>.params.txt: every 1-D array as "name v0 v1 ...", values printed with
Python's repr (shortest round-trip decimal of the float64 value), so the round-trip tests
read the parameters through a path that shares no code with bnkit-export.
Seeded: re-running reproduces the same numbers (NumPy 1.24.2, Debian 12).
"""
import io
import zipfile

import numpy as np

rng = np.random.default_rng(20240607)


def bn_params(c, dtype=np.float32):
    """Parameters as a trained layer has them: gamma near 1, small beta, spread statistics."""
    gamma = rng.normal(1.0, 0.2, c)
    beta = rng.normal(0.0, 0.3, c)
    mean = rng.normal(0.0, 2.0, c)
    var = rng.uniform(0.05, 4.0, c)
    return [a.astype(dtype) for a in (gamma, beta, mean, var)]


def write_params_txt(path, named):
    with open(path, "w") as f:
        for name, a in named.items():
            if a.ndim == 1:
                f.write(name + " " + " ".join(repr(float(v)) for v in a) + "\n")


# Keras, np.savez(f, *layer.get_weights()): stored members arr_0..arr_3.
g, b, m, v = bn_params(8)
np.savez("keras_savez.npz", g, b, m, v)
write_params_txt("keras_savez.params.txt", {"gamma": g, "beta": b, "moving_mean": m, "moving_variance": v})

# Keras center=False, np.savez_compressed: deflated members arr_0..arr_2 = gamma, mean, var.
g, _, m, v = bn_params(8)
np.savez_compressed("keras_compressed_nocenter.npz", g, m, v)
write_params_txt("keras_compressed_nocenter.params.txt", {"gamma": g, "moving_mean": m, "moving_variance": v})

# Keras, named members, float64 (weights handled in double precision before saving).
g, b, m, v = bn_params(5, np.float64)
np.savez("keras_named_f64.npz", gamma=g, beta=b, moving_mean=m, moving_variance=v)
write_params_txt("keras_named_f64.params.txt", {"gamma": g, "beta": b, "moving_mean": m, "moving_variance": v})

# MindSpore checkpoint parameters (a small ResNet-like cell tree), savez_compressed: two
# BatchNorm2d layers, a conv weight, the Momentum optimizer's moments (which share the
# '.gamma'/'.beta' suffixes but are no layer) and scalar training state.
ckpt = {"backbone.conv1.weight": rng.normal(0, 0.1, (4, 3, 3, 3)).astype(np.float32)}
for prefix, c in (("backbone.bn1", 4), ("backbone.layer1.0.bn2", 6)):
    g, b, m, v = bn_params(c)
    ckpt.update({prefix + ".gamma": g, prefix + ".beta": b, prefix + ".moving_mean": m, prefix + ".moving_variance": v})
    ckpt["moments." + prefix + ".gamma"] = rng.normal(0, 0.01, c).astype(np.float32)
    ckpt["moments." + prefix + ".beta"] = rng.normal(0, 0.01, c).astype(np.float32)
ckpt["learning_rate"] = np.array(0.01, np.float32)
ckpt["global_step"] = np.array([1200], np.int32)
np.savez_compressed("mindspore_ckpt.npz", **ckpt)
write_params_txt("mindspore_ckpt.params.txt", ckpt)

# Four .npy files in three dtypes: float16 gamma, float32 beta, float64 statistics.
g, b, m, v = bn_params(3)
np.save("npy_gamma_f16.npy", g.astype(np.float16))
np.save("npy_beta.npy", b)
np.save("npy_moving_mean_f64.npy", m.astype(np.float64))
np.save("npy_moving_variance_f64.npy", v.astype(np.float64))
write_params_txt("npy_set.params.txt", {"gamma": g.astype(np.float16), "beta": b, "moving_mean": m.astype(np.float64),
                                        "moving_variance": v.astype(np.float64)})

# Bad inputs for the error tests.
g, b, m, v = bn_params(4)
np.savez("bad_lengths.npz", g, b, m[:3], v)
np.savez("bad_negative_variance.npz", g, b, m, np.array([1.0, -0.5, 2.0, 1.0], np.float32))
np.savez("bad_nan.npz", g, np.array([0.0, np.nan, 0.1, 0.2], np.float32), m, v)
np.savez("bad_f64_overflow.npz", g.astype(np.float64), b, m, np.array([1.0, 1e300, 2.0, 1.0]))
np.savez("bad_matrix.npz", g, b, m, np.ones((2, 2), np.float32))
# corrupt: a good stored archive with one data byte flipped (the CRC check must catch it),
# and one cut in half (the central directory is gone).
buf = io.BytesIO()
np.savez(buf, g, b, m, v)
data = bytearray(buf.getvalue())
with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
    info = z.getinfo("arr_1.npy")
local_extra = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")  # NumPy's zip64 field
flip_at = info.header_offset + 30 + len(info.filename) + local_extra + 128 + 5  # arr_1's second float (128-byte .npy header)
data[flip_at] ^= 0x40
open("bad_crc.npz", "wb").write(bytes(data))
open("bad_truncated.npz", "wb").write(buf.getvalue()[: len(buf.getvalue()) // 2])
# A zero variance: with epsilon 0 it cannot be pre-folded (scale would be infinite).
np.save("zero_variance.npy", np.zeros(3, np.float32))

# Keras renorm=True, np.savez(f, *layer.get_weights()): 7 members, gamma, beta, moving_mean,
# moving_variance, then moving_stddev, renorm_mean, renorm_stddev (Keras' creation order).
# Drawn last so the fixtures above keep their numbers. The renorm variables are not needed for
# inference; a trained layer has moving_stddev ~ sqrt(moving_variance), which the values mimic.
g, b, m, v = bn_params(6)
np.savez("keras_renorm.npz", g, b, m, v, np.sqrt(v), m + np.float32(0.01), np.sqrt(v) * np.float32(1.01))
write_params_txt("keras_renorm.params.txt", {"gamma": g, "beta": b, "moving_mean": m, "moving_variance": v})
