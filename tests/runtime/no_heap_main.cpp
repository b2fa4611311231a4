// Proof that bnkit never touches the heap at run time: this program replaces malloc, free
// and operator new/delete with versions that abort once armed, then runs every public
// function (C API on every available path, both front-ends, training and backward). The
// link-time check (tools/cmake/CheckLibrarySymbols.cmake) shows the library has no such
// references; this shows no call path reaches one through libc or libstdc++ either.
// Host only (glibc's __libc_* entry points serve the allocations made before arming), and not
// under sanitizers, which replace malloc themselves.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "bnkit/bnkit.h"
#include "bnkit/initializers.hpp"
#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"

extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void __libc_free(void*);

namespace {

volatile bool armed = false;

void die(const char* what) {
    static const char prefix[] = "no_heap: heap used at run time: ";
    (void)!write(2, prefix, sizeof prefix - 1);
    std::size_t n = 0;
    while (what[n]) ++n;
    (void)!write(2, what, n);
    (void)!write(2, "\n", 1);
    std::abort();
}

void say(const char* text) {
    std::size_t n = 0;
    while (text[n]) ++n;
    (void)!write(1, text, n);
}

}  // namespace

extern "C" void* malloc(std::size_t n) {
    if (armed) die("malloc");
    return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t a, std::size_t b) {
    if (armed) die("calloc");
    return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, std::size_t n) {
    if (armed) die("realloc");
    return __libc_realloc(p, n);
}
extern "C" void free(void* p) {
    if (armed && p) die("free");
    __libc_free(p);
}
void* operator new(std::size_t n) {
    if (armed) die("operator new");
    return __libc_malloc(n ? n : 1);
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }

namespace {

constexpr std::size_t N = 2, C = 5, H = 3, W = 7, COUNT = N * C * H * W;
float x[COUNT], y[COUNT], dy[COUNT], dx[COUNT];
float gamma_[C], beta_[C], mean_[C], var_[C], scale[C], shift[C], saved_mean[C], saved_invstd[C], dgamma[C], dbeta[C];
unsigned char workspace[BNKIT_BN_WORKSPACE_BYTES(C)];

bnkit_f16 hx[COUNT], hy[COUNT], hdy[COUNT], hdx[COUNT];

// The float16 functions on the descriptor's path, and the bulk and scalar conversions.
bool run_f16(const bnkit_bn_desc& d, const bnkit_bn_train_params& p, bnkit_buffer ws) {
    return bnkit_f16_from_f32_n(x, hx, COUNT) == BNKIT_OK && bnkit_f16_from_f32_n(dy, hdy, COUNT) == BNKIT_OK &&
           bnkit_bn_infer_f16(&d, hx, hy, scale, shift) == BNKIT_OK &&
           bnkit_bn_train_f16(&d, &p, hx, hy, gamma_, beta_, mean_, var_, saved_mean, saved_invstd, ws) == BNKIT_OK &&
           bnkit_bn_backward_f16(&d, BNKIT_PHASE_TRAINING, hx, hdy, gamma_, saved_mean, saved_invstd, hdx, dgamma,
                                 dbeta, ws) == BNKIT_OK &&
           bnkit_f16_to_f32_n(hdx, dx, COUNT) == BNKIT_OK &&
           bnkit_f16_to_f32(bnkit_f16_from_f32(1.5f)) == 1.5f;
}

bool run_c_api(bnkit_isa isa) {
    bnkit_bn_desc d;
    const std::size_t dims[4] = {N, C, H, W};
    const int32_t axis = 1;
    if (bnkit_bn_desc_init(&d, 4, dims, 1, &axis) != BNKIT_OK || bnkit_bn_desc_set_isa(&d, isa) != BNKIT_OK) return false;
    std::size_t bytes = 0;
    const bnkit_bn_train_params p{1e-3f, 0.99, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    const bnkit_buffer ws{workspace, sizeof workspace};
    return bnkit_bn_workspace_size(&d, &bytes) == BNKIT_OK &&
           bnkit_bn_fold_f32(C, gamma_, beta_, mean_, var_, 1e-3f, scale, shift) == BNKIT_OK &&
           bnkit_bn_infer_f32(&d, x, y, scale, shift) == BNKIT_OK &&
           bnkit_bn_train_f32(&d, &p, x, y, gamma_, beta_, mean_, var_, saved_mean, saved_invstd, ws) == BNKIT_OK &&
           bnkit_bn_backward_f32(&d, BNKIT_PHASE_TRAINING, x, dy, gamma_, saved_mean, saved_invstd, dx, dgamma, dbeta,
                                 ws) == BNKIT_OK &&
           bnkit_bn_invstd_f32(C, var_, 1e-3f, saved_invstd) == BNKIT_OK &&
           bnkit_bn_backward_f32(&d, BNKIT_PHASE_INFERENCE, x, dy, gamma_, mean_, saved_invstd, dx, dgamma, dbeta,
                                 ws) == BNKIT_OK &&
           bnkit_bn_desc_isa(&d) != BNKIT_ISA_AUTO && bnkit_isa_name(isa)[0] != '\0' &&
           bnkit_status_str(BNKIT_ERR_ALIASING)[0] != '\0' &&
           bnkit_bn_infer_f32(&d, x, x + 1, scale, shift) == BNKIT_ERR_ALIASING &&  // an error path too
           run_f16(d, p, ws);
}

// The extras (random.h, fold_linear.h, stats.h) and a layer built from random initializers.
bool run_extras(bnkit_isa isa) {
    bnkit_bn_desc d;
    const std::size_t dims[4] = {N, C, H, W};
    const int32_t axis = 1;
    if (bnkit_bn_desc_init(&d, 4, dims, 1, &axis) != BNKIT_OK || bnkit_bn_desc_set_isa(&d, isa) != BNKIT_OK) return false;
    const bnkit_rng rng{1, 0};
    const bnkit_bn_train_params p{1e-3f, 0.99, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    const bnkit_buffer ws{workspace, sizeof workspace};
    float w[C * 3], m2[C], var[C];
    std::uint64_t n = 0;
    bnkit::keras::Config kc;
    kc.gamma_initializer = bnkit::keras_init::truncated_normal(3, 1.0f, 0.1f);
    bnkit::keras::BatchNormalization<8> k(kc);
    return bnkit_random_uniform_f32(&rng, -1.0f, 1.0f, w, C * 3) == BNKIT_OK &&
           bnkit_random_normal_f32(&rng, 0.0f, 1.0f, dgamma, C) == BNKIT_OK &&
           bnkit_random_truncated_normal_f32(&rng, 0.0f, 1.0f, -2.0f, 2.0f, dbeta, C) == BNKIT_OK &&
           bnkit_fold_into_linear_f32(C, 3, BNKIT_WEIGHTS_OUT_LAST, w, nullptr, gamma_, beta_, mean_, var_, 1e-3f, w,
                                      scale) == BNKIT_OK &&
           bnkit_bn_stats_f32(&d, x, &n, shift, m2, ws) == BNKIT_OK &&
           bnkit_bn_stats_merge_f32(C, n, shift, m2, n, shift, m2, &n, shift, m2) == BNKIT_OK &&
           bnkit_bn_stats_finalize_f32(C, n, m2, var) == BNKIT_OK &&
           bnkit_bn_train_with_stats_f32(&d, &p, n, shift, var, x, y, gamma_, beta_, mean_, var_, saved_mean,
                                         saved_invstd, ws) == BNKIT_OK &&
           bnkit_bn_backward_sums_f32(&d, x, dy, saved_mean, saved_invstd, dgamma, dbeta, ws) == BNKIT_OK &&
           bnkit_bn_backward_apply_sums_f32(&d, n, x, dy, gamma_, saved_mean, saved_invstd, dgamma, dbeta, dx, ws) ==
               BNKIT_OK &&
           k.build({N, C}) == BNKIT_OK;
}

bool run_layers() {
    const bnkit::Shape nchw{N, C, H, W};
    bnkit::keras::Config kc;
    kc.axis = 1;
    bnkit::keras::BatchNormalization<8> k(kc);
    const bnkit::Span<const float> weights[4] = {{gamma_, C}, {beta_, C}, {mean_, C}, {var_, C}};
    bool ok = k.build(nchw) == BNKIT_OK && k.set_weights(weights, 4) == BNKIT_OK &&
              k.call(nchw, {x, COUNT}, {y, COUNT}, true) == BNKIT_OK &&
              k.backward(nchw, {x, COUNT}, {dy, COUNT}, {dx, COUNT}) == BNKIT_OK &&
              k.call(nchw, {x, COUNT}, {y, COUNT}) == BNKIT_OK;
    bnkit::mindspore::BatchNorm2d<8> m(C);
    m.set_train(true);
    ok = ok && m.load_parameter("bn.gamma", {gamma_, C}) == BNKIT_OK &&
         m.call(nchw, {x, COUNT}, {y, COUNT}) == BNKIT_OK &&
         m.backward(nchw, {x, COUNT}, {dy, COUNT}, {dx, COUNT}) == BNKIT_OK;
    m.set_train(false);
    return ok && m.call(nchw, {x, COUNT}, {y, COUNT}) == BNKIT_OK && m.call({N, C, H}, {x, COUNT}, {y, COUNT}) == BNKIT_ERR_BAD_RANK;
}

// Issue 8's Keras extras: regularizers, constraints, SGD step, renorm and virtual batches.
float ghost_ws[bnkit::keras::virtual_batch_workspace_floats(1, C * H * W)];
bool run_keras_extras() {
    const bnkit::Shape nchw{N, C, H, W};
    bnkit::keras::Config kc;
    kc.axis = 1;
    kc.renorm = true;
    kc.virtual_batch_size = 1;
    kc.gamma_regularizer = bnkit::keras::l2(0.01f);
    kc.gamma_constraint = bnkit::keras::max_norm(2.0f);
    bnkit::keras::BatchNormalization<8> k(kc);
    k.set_virtual_batch_workspace(ghost_ws);
    float loss = 0.0f;
    float w[C] = {1, -2, 3, 0.5f, 4};
    const bnkit_constraint unit = bnkit::keras::unit_norm();
    return k.call(nchw, {x, COUNT}, {y, COUNT}, true) == BNKIT_OK &&
           k.backward(nchw, {x, COUNT}, {dy, COUNT}, {dx, COUNT}) == BNKIT_OK && k.sgd_step(0.1f) == BNKIT_OK &&
           k.regularization_loss(loss) == BNKIT_OK && bnkit_constraint_apply_f32(&unit, C, w) == BNKIT_OK;
}

}  // namespace

int main() {
    for (std::size_t i = 0; i < COUNT; ++i) {
        x[i] = static_cast<float>((i * 37) % 11) - 5.0f;
        dy[i] = static_cast<float>((i * 13) % 7) * 0.25f;
    }
    for (std::size_t c = 0; c < C; ++c) gamma_[c] = 1.0f + c, beta_[c] = 0.5f * c, mean_[c] = 0.1f * c, var_[c] = 1.0f + c;

    armed = true;
    bool ok = run_layers();
    ok = ok && run_keras_extras();
    int paths = 0;
    for (int isa = BNKIT_ISA_SCALAR; isa <= BNKIT_ISA_NEON64; ++isa)
        if (bnkit_isa_available(static_cast<bnkit_isa>(isa))) {
            ok = ok && run_c_api(static_cast<bnkit_isa>(isa));
            ok = ok && run_extras(static_cast<bnkit_isa>(isa));
            ++paths;
        }
    armed = false;

    say(ok && paths > 0 ? "no_heap: every public function ran without the heap\n" : "no_heap: a call failed\n");
    return ok && paths > 0 ? 0 : 1;
}
