// Instruction-count harness for tools/insncount.sh (AArch64 only; not a test). One batch-norm
// call on a 1x64x56x56 float tensor, NCHW or NHWC, inference or training, on a forced kernel
// path, run 0 or 1 times after identical setup:
//   bnkit_insncount <i|t> <c|h> <s|n> <0|1>
//     i = bnkit_bn_infer_f32, t = bnkit_bn_train_f32 (with moving update),
//     f = bnkit_bn_infer_f16 (float16 x and y)
//     c = NCHW (inner 3136), h = NHWC (inner 1)
//     s = BNKIT_ISA_SCALAR, n = BNKIT_ISA_NEON64, p = BNKIT_ISA_NEON64_FP16 (needs
//         BNKIT_ARM_FP16_ARITH and a CPU with FP16 arithmetic, e.g. qemu-aarch64 -cpu max)
//     0/1 = how many times the call runs
// Everything else (allocation, input fill, descriptor, exit) is the same for 0 and 1, and the
// arguments have the same length, so under qemu-insncount the difference of the two totals is
// exactly the instructions executed by the library call (API checks, kernels, and any libc
// routine they reach). Prints nothing; the exit status is the call's bnkit_status.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bnkit/bnkit.h"

int main(int argc, char** argv) {
    if (argc != 5) return 100;
    const char op = argv[1][0], layout = argv[2][0], path = argv[3][0];
    const int calls = argv[4][0] - '0';
    if ((op != 'i' && op != 't' && op != 'f') || (layout != 'c' && layout != 'h') ||
        (path != 's' && path != 'n' && path != 'p') ||
        calls < 0 || calls > 1)
        return 101;

    const std::size_t N = 1, C = 64, H = 56, W = 56;
    const std::size_t nchw[4] = {N, C, H, W}, nhwc[4] = {N, H, W, C};
    const std::int32_t axis[1] = {layout == 'c' ? 1 : 3};
    bnkit_bn_desc d{};
    if (bnkit_bn_desc_init(&d, 4, layout == 'c' ? nchw : nhwc, 1, axis) != BNKIT_OK) return 102;
    const bnkit_isa isa = path == 's' ? BNKIT_ISA_SCALAR : path == 'n' ? BNKIT_ISA_NEON64 : BNKIT_ISA_NEON64_FP16;
    if (bnkit_bn_desc_set_isa(&d, isa) != BNKIT_OK) return 103;

    std::vector<float> x(d.count), y(d.count), gamma(C), beta(C), mean(C), var(C), saved_mean(C), saved_invstd(C);
    std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(C));
    std::uint32_t s = 12345u;
    for (float& v : x) {
        s = s * 1664525u + 1013904223u;
        v = static_cast<float>(s >> 8) * (1.0f / 16777216.0f) * 4.0f - 1.5f;
    }
    std::vector<bnkit_f16> xh(d.count), yh(d.count);
    for (std::size_t k = 0; k < d.count; ++k) xh[k] = bnkit_f16_from_f32(x[k]);
    for (std::size_t c = 0; c < C; ++c) {
        gamma[c] = 1.0f + 0.01f * static_cast<float>(c);
        beta[c] = 0.1f * static_cast<float>(c % 7);
        mean[c] = 0.0f;
        var[c] = 1.0f;
    }
    const bnkit_bn_train_params params{1e-3f, 0.99, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};

    bnkit_status st = BNKIT_OK;
    for (int k = 0; k < calls; ++k) {
        if (op == 'i')
            st = bnkit_bn_infer_f32(&d, x.data(), y.data(), gamma.data(), beta.data());
        else if (op == 'f')
            st = bnkit_bn_infer_f16(&d, xh.data(), yh.data(), gamma.data(), beta.data());
        else
            st = bnkit_bn_train_f32(&d, &params, x.data(), y.data(), gamma.data(), beta.data(), mean.data(),
                                    var.data(), saved_mean.data(), saved_invstd.data(),
                                    bnkit_buffer{ws.data(), ws.size()});
    }
    return static_cast<int>(st);
}
