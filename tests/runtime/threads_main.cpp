// Thread safety: layers on distinct threads give the same results, bit for bit, as the same
// calls made one after another. bnkit keeps no global mutable state (dispatch reads CPUID on
// each descriptor init and caches nothing), so this holds by construction; CI runs it under
// ThreadSanitizer, which reports any data race the calls would have.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"

namespace {

constexpr std::size_t kThreads = 4, N = 3, C = 6, H = 5, W = 7, COUNT = N * C * H * W, kSteps = 5;

struct Result {
    float y[COUNT], dx[COUNT], moving[4][C], grads[4][C];
};

// One worker's whole job: a Keras and a MindSpore layer, several training steps, an inference
// call and a backward pass, on data that depends on the worker's index.
void work(std::size_t id, Result& r) {
    float x[COUNT], dy[COUNT];
    for (std::size_t i = 0; i < COUNT; ++i) {
        x[i] = static_cast<float>((i * (7 + id)) % 23) * 0.5f - 3.0f + static_cast<float>(id);
        dy[i] = static_cast<float>((i * 5 + id) % 9) * 0.125f - 0.5f;
    }
    const bnkit::Shape nchw{N, C, H, W}, nhwc{N, H, W, C};
    bnkit::keras::BatchNormalization<C> k;  // axis -1: NHWC, fused path
    bnkit::mindspore::BatchNorm2d<C> m(C);
    m.set_train(true);
    bool ok = true;
    for (std::size_t s = 0; s < kSteps; ++s) {
        ok = ok && k.call(nhwc, {x, COUNT}, r.y, true) == BNKIT_OK;
        ok = ok && m.call(nchw, {x, COUNT}, r.y) == BNKIT_OK;
    }
    ok = ok && m.backward(nchw, {x, COUNT}, {dy, COUNT}, r.dx) == BNKIT_OK;
    ok = ok && k.backward(nhwc, {x, COUNT}, {dy, COUNT}, r.dx) == BNKIT_OK;
    ok = ok && k.call(nhwc, {x, COUNT}, r.y, false) == BNKIT_OK;
    if (!ok) std::abort();
    const bnkit::Span<const float> spans[4] = {k.moving_mean(), k.moving_variance(), m.moving_mean(),
                                               m.moving_variance()};
    const bnkit::Span<const float> grads[4] = {k.dgamma(), k.dbeta(), m.dgamma(), m.dbeta()};
    for (int j = 0; j < 4; ++j) {
        std::memcpy(r.moving[j], spans[j].data, C * sizeof(float));
        std::memcpy(r.grads[j], grads[j].data, C * sizeof(float));
    }
}

}  // namespace

int main() {
    std::vector<Result> sequential(kThreads), threaded(kThreads);
    for (std::size_t t = 0; t < kThreads; ++t) work(t, sequential[t]);
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < kThreads; ++t) pool.emplace_back(work, t, std::ref(threaded[t]));
    for (std::thread& th : pool) th.join();
    for (std::size_t t = 0; t < kThreads; ++t)
        if (std::memcmp(&sequential[t], &threaded[t], sizeof(Result)) != 0) {
            std::printf("threads: worker %zu differs from its sequential run\n", t);
            return 1;
        }
    std::printf("threads: %zu workers match their sequential runs bit for bit\n", kThreads);
    return 0;
}
