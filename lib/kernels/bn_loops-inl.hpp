// The two loop drivers every kernel is built from, written once over batch<float, Arch>:
// map_channels (element-wise ops) and reduce_channels (per-channel sums), and a flat
// conversion loop. Tensors are stored as T = float or bnkit_f16: halves are widened on
// load and rounded once on store through half_io<Arch> (half_io.hpp), so the arithmetic
// is the same float32 batch code for both. Each picks its
// loop from the [outer, C, inner] view:
//  - C * inner < W ("short period", e.g. NHWC with 3 channels): the tensor is one flat
//    stream whose channel pattern repeats every P = C * inner elements, so the k-th vector of
//    every P vectors sees the same channel in each lane; per-channel values are expanded once
//    into P pattern vectors (reductions keep P accumulators, folded by channel at the end).
//  - inner == 1 ("channels-last", e.g. NHWC): one contiguous row of C >= W channels per
//    outer index, cut into whole vectors, the last one at C - W overlapping its neighbour
//    when W does not divide C; per-channel values are vectors loaded at the same offsets.
//    Reductions keep a block of channel vectors' accumulators in registers over a tile of rows.
//  - otherwise ("channels-first", e.g. NCHW): one contiguous row of `inner` elements per
//    (outer, channel). Maps walk rows of whole vectors row by row, other rows as one flat
//    stream where a vector that crosses rows takes each row's coefficients in its lanes
//    (select); a slice of channels (a channel block) is one such walk per outer index, or,
//    for rows of a few vectors, chunks of columns across those walks (map_columns).
//    Reductions go channel by channel (rows shorter than 16 vectors: 4 adjacent channels side
//    by side, 2 for two sums), a row's partial last vector read as a whole vector inside the
//    tensor with the lanes outside the row zeroed.
// Partial vectors (the last elements of a tensor or of a channel block's run, short-period
// tails, a streamed walk's head) are masked loads and stores where the arch has them
// (masked_io.hpp), else go through a W-element stack buffer. No load or store ever touches
// memory outside the caller's arrays and no alignment is assumed. Every element goes through
// the same batch arithmetic, wherever it sits, so a map's results do not depend on the loop
// chosen.
//
// Sums are compensated like the reference's: Kahan in every vector lane, each compensated add
// taking the plain sum of a run of up to `group` vectors of terms; lanes are folded into a
// channel's total by Neumaier steps (channels-last, short period) or, where one channel owns
// all lanes (channels-first), by a tree of error-free TwoSums across vectors and lanes, so
// the error stays O(eps) of the terms' magnitudes whatever the count (a plain float sum grows
// as O(n eps)). Two operations per term instead of one (four without runs): in cache, and
// out of cache once blocked (channel_blocks.hpp), the reductions are bound by these
// operations, not by memory (docs/performance.md, "What limits the misses").
//
// Everything here is a member of a template on Arch, and pointer lists are plain arrays: a
// non-template inline function (or a std:: template instantiated identically everywhere)
// compiled in several per-ISA translation units can be merged by the linker into the copy
// built with the widest flags (docs/platform-notes.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "../dispatch/kernel_table.hpp"
#include "half_io.hpp"
#include "masked_io.hpp"
#include "stream_io.hpp"

namespace bnkit::detail {

template <class Arch>
struct loops {
    using batch = xsimd::batch<float, Arch>;
    static constexpr std::size_t W = batch::size;
    static_assert(W <= 16, "lane_numbers() covers up to 16 lanes");

    // Independent accumulators per output in the channels-first reduction: a compensated add
    // is a chain of dependent operations, so several run side by side.
    static constexpr std::size_t unroll = 4;

    // Vectors of terms summed plainly before each compensated add (a run): a Kahan add costs
    // four operations, a plain one one, so a run of `group` terms costs 1 + 4 / group per term
    // (2 instead of 4) while the error stays O(eps) of the terms' magnitudes whatever the count:
    // a run's sum (at most group + 1 vectors: a row's last run may take its partial vector too)
    // is off by at most group eps times its terms' magnitudes, the compensated adds of the runs
    // by 2 eps more.
    static constexpr std::size_t group = 4;

    // n <= W elements at p; lanes from n on are zero. Never reads p[n] or beyond.
    static batch load(const float* p, std::size_t n) noexcept {
        if (n == W) return batch::load_unaligned(p);
        if constexpr (masked_io<Arch>::available) {
            return masked_io<Arch>::load(p, n);
        } else {
            float buf[W] = {};
            for (std::size_t i = 0; i < n; ++i) buf[i] = p[i];
            return batch::load_unaligned(buf);
        }
    }
    static batch load(const bnkit_f16* p, std::size_t n) noexcept {
        if (n == W) return half_io<Arch>::load(p);
        bnkit_f16 buf[W] = {};
        for (std::size_t i = 0; i < n; ++i) buf[i] = p[i];
        return half_io<Arch>::load(buf);
    }

    // Stores the first n <= W lanes of v at p. Never writes p[n] or beyond.
    static void store(float* p, std::size_t n, const batch& v) noexcept {
        if (n == W) return v.store_unaligned(p);
        if constexpr (masked_io<Arch>::available) {
            masked_io<Arch>::store(p, n, v);
        } else {
            float buf[W];
            v.store_unaligned(buf);
            for (std::size_t i = 0; i < n; ++i) p[i] = buf[i];
        }
    }
    static void store(bnkit_f16* p, std::size_t n, const batch& v) noexcept {
        if (n == W) return half_io<Arch>::store(p, v);
        bnkit_f16 buf[W];
        half_io<Arch>::store(buf, v);
        for (std::size_t i = 0; i < n; ++i) p[i] = buf[i];
    }

    // store(p, n, v), as one non-temporal store when Stream and n == W: p must then be
    // vector-aligned and T float (stream_io.hpp).
    template <bool Stream, class T>
    static void store_as(T* p, std::size_t n, const batch& v) noexcept {
        if constexpr (Stream) {
            if (n == W) return stream_io<Arch>::store(p, v);
        }
        store(p, n, v);
    }

    // Elements from p (float-aligned) to the next address aligned to a whole vector.
    static std::size_t to_vector_alignment(const float* p) noexcept {
        return (W - reinterpret_cast<std::uintptr_t>(p) / sizeof(float) % W) % W;
    }

    // The element at p as a float (a half through the same vector conversion).
    static float element(const float* p) noexcept { return *p; }
    static float element(const bnkit_f16* p) noexcept {
        float buf[W];
        load(p, 1).store_unaligned(buf);
        return buf[0];
    }

    // dst[i] = src[i] converted, i < n (float16 <-> float32, or a copy).
    template <class TIn, class TOut>
    static void convert(const TIn* src, TOut* dst, std::size_t n) noexcept {
        std::size_t i = 0;
        for (; i + W <= n; i += W) store(dst + i, W, load(src + i, W));
        if (i < n) store(dst + i, n - i, load(src + i, n - i));
    }

    // v with the lanes outside [from, from + n) set to zero (lanes read beyond the elements
    // being summed must add nothing).
    static batch lanes_in(const batch& v, std::size_t from, std::size_t n) noexcept {
        const batch l = lane_numbers();
        return xsimd::select(l >= batch(static_cast<float>(from)) && l < batch(static_cast<float>(from + n)), v,
                             batch(0.0f));
    }

    // Lane l holds l.
    static batch lane_numbers() noexcept {
        static constexpr float lane_index[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        return batch::load_unaligned(lane_index);
    }

    // out[e] = f(in[0][e], ..., in[NIn-1][e], coef[0][c], ..., coef[K-1][c]) for each element e
    // of channel c; f takes std::array<batch, NIn> and std::array<batch, K>, returns a batch.
    // out may equal any in[j]: each batch is loaded before the same lanes are stored.
    // stream: a float out is written with non-temporal stores where Arch has them
    // (stream_io.hpp), fenced before the return; the same values either way. Channels-last
    // rows stream only as whole aligned vectors (W divides C, out vector-aligned): otherwise
    // each row's partial head and overlapping last vector are plain stores into lines the
    // neighbouring rows stream, and mixing both on one line cost more than plain stores
    // throughout (8x250x56x56 NHWC inference on AVX-512: 2.39-2.69 ms streamed, 1.36 ms plain;
    // bnkit_stream_bench rows/, docs/performance.md, "Changes of 2026-12-03 (3)").
    // prefetch: as it goes, each input is also prefetched (into L2) that many elements ahead,
    // where the caller's next call will read (channel blocks: the next block's rows).
    template <std::size_t NIn, std::size_t K, class T, class F>
    static void map_channels(const view& v, const T* const (&in)[NIn], T* out, const float* const (&coef)[K], F f,
                             bool stream = false, std::size_t prefetch = 0) noexcept {
        if constexpr (std::is_same_v<T, float> && stream_io<Arch>::available) {
            const bool ragged_rows = v.inner == 1 && v.channels >= W && (v.channels % W != 0 || to_vector_alignment(out) != 0);
            if (stream && !ragged_rows && reinterpret_cast<std::uintptr_t>(out) % sizeof(float) == 0) {
                if (prefetch != 0)
                    map_runs<true, true>(v, in, out, coef, f, prefetch);
                else
                    map_runs<true>(v, in, out, coef, f);
                return stream_io<Arch>::fence();
            }
        }
        if (prefetch != 0) return map_runs<false, true>(v, in, out, coef, f, prefetch);
        map_runs<false>(v, in, out, coef, f);
    }

    // map_channels_as over v, or, for a slice of channels (outer_stride > C * inner: a channel
    // block), over each outer index's contiguous run of the slice: one call per block, not one
    // per run (training 32x512x7x7 NCHW calls 832 runs of 980 elements).
    template <bool Stream, bool Prefetch = false, std::size_t NIn, std::size_t K, class T, class F>
    static void map_runs(const view& v, const T* const (&in)[NIn], T* out, const float* const (&coef)[K], F& f,
                         std::size_t prefetch = 0) noexcept {
        const std::size_t run = v.channels * v.inner;
        if (v.outer_stride == run) return map_channels_as<Stream, Prefetch>(v, in, out, coef, f, prefetch);
        if constexpr (!Stream)
            if (v.inner >= W && v.inner < column_walk_row_vectors * W) return map_columns<Prefetch>(v, in, out, coef, f, prefetch);
        for (std::size_t at = 0, end = v.outer * v.outer_stride; at < end; at += v.outer_stride) {
            const T* in_run[NIn];
            for (std::size_t j = 0; j < NIn; ++j) in_run[j] = in[j] + at;
            map_channels_as<Stream, Prefetch>({1, v.channels, v.inner}, in_run, out + at, coef, f, prefetch);
        }
    }

    // Rows shorter than this many vectors make a channel block's runs mostly row ends.
    static constexpr std::size_t column_walk_row_vectors = 4;
    // Vectors per chunk of map_columns; their coefficients take K * 8 vectors of stack (2 KiB
    // on AVX-512 for backward's K = 4). Chunks of 16, 32 and 64 ran as fast.
    static constexpr std::size_t column_chunk = 8;

    // A channel block's runs (a slice of channels, outer_stride > C * inner) of rows of
    // W <= inner < column_walk_row_vectors * W elements, in chunks of column_chunk vectors: the
    // vectors at offset j of every run share their lanes' channels, so a chunk's coefficient
    // vectors (at most two channels per vector) are selected once for all runs, where the flat
    // walk selects them for every vector crossing a row's end (backward NCHW 32x512x7x7: one
    // such vector in four). Each run's part of a chunk is contiguous: a walk of one vector per
    // run (then the next run's, 100 KB on) ran 2x slower. The block is in L2 (its reductions
    // just read it). Each element gets the flat walk's arithmetic: the same bits.
    template <bool Prefetch, std::size_t NIn, std::size_t K, class T, class F>
    static void map_columns(const view& v, const T* const (&in_)[NIn], T* out, const float* const (&coef_)[K], F& f,
                            std::size_t prefetch) noexcept {
        std::array<const T*, NIn> in;
        for (std::size_t j = 0; j < NIn; ++j) in[j] = in_[j];
        std::array<const float*, K> coef;
        for (std::size_t k = 0; k < K; ++k) coef[k] = coef_[k];
        const std::size_t inner = v.inner, run = v.channels * inner, stride = v.outer_stride, end = v.outer * stride;
        const batch lanes = lane_numbers();
        std::array<batch, NIn> xs;
        std::array<std::array<batch, K>, column_chunk> cs;
        // Vector j of the run starts at element at_row of channel c's row.
        for (std::size_t j0 = 0, c = 0, at_row = 0; j0 < run; j0 += column_chunk * W) {
            const std::size_t span = run - j0 < column_chunk * W ? run - j0 : column_chunk * W;
            const std::size_t nv = (span + W - 1) / W, last = span - (nv - 1) * W;
            for (std::size_t u = 0; u < nv; ++u) {
                const std::size_t next = inner - at_row;  // lanes from `next` on: channel c + 1
                for (std::size_t k = 0; k < K; ++k) {
                    cs[u][k] = batch(coef[k][c]);
                    if (next < (u + 1 < nv ? W : last))
                        cs[u][k] = xsimd::select(lanes >= batch(static_cast<float>(next)), batch(coef[k][c + 1]), cs[u][k]);
                }
                at_row += W;
                if (at_row >= inner) {
                    at_row -= inner;
                    ++c;
                }
            }
            for (std::size_t r = j0; r < end; r += stride) {
                for (std::size_t u = 0; u < nv; ++u) {
                    const std::size_t at = r + u * W, n = u + 1 < nv ? W : last;
                    for (std::size_t i = 0; i < NIn; ++i) {
                        if constexpr (Prefetch) __builtin_prefetch(in[i] + at + prefetch, 0, 2);
                        xs[i] = load(in[i] + at, n);
                    }
                    store(out + at, n, f(xs, cs[u]));
                }
            }
        }
    }

    // map_channels, storing whole vectors with stream_io<Arch>::store when Stream. Streaming
    // stores need aligned addresses: flat walks first store the elements before out's first
    // vector-aligned address as a partial vector and continue from there, so every whole
    // vector they store is aligned; channels-last rows stream only when they are whole aligned
    // vectors (map_channels). Partial vectors are stored plainly.
    template <bool Stream, bool Prefetch = false, std::size_t NIn, std::size_t K, class T, class F>
    static void map_channels_as(const view& v, const T* const (&in_)[NIn], T* out, const float* const (&coef_)[K],
                                F& f, std::size_t prefetch = 0) noexcept {
        // Input and coefficient pointers in locals: read through the caller's arrays they are
        // reloaded after every store (the flat channels-first loop: 9 instead of 7 instructions
        // per vector on NEON; channels-last training: 2 more loads per vector on AVX-512).
        std::array<const T*, NIn> in;
        for (std::size_t j = 0; j < NIn; ++j) in[j] = in_[j];
        std::array<const float*, K> coef;
        for (std::size_t k = 0; k < K; ++k) coef[k] = coef_[k];
        std::array<batch, NIn> xs;
        std::array<batch, K> cs;
        auto step = [&](std::size_t at, std::size_t n) {
            for (std::size_t j = 0; j < NIn; ++j) {
                if constexpr (Prefetch) __builtin_prefetch(in[j] + at + prefetch, 0, 2);
                xs[j] = load(in[j] + at, n);
            }
            store_as<Stream>(out + at, n, f(xs, cs));
        };
        // Sizes in locals: read through `v` they are reloaded after every store (the stores
        // may alias the view as far as the compiler knows), 10 instead of 7 instructions per
        // vector on NEON (docs/performance-arm.md).
        const std::size_t C = v.channels, outer = v.outer, inner = v.inner, count = outer * C * inner;
        // Streaming, flat walks: the elements before out's first aligned vector.
        std::size_t head = 0;
        if constexpr (Stream) {
            if (C * inner < W || inner != 1) {
                head = to_vector_alignment(out) < count ? to_vector_alignment(out) : count;
                if (head != 0) {
                    for (std::size_t q = 0; q < K; ++q) cs[q] = expand(coef[q], v, 0);
                    step(0, head);
                }
            }
        }
        if (C * inner < W) {
            const std::size_t P = C * inner;
            std::array<std::array<batch, K>, W> pattern;  // the vectors from element head on
            for (std::size_t k = 0; k < P; ++k)
                for (std::size_t q = 0; q < K; ++q) pattern[k][q] = expand(coef[q], v, k, head);
            for (std::size_t e = head, k = 0; e < count; e += W, k = k + 1 == P ? 0 : k + 1) {
                cs = pattern[k];
                step(e, count - e < W ? count - e : W);
            }
            return;
        }
        if (inner == 1) {
            if constexpr (!Stream)
                if (C <= short_row_vectors * W) return map_short_rows<short_row_vectors>((C + W - 1) / W, v, in, out, coef, f);
            if (C % W == 0 && !vector_aligned(coef)) return map_column_blocks<Stream, column_block_vectors>(v, in, out, coef, f);
            // Rows of C >= W channels: whole vectors, the last one at C - W overlapping its
            // neighbour when W does not divide C. Its inputs are loaded before the row's other
            // stores and its result stored after them, so in place it still reads inputs, and
            // the overlapping lanes get the same values twice. Streamed, every row is whole
            // aligned vectors (map_channels).
            std::array<batch, NIn> last{};  // zeroed once: GCC cannot tell it is read only when loaded
            std::array<batch, K> last_cs;
            for (std::size_t k = 0; k < K; ++k) last_cs[k] = batch::load_unaligned(coef[k] + C - W);
            const bool overlap = C % W != 0;
            for (std::size_t r = 0, end = outer * C; r < end; r += C) {
                if (overlap)
                    for (std::size_t j = 0; j < NIn; ++j) last[j] = load(in[j] + r + C - W, W);
                for (std::size_t c = 0; c + W <= C; c += W) {
                    for (std::size_t k = 0; k < K; ++k) cs[k] = batch::load_unaligned(coef[k] + c);
                    step(r + c, W);
                }
                if (overlap) store(out + r + C - W, W, f(last, last_cs));
            }
            return;
        }
        // Rows of whole vectors (no streamed head): no vector crosses a row's end, so each row
        // takes its channel's coefficients once, without the crossing logic below (a 1x16x8x8
        // call on AVX-512: 39-40 -> 35-37 ns).
        if (head == 0 && inner % W == 0) {
            for (std::size_t e = 0, c = 0; e < count; c = c + 1 == C ? 0 : c + 1) {
                for (std::size_t k = 0; k < K; ++k) cs[k] = batch(coef[k][c]);
                for (const std::size_t end = e + inner; e < end; e += W) step(e, W);
            }
            return;
        }
        // Other rows: the tensor is one flat stream walked W lanes at a time; `left`
        // elements of channel c's current row start at e. A vector crossing into the next
        // rows takes their channels' coefficients in the lanes from where each row starts.
        // Only the very end of the tensor is a partial vector (and, streaming, the head).
        const batch lanes = lane_numbers();
        std::size_t c = head / inner % C;
        std::array<batch, K> here;  // channel c's coefficients
        for (std::size_t k = 0; k < K; ++k) here[k] = batch(coef[k][c]);
        for (std::size_t e = head, left = inner - head % inner; e < count;) {
            cs = here;
            if (left >= W) {  // the whole vectors left in channel c's row (inside the tensor)
                for (const std::size_t end = e + left / W * W; e < end; e += W) step(e, W);
                left %= W;
            }
            if (left == 0) {  // the row ended with a whole vector
                c = c + 1 == C ? 0 : c + 1;
                for (std::size_t k = 0; k < K; ++k) here[k] = batch(coef[k][c]);
                left = inner;
                continue;
            }
            // The vector at e starts with the last `left` < W elements of channel c's row.
            for (std::size_t from = left;; from += inner) {  // lanes from `from` on: a later row
                c = c + 1 == C ? 0 : c + 1;
                for (std::size_t k = 0; k < K; ++k) here[k] = batch(coef[k][c]);
                if (from == W) {
                    left = inner;
                    break;
                }
                const auto later = lanes >= batch(static_cast<float>(from));
                for (std::size_t k = 0; k < K; ++k) cs[k] = xsimd::select(later, here[k], cs[k]);
                if (from + inner > W) {
                    left = from + inner - W;
                    break;
                }
            }
            step(e, count - e < W ? count - e : W);
            e += W;
        }
    }

    // Whether every coefficient array starts on a vector boundary.
    template <std::size_t K>
    static bool vector_aligned(const std::array<const float*, K>& coef) noexcept {
        bool aligned = true;
        for (std::size_t k = 0; k < K; ++k) aligned = aligned && reinterpret_cast<std::uintptr_t>(coef[k]) % sizeof(batch) == 0;
        return aligned;
    }

    // Channel vectors per block of map_column_blocks: their coefficients and inputs stay in
    // registers (4 x 4 + 4 x 2 of AVX-512's 32 in backward; 2 vectors on 16-register archs).
    static constexpr std::size_t column_block_vectors = std::is_base_of_v<xsimd::avx512f, Arch> ? 4 : 2;

    // Channels-last rows of C channels, W dividing C, whose coefficient arrays are not
    // vector-aligned (a caller's std::vector, say): loading them per row splits cache lines,
    // which made a streamed AVX-512 inference of 8x256x56x56 NHWC 1.5x slower (1.32-1.38
    // against 0.79-0.89 ms, bnkit_stream_bench rows/). Blocks of NB channel vectors keep their coefficients in registers over tiles
    // of about 16 KiB of rows, each load prefetching the same lines one tile ahead (a block
    // reads a strided part of each row). Streamed, every row start is aligned (map_channels).
    template <bool Stream, std::size_t NB, std::size_t NIn, std::size_t K, class T, class F>
    static void map_column_blocks(const view& v, std::array<const T*, NIn> in, T* out,
                                  const std::array<const float*, K>& coef, F& f) noexcept {
        const std::size_t C = v.channels, V = C / W, outer = v.outer;
        const std::size_t tile = run_rows(16384 / (C * sizeof(float))), ahead = tile * C;
        for (std::size_t o = 0; o < outer; o += tile) {
            const std::size_t end = (outer - o < tile ? outer - o : tile) + o;
            for (std::size_t b = 0; b < V; b += NB) column_block<Stream, NB>(V - b < NB ? V - b : NB, b, o, end, ahead, v, in, out, coef, f);
        }
    }

    // Channel vectors b .. b + nb - 1 (nb <= NB) of rows o .. end - 1 (map_column_blocks).
    template <bool Stream, std::size_t NB, std::size_t NIn, std::size_t K, class T, class F>
    static void column_block(std::size_t nb, std::size_t b, std::size_t o, std::size_t end, std::size_t ahead,
                             const view& v, std::array<const T*, NIn> in, T* out,
                             const std::array<const float*, K>& coef, F& f) noexcept {
        if constexpr (NB > 1)
            if (nb < NB) return column_block<Stream, NB - 1>(nb, b, o, end, ahead, v, in, out, coef, f);
        const std::size_t C = v.channels;
        std::array<std::array<batch, K>, NB> cs;
        each_unrolled<NB>([&](auto u) {
            for (std::size_t k = 0; k < K; ++k) cs[u][k] = batch::load_unaligned(coef[k] + (b + u) * W);
        });
        std::array<std::array<batch, NIn>, NB> xs;
        for (std::size_t r = o * C + b * W, last = end * C; r < last; r += C) {
            each_unrolled<NB>([&](auto u) {
                for (std::size_t j = 0; j < NIn; ++j) {
                    prefetch(in[j] + r + u * W, ahead);
                    xs[u][j] = load(in[j] + r + u * W, W);
                }
            });
            each_unrolled<NB>([&](auto u) { store_as<Stream>(out + r + u * W, W, f(xs[u], cs[u])); });
        }
    }

    // Channels-last rows of at most this many vectors keep every coefficient vector in
    // registers across rows (map_short_rows).
    static constexpr std::size_t short_row_vectors = 4;

    // Channels-last map of rows of nv <= NV vectors (C >= W): the coefficients of the row's
    // vectors (the last at C - W, overlapping its neighbour when W does not divide C) are loaded
    // once, and each row's inputs are all loaded before its outputs are stored (in place too).
    // A 16-channel NHWC tensor on AVX-512 is one vector per row: reloading its coefficients and
    // restarting the row loop per vector cost more than the arithmetic.
    template <std::size_t NV, std::size_t NIn, std::size_t K, class T, class F>
    static void map_short_rows(std::size_t nv, const view& v, std::array<const T*, NIn> in, T* out,
                               const std::array<const float*, K>& coef, F& f) noexcept {
        if constexpr (NV > 1)
            if (nv < NV) return map_short_rows<NV - 1>(nv, v, in, out, coef, f);
        const std::size_t C = v.channels;
        std::array<std::size_t, NV> at;
        std::array<std::array<batch, K>, NV> cs;
        each_unrolled<NV>([&](auto u) {
            at[u] = u * W + W <= C ? u * W : C - W;
            for (std::size_t k = 0; k < K; ++k) cs[u][k] = batch::load_unaligned(coef[k] + at[u]);
        });
        std::array<std::array<batch, NIn>, NV> xs;
        // One input and no overlap (W divides C): each vector stored right after its load.
        // AVX-512 inference NHWC 1x32x32x32 (two vectors per row): 1802-1849 -> 1688-1710 ns; the
        // same order for backward's two inputs cost 3-10% (1x32x32x32, 1x64x56x56).
        if constexpr (NIn == 1 && NV > 1) {
            if (C % W == 0) {
                for (std::size_t r = 0, end = v.outer * C; r < end; r += C)
                    each_unrolled<NV>([&](auto u) {
                        xs[u][0] = load(in[0] + r + u * W, W);
                        store(out + r + u * W, W, f(xs[u], cs[u]));
                    });
                return;
            }
        }
        for (std::size_t r = 0, end = v.outer * C; r < end; r += C) {
            each_unrolled<NV>([&](auto u) {
                for (std::size_t j = 0; j < NIn; ++j) xs[u][j] = load(in[j] + r + at[u], W);
            });
            each_unrolled<NV>([&](auto u) { store(out + r + at[u], W, f(xs[u], cs[u])); });
        }
    }

    // sums[j][c] = the sum over channel c's elements e of f(in[0][e], ..., coef[c])[j];
    // f takes std::array<batch, NIn> and a batch, returns std::array<batch, NOut>.
    // scratch: NOut * C floats, overwritten (compensation terms). from_memory: the inputs are
    // past the caches (the results do not depend on it).
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    static void reduce_channels(const view& v, const T* const (&in)[NIn], const float* coef,
                                float* const (&sums)[NOut], float* scratch, F f, bool from_memory = false) noexcept {
        if (v.channels * v.inner < W)
            reduce_short_period(v, in, coef, sums, scratch, f);
        else if (v.inner == 1)
            reduce_channels_last(v, in, coef, sums, scratch, f, from_memory);
        else
            reduce_channels_first(v, in, coef, sums, f);
    }

    // The channels-last reduction (reduce_channels_last) without its start and end: adds the
    // view's terms to the Kahan pairs (sums[j][c], comp[j * C + c]) as they stand, so one
    // chain can run through several views (stats_merged, bn_kernels-inl.hpp).
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    static void accumulate_channels_last(const view& v, const T* const (&in)[NIn], const float* coef,
                                         float* const (&sums)[NOut], float* comp, F& f, bool from_memory) noexcept {
        const std::size_t C = v.channels, outer = v.outer, V = (C + W - 1) / W;
        // Rows per tile: all of them when one block covers the row, else whole runs of about
        // 256 KiB of float32 input, a quarter of an L2, which the blocks after the first find
        // there; from memory, about 16 KiB: then each block walks its lines of every row of
        // the tile, and in a large tile those walks are too far apart to keep DRAM pages open
        // (NHWC 32x512x7x7 in L3: training 212-252 -> 185-191 us, backward 269-325 -> 245-253 us
        // with 256 KiB tiles; 8x256x56x56 from memory: training 12% slower with them).
        const std::size_t row_bytes = C * sizeof(float) * NIn, prefetch_rows = run_rows(16384 / row_bytes);
        const std::size_t tile = V <= block_vectors<NOut> ? outer
                                 : from_memory                ? prefetch_rows
                                                              : run_rows(262144 / row_bytes);
        // Each block reads only its own lines of a tile's rows: a strided walk the hardware
        // prefetchers miss, so each load is also prefetched about 16 KiB of rows ahead (NHWC
        // 8x256x56x56 out of cache: training 3.6 -> 2.5 ms, backward 5.9 -> 3.8 ms).
        const std::size_t ahead = tile < outer ? prefetch_rows * C : 0;
        if (from_memory)
            channels_last_tiles<block_vectors_from_memory<NOut>>(tile, ahead, v, in, coef, sums, comp, f);
        else
            channels_last_tiles<block_vectors<NOut>>(tile, ahead, v, in, coef, sums, comp, f);
    }

   private:
    // Kahan's compensated sum, per lane: the value is sum - comp. The small helpers the loops
    // call per vector are always inlined: this translation unit instantiates every kernel, and
    // past GCC's unit growth limit it stopped inlining them (NEON NHWC training: +17%
    // instructions when the channels-first runs grew).
    struct kahan {
        batch sum = batch(0.0f), comp = batch(0.0f);
        [[gnu::always_inline]] void add(const batch& v) noexcept {
            const batch y = v - comp;
            const batch t = sum + y;
            comp = (t - sum) - y;
            sum = t;
        }
    };

    // Neumaier's compensated step, as in the reference: adds v to the pair (sum, comp).
    static void neumaier(float& sum, float& comp, float v) noexcept {
        const float t = sum + v;
        const bool sum_larger = (sum < 0.0f ? -sum : sum) >= (v < 0.0f ? -v : v);
        comp += sum_larger ? (sum - t) + v : (v - t) + sum;
        sum = t;
    }

    // Adds the lanes of the Kahan accumulator acc, whose lane l belongs to channel
    // channel(l), to the per-channel pairs (sum[c], comp[c]).
    template <class Channel>
    static void fold_lanes(const kahan& acc, float* sum, float* comp, Channel channel) noexcept {
        float s[W], c[W];
        acc.sum.store_unaligned(s);
        acc.comp.store_unaligned(c);
        for (std::size_t l = 0; l < W; ++l) {
            neumaier(sum[channel(l)], comp[channel(l)], s[l]);
            comp[channel(l)] -= c[l];
        }
    }

    // Knuth's TwoSum, lane by lane: s + e == a + b exactly (no branch, any magnitudes).
    [[gnu::always_inline]] static void two_sum(const batch& a, const batch& b, batch& s, batch& e) noexcept {
        s = a + b;
        const batch b_part = s - a;
        e = (a - (s - b_part)) + (b - b_part);
    }

    // The pair (a + b): the sums' rounding error goes into the compensation (value = sum - comp).
    [[gnu::always_inline]] static kahan merged(const kahan& a, const kahan& b) noexcept {
        kahan m;
        batch e;
        two_sum(a.sum, b.sum, m.sum, e);
        m.comp = (a.comp + b.comp) - e;
        return m;
    }

    // Lanes l with l % 2H < H (the "low" lanes of each 2H-lane group).
    template <std::size_t H>
    struct low_lanes {
        static constexpr bool get(std::size_t l, std::size_t) noexcept { return l % (2 * H) < H; }
    };
    // Lane l of the result holds lane l + H of the argument for low lanes, l - H for the others.
    template <std::size_t H>
    struct partner_lanes {
        static constexpr std::uint32_t get(std::size_t l, std::size_t) noexcept {
            return static_cast<std::uint32_t>(l % (2 * H) < H ? l + H : l - H);
        }
    };

    // One step of a transposed fold: the low lanes of the result hold the pairs x[l] + x[l + H],
    // the others y[l - H] + y[l], each summed by TwoSum.
    template <std::size_t H>
    static kahan fold_pair(const kahan& x, const kahan& y) noexcept {
        using index = xsimd::batch<std::uint32_t, Arch>;
        constexpr auto low = xsimd::make_batch_bool_constant<batch, low_lanes<H>>();
        constexpr auto partner = xsimd::make_batch_constant<index, partner_lanes<H>>();
// GCC 12's _mm512_permutexvar_ps passes an "undefined" register that the full mask
// overwrites entirely: a false (maybe-)uninitialized warning (the half_f16c.hpp trap).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
        const kahan other{xsimd::swizzle(xsimd::select(low, y.sum, x.sum), partner),
                          xsimd::swizzle(xsimd::select(low, y.comp, x.comp), partner)};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
        return merged({xsimd::select(low, x.sum, y.sum), xsimd::select(low, x.comp, y.comp)}, other);
    }

    // Folds the 2H vectors g[0 .. 2H) pairwise into g[0 .. H), then on down to g[0], whose
    // lane l then holds the whole of g[bit_reversed(l)] (W - 1 TwoSum steps for W vectors,
    // where folding each vector on its own takes W log2 W).
    template <std::size_t H = W / 2>
    static void transposed_fold(std::array<kahan, W>& g) noexcept {
        if constexpr (H > 0) {
            for (std::size_t i = 0; i < H; ++i) g[i] = fold_pair<H>(g[2 * i], g[2 * i + 1]);
            transposed_fold<H / 2>(g);
        }
    }

    // i with its log2(W) bits reversed.
    static constexpr std::size_t bit_reversed(std::size_t i) noexcept {
        std::size_t r = 0;
        for (std::size_t b = 1; b < W; b <<= 1) r = r << 1 | ((i & b) != 0 ? 1 : 0);
        return r;
    }

    // Channels' sums collected W at a time: channel k of a group goes to slot bit_reversed(k),
    // so that the transposed fold leaves channel k in lane k.
    struct channel_group {
        std::array<kahan, W> slots;
        std::size_t filled = 0;

        void add(const kahan& channel) noexcept { slots[bit_reversed(filled++)] = channel; }
        // Writes the group's totals to out[0 .. filled), rounded once, and empties the group.
        void flush(float* out) noexcept {
            for (std::size_t k = filled; k < W; ++k) slots[bit_reversed(k)] = kahan{};
            transposed_fold(slots);
            store(out, filled, slots[0].sum - slots[0].comp);
            filled = 0;
        }
    };

    // f(std::integral_constant<std::size_t, u>) for u = 0 .. N - 1: array indices known at
    // compile time keep accumulator arrays in registers.
    template <std::size_t N = unroll, class F>
    static void each_unrolled(F&& f) noexcept {
        each_of(f, std::make_index_sequence<N>{});
    }
    template <class F, std::size_t... U>
    static void each_of(F& f, std::index_sequence<U...>) noexcept {
        (f(std::integral_constant<std::size_t, U>{}), ...);
    }

    // Channel of the element at flat offset e (any e: the pattern repeats every C * inner).
    static std::size_t channel_at(const view& v, std::size_t e) noexcept { return e / v.inner % v.channels; }

    // The k-th pattern vector of a short-period view from element `from` on: lane j holds
    // values[channel of from + k*W + j].
    static batch expand(const float* values, const view& v, std::size_t k, std::size_t from = 0) noexcept {
        float buf[W];
        for (std::size_t j = 0; j < W; ++j) buf[j] = values[channel_at(v, from + k * W + j)];
        return batch::load_unaligned(buf);
    }

    // One flat stream, P = C * inner < W pattern vectors: accumulator k takes the vectors at
    // positions k, k + P, k + 2P, ..., and is folded lane by lane into its lanes' channels,
    // whose compensation terms wait in scratch.
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    static void reduce_short_period(const view& v, const T* const (&in)[NIn], const float* coef,
                                    float* const (&sums)[NOut], float* scratch, F& f) noexcept {
        const std::size_t C = v.channels, P = C * v.inner, count = v.outer * P;
        std::array<batch, W> pattern;
        std::array<std::array<kahan, W>, NOut> acc{};
        for (std::size_t k = 0; k < P; ++k) pattern[k] = expand(coef, v, k);
        std::array<batch, NIn> xs;
        for (std::size_t e = 0, k = 0; e < count; e += W, k = k + 1 == P ? 0 : k + 1) {
            const std::size_t n = count - e < W ? count - e : W;
            for (std::size_t j = 0; j < NIn; ++j) xs[j] = load(in[j] + e, n);
            const std::array<batch, NOut> t = f(xs, pattern[k]);
            for (std::size_t j = 0; j < NOut; ++j) acc[j][k].add(n == W ? t[j] : lanes_in(t[j], 0, n));
        }
        for (std::size_t j = 0; j < NOut; ++j) {
            float* comp = scratch + j * C;
            for (std::size_t c = 0; c < C; ++c) sums[j][c] = comp[c] = 0.0f;
            for (std::size_t k = 0; k < P; ++k)
                fold_lanes(acc[j][k], sums[j], comp, [&](std::size_t l) { return channel_at(v, k * W + l); });
            for (std::size_t c = 0; c < C; ++c) sums[j][c] += comp[c];
        }
    }

    // Channels-last reductions: channel vectors per block, each with its compensated chain per
    // output. A Kahan add is a chain of 4 dependent operations; fed one run of `group` rows at
    // a time, 4 chains keep the adders busy. Two outputs take 4 vectors too where 32 registers
    // hold their pairs (AVX-512: backward NHWC 1x64x56x56 47 -> 42 us), else 2; from memory,
    // 2 there too (AVX-512 backward NHWC 8x256x56x56: 4.7-4.9 -> 3.9 ms; in cache 4 is faster).
    template <std::size_t NOut>
    static constexpr std::size_t block_vectors = NOut == 1 || std::is_base_of_v<xsimd::avx512f, Arch> ? 4 : 2;
    template <std::size_t NOut>
    static constexpr std::size_t block_vectors_from_memory = NOut == 1 ? 4 : 2;

    // Rows of C >= W channels. A row is cut into V = ceil(C / W) channel vectors at offsets
    // 0, W, 2W, ..., the last one at C - W (it overlaps its neighbour when W does not divide C:
    // every load is a full vector, and the overlapping lanes' sums are computed but never
    // stored). Blocks of block_vectors channel vectors keep their Kahan pairs in registers over
    // a tile of rows, each add taking the plain sum of a run of `group` rows; the pairs live in
    // (sums[j], scratch + j * C) between tiles. Tiles hold whole runs, so every channel sees the
    // same additions in the same order whatever the tile size (float16 or float32 storage, from
    // memory or not).
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    static void reduce_channels_last(const view& v, const T* const (&in)[NIn], const float* coef,
                                     float* const (&sums)[NOut], float* scratch, F& f, bool from_memory) noexcept {
        const std::size_t C = v.channels;
        for (std::size_t j = 0; j < NOut; ++j)
            for (std::size_t c = 0; c < C; ++c) sums[j][c] = scratch[j * C + c] = 0.0f;
        accumulate_channels_last(v, in, coef, sums, scratch, f, from_memory);
        for (std::size_t j = 0; j < NOut; ++j)
            for (std::size_t c = 0; c < C; ++c) sums[j][c] -= scratch[j * C + c];
    }

    // The rows in tiles of `tile` rows, each tile in blocks of NB channel vectors.
    template <std::size_t NB, std::size_t NIn, std::size_t NOut, class T, class F>
    static void channels_last_tiles(std::size_t tile, std::size_t ahead, const view& v, const T* const (&in)[NIn],
                                    const float* coef, float* const (&sums)[NOut], float* scratch, F& f) noexcept {
        const std::size_t V = (v.channels + W - 1) / W;
        for (std::size_t o = 0; o < v.outer; o += tile) {
            const std::size_t rows = v.outer - o < tile ? v.outer - o : tile;
            for (std::size_t b = 0; b < V; b += NB)
                channels_last_block<NB>(V - b < NB ? V - b : NB, b, o, rows, ahead, v, in, coef, sums, scratch, f);
        }
    }

    // n rows rounded down to whole runs of `group`, at least one run.
    static constexpr std::size_t run_rows(std::size_t n) noexcept { return n < group ? group : n / group * group; }

    // Channel vectors b .. b + nb - 1 (nb <= NB, chosen at compile time so the accumulators
    // are registers) over rows o .. o + rows - 1; each load also prefetches `ahead` elements on
    // (0: none).
    template <std::size_t NB, std::size_t NIn, std::size_t NOut, class T, class F>
    static void channels_last_block(std::size_t nb, std::size_t b, std::size_t o, std::size_t rows, std::size_t ahead,
                                    const view& v, const T* const (&in)[NIn], const float* coef,
                                    float* const (&sums)[NOut], float* scratch, F& f) noexcept {
        if constexpr (NB > 1)
            if (nb < NB)
                return channels_last_block<NB - 1>(nb, b, o, rows, ahead, v, in, coef, sums, scratch, f);
        const std::size_t C = v.channels;
        std::array<std::size_t, NB> at;
        std::array<batch, NB> m;
        std::array<std::array<kahan, NB>, NOut> acc;
        each_unrolled<NB>([&](auto u) {
            at[u] = (b + u) * W + W <= C ? (b + u) * W : C - W;
            m[u] = batch::load_unaligned(coef + at[u]);
            each_unrolled<NOut>([&](auto j) {
                acc[j][u] = {batch::load_unaligned(sums[j] + at[u]), batch::load_unaligned(scratch + j * C + at[u])};
            });
        });
        std::array<batch, NIn> xs;
        const auto terms = [&](auto u, std::size_t r) {
            for (std::size_t j = 0; j < NIn; ++j) {
                if (ahead != 0) prefetch(in[j] + r + at[u], ahead);
                xs[j] = load(in[j] + r + at[u], W);
            }
            return f(xs, m[u]);
        };
        for (std::size_t r = o * C, end = (o + rows) * C; r < end; r += group * C) {
            const std::size_t n = (end - r) / C < group ? (end - r) / C : group;
            std::array<std::array<batch, NOut>, NB> s;  // the plain sums over the run's n rows
            each_unrolled<NB>([&](auto u) { s[u] = terms(u, r); });
            for (std::size_t i = 1; i < n; ++i)
                each_unrolled<NB>([&](auto u) {
                    const std::array<batch, NOut> t = terms(u, r + i * C);
                    for (std::size_t j = 0; j < NOut; ++j) s[u][j] += t[j];
                });
            each_unrolled<NB>([&](auto u) {
                for (std::size_t j = 0; j < NOut; ++j) acc[j][u].add(s[u][j]);
            });
        }
        // Last vector first: where it overlaps its neighbour, those lanes keep what memory holds
        // (the neighbour's pairs, final for this tile if stored already, else stored next).
        each_unrolled<NB>([&](auto i) {
            constexpr std::size_t u = NB - 1 - i;
            const std::size_t skip = (b + u) * W - at[u];
            each_unrolled<NOut>([&](auto j) {
                store_lanes_from(sums[j] + at[u], skip, acc[j][u].sum);
                store_lanes_from(scratch + j * C + at[u], skip, acc[j][u].comp);
            });
        });
    }

    // Prefetches the line n elements after p, which may lie beyond the caller's array: the
    // address is computed as an integer (no out-of-bounds pointer) and a prefetch never faults.
    template <class T>
    [[gnu::always_inline]] static void prefetch(const T* p, std::size_t n) noexcept {
        __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + n * sizeof(T)), 0, 3);
    }

    // Stores lanes skip .. W - 1 of v at p (W floats at p are valid); lanes below skip keep p's values.
    [[gnu::always_inline]] static void store_lanes_from(float* p, std::size_t skip, const batch& v) noexcept {
        if (skip == 0) return v.store_unaligned(p);
        xsimd::select(lane_numbers() < batch(static_cast<float>(skip)), batch::load_unaligned(p), v).store_unaligned(p);
    }

    // f over a channels-first view's rows of `inner` elements: a row's whole vectors and its
    // partial last vector (rem lanes), read as a whole vector inside the view's extent (which
    // holds C * inner >= W elements) with the lanes outside the row zeroed. v may be a slice
    // of channels (outer_stride > C * inner).
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    struct row_terms {
        const T* const (&in)[NIn];
        F& f;
        std::size_t count, full, rem;
        xsimd::batch_bool<float, Arch> rem_lanes;

        row_terms(const view& v, const T* const (&in_)[NIn], F& f_) noexcept
            : in(in_), f(f_), count(v.extent), full(v.inner / W), rem(v.inner % W),
              rem_lanes(lane_numbers() < batch(static_cast<float>(v.inner % W))) {}

        // f of the whole vector at q.
        [[gnu::always_inline]] std::array<batch, NOut> whole(std::size_t q, const batch& m) const noexcept {
            std::array<batch, NIn> xs;
            for (std::size_t j = 0; j < NIn; ++j) xs[j] = load(in[j] + q, W);
            return f(xs, m);
        }
        // f of the rem elements at q, zero in the other lanes.
        [[gnu::always_inline]] std::array<batch, NOut> partial(std::size_t q, const batch& m) const noexcept {
            const std::size_t p = q + W <= count ? q : count - W;
            std::array<batch, NIn> xs;
            for (std::size_t j = 0; j < NIn; ++j) xs[j] = load(in[j] + p, W);
            std::array<batch, NOut> t = f(xs, m);
            for (std::size_t j = 0; j < NOut; ++j)
                t[j] = p == q ? xsimd::select(rem_lanes, t[j], batch(0.0f)) : lanes_in(t[j], q - p, rem);
            return t;
        }
        // NB rows side by side: their run sums, their starts and their channels' coefficients.
        template <std::size_t NB>
        using sums = std::array<std::array<batch, NOut>, NB>;
        template <std::size_t NB>
        using rows = std::array<std::size_t, NB>;
        template <std::size_t NB>
        using coefs = std::array<batch, NB>;

        // The plain sums of f over the NB rows at row[u], `group` whole vectors from their whole
        // vector k on (for one output a count known at compile time: no loop control). The rows
        // advance side by side, so each vector step has NB independent adds.
        template <std::size_t NB>
        [[gnu::always_inline]] sums<NB> run(const rows<NB>& row, std::size_t k, const coefs<NB>& m) const noexcept {
            sums<NB> s;
            each_unrolled<NB>([&](auto u) { s[u] = whole(row[u] + k * W, m[u]); });
            // Two outputs keep the loop: unrolled, x86 backward NCHW 1x32x32x32 ran 8% slower.
            if constexpr (NOut == 1)
                each_unrolled<group - 1>([&](auto i) { add_whole(s, row, k + 1 + i, m); });
            else
                for (std::size_t i = k + 1; i < k + group; ++i) add_whole(s, row, i, m);
            return s;
        }
        // The same for a row's last run: its whole vectors from k on (at most `group`) and its
        // partial vector.
        template <std::size_t NB>
        [[gnu::always_inline]] sums<NB> last_run(const rows<NB>& row, std::size_t k, const coefs<NB>& m) const noexcept {
            sums<NB> s;
            each_unrolled<NB>([&](auto u) {
                s[u] = rem != 0 ? partial(row[u] + full * W, m[u]) : whole(row[u] + k * W, m[u]);
            });
            for (std::size_t i = rem != 0 ? k : k + 1; i < full; ++i) add_whole(s, row, i, m);
            return s;
        }
        // add(the run sums) for each run of the NB rows from their whole vector k to their end.
        template <std::size_t NB, class Add>
        [[gnu::always_inline]] void runs_from(const rows<NB>& row, std::size_t k, const coefs<NB>& m,
                                              Add&& add) const noexcept {
            for (; full - k > group; k += group) add(run<NB>(row, k, m));
            add(last_run<NB>(row, k, m));
        }
        // s[u] += f of the whole vector i of row u.
        template <std::size_t NB>
        [[gnu::always_inline]] void add_whole(sums<NB>& s, const rows<NB>& row, std::size_t i,
                                              const coefs<NB>& m) const noexcept {
            each_unrolled<NB>([&](auto u) {
                const std::array<batch, NOut> t = whole(row[u] + i * W, m[u]);
                for (std::size_t j = 0; j < NOut; ++j) s[u][j] += t[j];
            });
        }
    };

    // Channels-first reductions, each compensated add taking the plain sum of a run of up to
    // `group` vectors of one row (a row's last run also takes its partial vector, if any).
    // Rows of at least unroll * group whole vectors go one channel at a time, their runs
    // spread over `unroll` Kahan chains per output, merged by TwoSum at the end. Shorter rows
    // (e.g. 7x7 = 49) go short_row_channels channels at a time, one chain per channel: a
    // block's rows of one outer index are adjacent in memory, and their runs advance side by
    // side.
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    static void reduce_channels_first(const view& v, const T* const (&in)[NIn], const float* coef,
                                      float* const (&sums)[NOut], F& f) noexcept {
        const row_terms<NIn, NOut, T, F> rows(v, in, f);
        std::array<channel_group, NOut> groups{};
        const std::size_t C = v.channels;
        if (rows.full < unroll * group) {
            constexpr std::size_t NB = short_row_channels<NOut>;
            for (std::size_t c = 0; c < C; c += NB)
                short_rows_block<NB>(C - c < NB ? C - c : NB, c, v, rows, coef, groups, sums);
            return;
        }
        for (std::size_t c = 0; c < C; ++c) long_rows_channel(c, v, rows, coef, groups, sums);
    }

    // Channels side by side in the short-row reductions: one Kahan pair per channel and output,
    // plus its run sum, in registers. Two outputs take 2 on AVX-512 as well: with 4, GCC spilled
    // (backward NCHW 32x512x7x7 275-279 -> 263-268 us with 2).
    template <std::size_t NOut>
    static constexpr std::size_t short_row_channels = NOut == 1 ? 4 : 2;

    // Channels c .. c + nb - 1 (nb <= NB) of rows shorter than unroll * group whole vectors:
    // each channel's rows in order of outer index, one run (or a few) per row. Here and in
    // long_rows_channel the compensated adds stay out of the loops over a row's vectors, with
    // compile-time chain indices: otherwise GCC keeps acc on the stack and every add waits on
    // a store and a reload (3x slower on AVX-512).
    template <std::size_t NB, std::size_t NIn, std::size_t NOut, class T, class F>
    static void short_rows_block(std::size_t nb, std::size_t c, const view& v, const row_terms<NIn, NOut, T, F>& rows,
                                 const float* coef, std::array<channel_group, NOut>& groups,
                                 float* const (&sums)[NOut]) noexcept {
        if constexpr (NB > 1)
            if (nb < NB) return short_rows_block<NB - 1>(nb, c, v, rows, coef, groups, sums);
        const std::size_t inner = v.inner;
        std::array<batch, NB> m;
        each_unrolled<NB>([&](auto u) { m[u] = batch(coef[c + u]); });
        std::array<std::array<kahan, NB>, NOut> acc{};
        for (std::size_t o = 0; o < v.outer; ++o) {
            std::array<std::size_t, NB> row;
            each_unrolled<NB>([&](auto u) { row[u] = o * v.outer_stride + (c + u) * inner; });
            rows.template runs_from<NB>(row, 0, m, [&](const std::array<std::array<batch, NOut>, NB>& s) {
                each_unrolled<NB>([&](auto u) {
                    for (std::size_t j = 0; j < NOut; ++j) acc[j][u].add(s[u][j]);
                });
            });
        }
        for (std::size_t u = 0; u < NB; ++u) add_channel(groups, acc, u, c + u + 1 == v.channels, sums, c + u);
    }

    // Channel c of rows of at least unroll * group whole vectors, over its `outer` rows.
    template <std::size_t NIn, std::size_t NOut, class T, class F>
    static void long_rows_channel(std::size_t c, const view& v, const row_terms<NIn, NOut, T, F>& rows,
                                  const float* coef, std::array<channel_group, NOut>& groups,
                                  float* const (&sums)[NOut]) noexcept {
        constexpr std::size_t step = unroll * group;  // whole vectors per step
        const std::size_t full = rows.full;
        const std::array<batch, 1> m{batch(coef[c])};
        std::array<std::array<kahan, unroll>, NOut> acc{};
        for (std::size_t o = 0; o < v.outer; ++o) {
            const std::array<std::size_t, 1> row{o * v.outer_stride + c * v.inner};
            std::size_t k = 0;
            for (; k + step <= full; k += step) {
                std::array<std::array<batch, NOut>, unroll> s;
                each_unrolled([&](auto u) { s[u] = rows.template run<1>(row, k + u * group, m)[0]; });
                each_unrolled([&](auto u) {
                    for (std::size_t j = 0; j < NOut; ++j) acc[j][u].add(s[u][j]);
                });
            }
            if (k < full || rows.rem != 0)  // the rest of the row, runs into chain 0
                rows.template runs_from<1>(row, k, m, [&](const std::array<std::array<batch, NOut>, 1>& s) {
                    for (std::size_t j = 0; j < NOut; ++j) acc[j][0].add(s[0][j]);
                });
        }
        each_unrolled<NOut>([&](auto j) {
            each_unrolled<unroll - 1>([&](auto u) { acc[j][0] = merged(acc[j][0], acc[j][u + 1]); });
        });
        add_channel(groups, acc, 0, c + 1 == v.channels, sums, c);
    }

    // Adds chain u of acc as channel c's total to the groups, writing a group's totals when it
    // is full or c is the last channel.
    template <std::size_t NOut, std::size_t N>
    static void add_channel(std::array<channel_group, NOut>& groups, const std::array<std::array<kahan, N>, NOut>& acc,
                            std::size_t u, bool last_channel, float* const (&sums)[NOut], std::size_t c) noexcept {
        for (std::size_t j = 0; j < NOut; ++j) {
            groups[j].add(acc[j][u]);
            if (groups[j].filled == W || last_channel) groups[j].flush(sums[j] + c + 1 - groups[j].filled);
        }
    }
};

}  // namespace bnkit::detail
