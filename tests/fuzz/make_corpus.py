#!/usr/bin/env python3
"""Writes the seed corpus of the bnkit fuzz target (tests/fuzz/corpus/seed-*).

Each seed is one input in the format docs/fuzzing.md describes ("Input format") and
tests/fuzz/fuzz_input.hpp decodes: a header of fixed fields, then one byte per data value.
The seeds name a valid call of every function on several shapes and kernel paths, and one
example of each class of bad input, so the fuzzer starts from calls that get past the
argument checks. Rerun after changing the format:  python3 tests/fuzz/make_corpus.py
"""
import os
import random

OPS = {"shape": 0, "fold": 1, "invstd": 2, "infer": 3, "train": 4, "backward": 5,
       # float16 ops: op bytes from 0xE0 (fuzz_input.hpp), so the bytes above keep their meaning
       "infer_f16": 0xE0, "train_f16": 0xE1, "backward_f16": 0xE2, "f16_to_f32_n": 0xE3, "f16_from_f32_n": 0xE4,
       "stats": 0xE5, "backward_sums": 0xE6, "stats_merge": 0xE7, "stats_finalize": 0xE8}
ISA = {"keep": 0, "auto": 8, "scalar": 1, "sse2": 2, "avx2": 3, "avx512": 4, "neon": 5, "neon64": 6, "bad7": 7,
       "minus1": 0xF0, "int_max": 0xF7}
MODE = {"init": 0, "zeroed": 0xC0, "garbage": 0xC1, "tampered": 0xC2}
# byte values whose decoded meaning the seeds use (fuzz_input.hpp)
DIM_SIZE_MAX, DIM_HALF, DIM_2_32, DIM_2_63 = 0xF0, 0xF1, 0xF8, 0xFC
AXIS_INT_MIN, AXIS_INT_MAX = 0xF0, 0xF1
EPS = {"1e-3": 0, "1e-5": 1, "keras_floor": 2, "0.1": 3, "0": 7, "nan": 0xF0, "inf": 0xF2, "negative": 0xF4,
       "denorm": 0xF6}
MOMENTUM = {"0.99": 0, "0.9": 1, "0": 2, "1": 3, "nan": 0xF0, "1.1": 0xF4, "-1e-300": 0xF5}
WS = {"exact": 0, "more": 3, "short1": 0xC0, "short16": 0xCF, "none": 0xF0, "huge_claim": 0xF8}


def axis_byte(a):
    return a + 6


def value_bytes(count, rng, special_every=0):
    out = bytearray()
    for i in range(count):
        if special_every and i % special_every == special_every - 1:
            out.append(rng.choice([0xF0, 0xF2, 0xF3, 0xF4, 0xF7, 0xF9]))
        else:
            out.append(rng.randrange(0, 0xF0))
    return bytes(out)


def case(op, dims=(2, 3, 4), axes=(1,), isa="keep", mode="init", tamper=0, garbage=b"", fold_channels=5,
         eps="1e-3", momentum="0.99", moving_variance=0, update=0, phase=0, nulls=(), ws="exact",
         offsets=(0,) * 9, alias=((0, 0, 0), (0, 0, 0)), values=64, special_every=0, rank=None, seed=0,
         counts=(3, 5)):
    rng = random.Random(seed)
    b = bytearray([OPS[op]])
    b.append(len(dims) if rank is None else rank)
    dim_bytes = [d if d >= 0xF0 else d for d in dims] + [1] * (8 - len(dims))
    b += bytes(dim_bytes[:8])
    b.append(len(axes))
    b += bytes([a if a >= 0xF0 else axis_byte(a) for a in axes] + [6] * (8 - len(axes)))
    b.append(ISA[isa])
    b.append(MODE[mode])
    b.append(tamper)
    if mode == "garbage":
        b += garbage.ljust(40, b"\0")
    b.append(fold_channels - 1 if 1 <= fold_channels <= 64 else fold_channels)
    b.append(EPS[eps])
    b.append(MOMENTUM[momentum])
    b += bytes([moving_variance, update, phase])
    mask = sum(1 << i for i in nulls)
    b += bytes([0xE0 if nulls else 0]) + mask.to_bytes(2, "little")
    b.append(WS[ws])
    b += bytes(offsets)
    for a in alias:
        b += bytes(a)
    if op in ("stats_merge", "stats_finalize"):  # count bytes: b % 9 below 0xF0, else specials
        b += bytes(counts)
    b += value_bytes(values, rng, special_every)
    return bytes(b)


def seeds():
    s = {}
    # bnkit_bn_desc_init: valid shapes of every rank, then each class of bad shape
    s["init-rank1"] = case("shape", dims=(7,), axes=(0,))
    s["init-nchw"] = case("shape", dims=(2, 3, 4, 5), axes=(1,))
    s["init-nhwc-negative-axis"] = case("shape", dims=(2, 4, 5, 3), axes=(-1,))
    s["init-rank5-three-axes"] = case("shape", dims=(2, 3, 2, 2, 3), axes=(3, 1, 2))
    s["init-rank0"] = case("shape", dims=(), axes=(0,))
    s["init-rank6"] = case("shape", dims=(1, 2, 1, 2, 1, 2), axes=(1,))
    s["init-rank-uint32-max"] = case("shape", dims=(2, 2), axes=(0,), rank=0xFF)
    s["init-axis-out-of-range"] = case("shape", dims=(2, 3), axes=(2,))
    s["init-axis-int-min"] = case("shape", dims=(2, 3), axes=(AXIS_INT_MIN,))
    s["init-duplicate-axes"] = case("shape", dims=(2, 3, 4), axes=(1, -2))
    s["init-not-adjacent"] = case("shape", dims=(2, 3, 4), axes=(0, 2))
    s["init-no-axes"] = case("shape", dims=(2, 3), axes=())
    s["init-zero-dim-beside-size-max"] = case("shape", dims=(0, DIM_SIZE_MAX, 3), axes=(1,))
    s["init-overflow"] = case("shape", dims=(DIM_HALF, 3), axes=(0,))
    s["init-overflow-wraps"] = case("shape", dims=(DIM_2_63, 2, 2), axes=(1,))
    s["init-largest-channels"] = case("shape", dims=(0xF6, 1), axes=(0,))
    s["init-channels-workspace-overflows"] = case("shape", dims=(0xF7, 1), axes=(0,))
    s["init-null-desc"] = case("shape", nulls=(9,))
    s["init-null-dims"] = case("shape", nulls=(11,))
    # bnkit_bn_desc_set_isa / bnkit_bn_workspace_size on good and bad descriptors
    for name in ["scalar", "sse2", "avx2", "avx512", "neon", "neon64", "bad7", "minus1", "int_max", "auto"]:
        s["set-isa-" + name] = case("shape", isa=name)
    s["desc-zeroed"] = case("infer", mode="zeroed")
    s["desc-garbage"] = case("train", mode="garbage", garbage=bytes(range(1, 41)))
    for kind in range(8):
        s["desc-tampered-%d" % kind] = case("backward", mode="tampered", tamper=kind, isa="avx2" if kind == 5 else "keep")
    # bnkit_bn_fold_f32 and bnkit_bn_invstd_f32
    s["fold"] = case("fold", fold_channels=17, values=80, seed=1)
    s["fold-no-gamma-beta"] = case("fold", fold_channels=9, nulls=(0, 1), seed=2)
    s["fold-in-place"] = case("fold", fold_channels=8, alias=((1, 0, 0), (1, 1, 0)), seed=3)
    s["fold-overlap"] = case("fold", fold_channels=8, alias=((2, 0x42, 4), (0, 0, 0)))
    s["fold-nan-epsilon"] = case("fold", eps="nan")
    s["fold-zero-channels"] = case("fold", fold_channels=0xF8)
    s["fold-huge-channels"] = case("fold", fold_channels=0xFB)
    s["invstd"] = case("invstd", fold_channels=33, eps="keras_floor", seed=4)
    s["invstd-in-place"] = case("invstd", fold_channels=6, alias=((1, 0, 0), (0, 0, 0)), seed=5)
    s["invstd-negative-epsilon"] = case("invstd", eps="negative")
    # bnkit_bn_infer_f32 on each path, odd shapes, unaligned and in place
    for isa in ["scalar", "sse2", "avx2", "avx512"]:
        s["infer-" + isa] = case("infer", dims=(2, 3, 13), axes=(1,), isa=isa, values=160, seed=6)
    s["infer-nhwc-unaligned"] = case("infer", dims=(3, 5, 7), axes=(-1,), offsets=(1, 2, 3, 5) + (0,) * 5, seed=7)
    s["infer-in-place"] = case("infer", dims=(4, 9), axes=(1,), alias=((1, 0, 0), (0, 0, 0)), seed=8)
    s["infer-partial-overlap"] = case("infer", dims=(4, 9), axes=(1,), alias=((2, 0x10, 4), (0, 0, 0)))
    s["infer-specials"] = case("infer", dims=(2, 4, 6), axes=(1,), isa="avx2", special_every=5, seed=9)
    # bnkit_bn_train_f32
    for isa in ["sse2", "avx2", "avx512"]:
        s["train-" + isa] = case("train", dims=(3, 4, 11), axes=(1,), isa=isa, values=200, seed=10)
    s["train-unbiased-assign-sub"] = case("train", dims=(5, 3, 2, 3), axes=(1,), moving_variance=1, update=1, seed=11)
    s["train-n1"] = case("train", dims=(1, 6), axes=(1,), moving_variance=1, seed=12)
    s["train-no-moving"] = case("train", dims=(4, 5), axes=(-1,), nulls=(4, 5), seed=13)
    s["train-one-moving-null"] = case("train", nulls=(5,))
    s["train-no-gamma-beta-in-place"] = case("train", nulls=(2, 3), alias=((1, 0, 0), (0, 0, 0)), seed=14)
    s["train-unaligned-workspace"] = case("train", dims=(2, 7, 9), axes=(1,), offsets=(1, 3, 5, 7, 9, 11, 13, 15, 3),
                                          ws="huge_claim", seed=15)
    s["train-workspace-short"] = case("train", ws="short1")
    s["train-workspace-overlaps-x"] = case("train", alias=((2, 0x87, 5), (0, 0, 0)))
    s["train-bad-momentum"] = case("train", momentum="1.1")
    s["train-bad-enum"] = case("train", moving_variance=2)
    s["train-epsilon-zero-constant-channel"] = case("train", dims=(4, 2), axes=(1,), eps="0", values=0)
    # bnkit_bn_backward_f32
    for isa in ["sse2", "avx2", "avx512"]:
        s["backward-" + isa] = case("backward", dims=(3, 5, 9), axes=(1,), isa=isa, values=300, seed=16)
    s["backward-inference"] = case("backward", dims=(2, 6, 5), axes=(1,), phase=1, isa="avx2", seed=17)
    s["backward-dx-is-dy"] = case("backward", alias=((1, 1, 0), (0, 0, 0)), seed=18)
    s["backward-dx-is-x"] = case("backward", alias=((1, 0, 0), (0, 0, 0)), seed=19)
    s["backward-no-outputs"] = case("backward", nulls=(2, 5, 6, 7), seed=20)
    s["backward-bad-phase"] = case("backward", phase=2)
    s["backward-dgamma-on-gamma"] = case("backward", alias=((2, 0x65, 3), (0, 0, 0)))
    # float16 ops: bnkit_bn_infer_f16 / train_f16 / backward_f16 (same arguments as _f32, halves
    # for the tensors), bulk conversions (n from the fold channels field)
    for isa in ["sse2", "avx2", "avx512"]:
        s["infer-f16-" + isa] = case("infer_f16", dims=(2, 3, 13), axes=(1,), isa=isa, values=160, seed=21)
        s["train-f16-" + isa] = case("train_f16", dims=(3, 4, 11), axes=(1,), isa=isa, values=200, seed=22)
        s["backward-f16-" + isa] = case("backward_f16", dims=(3, 5, 9), axes=(1,), isa=isa, values=300, seed=23)
    s["infer-f16-in-place-unaligned"] = case("infer_f16", dims=(3, 5, 7), axes=(-1,), offsets=(1, 3, 2, 5) + (0,) * 5,
                                             alias=((1, 0, 0), (0, 0, 0)), special_every=7, seed=24)
    s["infer-f16-one-half-overlap"] = case("infer_f16", dims=(4, 9), axes=(1,), alias=((2, 0x10, 4), (0, 0, 0)))
    s["train-f16-no-moving-unbiased"] = case("train_f16", dims=(5, 3, 2, 3), axes=(1,), moving_variance=1,
                                             nulls=(4, 5), seed=25)
    s["train-f16-workspace-short"] = case("train_f16", ws="short1")
    s["backward-f16-dx-is-dy-inference"] = case("backward_f16", phase=1, alias=((1, 1, 0), (0, 0, 0)), seed=26)
    s["backward-f16-bad-phase"] = case("backward_f16", phase=2)
    for op in ["f16_to_f32_n", "f16_from_f32_n"]:
        s[op] = case(op, fold_channels=37, offsets=(3, 1) + (0,) * 7, special_every=5, seed=27)
        s[op + "-empty"] = case(op, fold_channels=0xF8)
        s[op + "-overflow"] = case(op, fold_channels=0xF9)
        s[op + "-in-place"] = case(op, fold_channels=8, alias=((2, 0x10, 3), (0, 0, 0)))
        s[op + "-null"] = case(op, nulls=(1,))
    # bnkit_bn_stats_f32, bnkit_bn_backward_sums_f32 (stats.h)
    for isa in ["sse2", "avx2", "avx512"]:
        s["stats-" + isa] = case("stats", dims=(3, 4, 11), axes=(1,), isa=isa, values=200, seed=28)
        s["backward-sums-" + isa] = case("backward_sums", dims=(3, 5, 9), axes=(1,), isa=isa, values=300, seed=29)
    s["stats-nhwc-unaligned"] = case("stats", dims=(5, 3, 7), axes=(-1,), offsets=(1, 1, 3, 5, 7) + (0,) * 4, seed=30)
    s["stats-count-on-mean"] = case("stats", alias=((2, 0x21, 3), (0, 0, 0)))
    s["stats-workspace-short"] = case("stats", ws="short16")
    s["backward-sums-null-invstd"] = case("backward_sums", nulls=(3,))
    s["backward-sums-output-on-input"] = case("backward_sums", alias=((2, 0x42, 3), (0, 0, 0)))
    # bnkit_bn_stats_merge_f32, bnkit_bn_stats_finalize_f32 (counts after the overlap fields)
    s["merge"] = case("stats_merge", fold_channels=19, counts=(4, 7), seed=31)
    s["merge-into-a"] = case("stats_merge", fold_channels=9, alias=((1, 0, 0), (1, 2, 0)), seed=32)
    s["merge-empty-side"] = case("stats_merge", fold_channels=5, counts=(0, 6), special_every=3, seed=33)
    s["merge-both-empty"] = case("stats_merge", fold_channels=5, counts=(0, 0), seed=34)
    s["merge-count-overflow"] = case("stats_merge", counts=(0xF0, 0xF8))
    s["merge-huge-counts"] = case("stats_merge", fold_channels=7, counts=(0xF4, 0xF6), seed=35)
    s["merge-mean-on-m2"] = case("stats_merge", alias=((2, 0x51, 3), (0, 0, 0)))
    s["merge-zero-channels"] = case("stats_merge", fold_channels=0xF8)
    s["finalize"] = case("stats_finalize", fold_channels=23, counts=(7, 0), seed=36)
    s["finalize-in-place"] = case("stats_finalize", fold_channels=8, alias=((1, 0, 0), (0, 0, 0)), seed=37)
    s["finalize-count-zero"] = case("stats_finalize", counts=(0, 0))
    s["finalize-partial-overlap"] = case("stats_finalize", alias=((2, 0x10, 4), (0, 0, 0)))
    return s


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.remove(os.path.join(out, name))
    for name, data in seeds().items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
