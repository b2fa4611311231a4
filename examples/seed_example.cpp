// The seed document's example (MindSpore's "BatchNorm2d vs tf.keras BatchNormalization"
// page), run through both bnkit front-ends in inference mode on the same 2x2x2x2 input:
//   TF:  BatchNormalization(axis=3, momentum=0.1, epsilon=1e-5)(x, training=False)
//   MS:  BatchNorm2d(num_features=2, momentum=0.9)(x)   (a fresh cell: eval mode)
// The page's printed outputs are 0.999995 ... (TF) and 0.99999493 ... (MS, run on a GPU);
// bnkit reproduces both within 1 float32 ulp (tests/semantics/test_seed.cpp checks it).
#include <cstdio>
#include <cstdlib>

#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"

namespace {

const float input[16] = {1, 2, 2, 1, 3, 4, 4, 3, 5, 6, 6, 5, 7, 8, 8, 7};
const bnkit::Shape shape{2, 2, 2, 2};

// The shortest decimal that reads back as the same float, as numpy prints it.
const char* shortest(float v, char (&buf)[32]) {
    for (int digits = 1; digits <= 9; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(v));
        if (std::strtof(buf, nullptr) == v) break;
    }
    return buf;
}

void print(const char* title, const float* y) {
    std::printf("%s\n", title);
    char a[32], b[32];
    for (int n = 0; n < 2; ++n)
        for (int c = 0; c < 2; ++c) {
            const float* r = y + (n * 2 + c) * 4;
            std::printf("  [[%-10s %-10s]\n", shortest(r[0], a), shortest(r[1], b));
            std::printf("   [%-10s %-10s]]\n", shortest(r[2], a), shortest(r[3], b));
        }
}

}  // namespace

int main() {
    bnkit::keras::Config kc;
    kc.axis = 3;
    kc.momentum = 0.1;
    kc.epsilon = 1e-5;
    bnkit::keras::BatchNormalization<8> tf_bn(kc);
    float y_tf[16];
    bnkit::Status s = tf_bn.call(shape, {input, 16}, y_tf, false);
    if (s != BNKIT_OK) {
        std::fprintf(stderr, "keras: %s\n", bnkit_status_str(s));
        return 1;
    }
    print("tf.keras.layers.BatchNormalization(axis=3, momentum=0.1, epsilon=1e-5)(x, training=False):", y_tf);

    bnkit::mindspore::Config mc;
    mc.momentum = 0.9;
    bnkit::mindspore::BatchNorm2d<8> ms_bn(2, mc);
    float y_ms[16];
    s = ms_bn.call(shape, {input, 16}, y_ms);
    if (s != BNKIT_OK) {
        std::fprintf(stderr, "mindspore: %s\n", bnkit_status_str(s));
        return 1;
    }
    print("mindspore.nn.BatchNorm2d(num_features=2, momentum=0.9)(x):", y_ms);
    bnkit_bn_desc desc;
    const bnkit_isa isa = bnkit::describe(shape, 1, desc) == BNKIT_OK ? bnkit_bn_desc_isa(&desc) : BNKIT_ISA_SCALAR;
    std::printf("(bnkit %s kernels; TF's fused kernel raised epsilon to %.9g)\n", bnkit_isa_name(isa),
                static_cast<double>(tf_bn.effective_epsilon()));
    return 0;
}
