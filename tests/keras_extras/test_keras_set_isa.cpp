// bnkit::keras::BatchNormalization::set_isa: forcing a kernel path on a layer (what the
// keras_extras oracle tests use to run every path), and its bad values.
#include <doctest/doctest.h>

#include "bnkit/keras.hpp"

using bnkit::keras::BatchNormalization;

TEST_CASE("keras set_isa: bad values get their status, every path trains to the scalar statistics") {
    BatchNormalization<2> bn;
    CHECK(bn.set_isa(static_cast<bnkit_isa>(8)) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(bn.set_isa(static_cast<bnkit_isa>(-1)) == BNKIT_ERR_BAD_ARGUMENT);
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i)
        if (!bnkit_isa_available(static_cast<bnkit_isa>(i)))
            CHECK(bn.set_isa(static_cast<bnkit_isa>(i)) == BNKIT_ERR_UNSUPPORTED_ISA);
    CHECK(bn.set_isa(BNKIT_ISA_AUTO) == BNKIT_OK);
    // Every available path trains to the same statistics as the scalar reference (here exactly:
    // 8 values of 2 channels, all sums exact in float).
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8];
    BatchNormalization<2> ref;
    REQUIRE(ref.set_isa(BNKIT_ISA_SCALAR) == BNKIT_OK);
    REQUIRE(ref.call({4, 2}, x, y, true) == BNKIT_OK);
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const auto isa = static_cast<bnkit_isa>(i);
        if (!bnkit_isa_available(isa)) continue;
        BatchNormalization<2> l;
        REQUIRE(l.set_isa(isa) == BNKIT_OK);
        REQUIRE(l.call({4, 2}, x, y, true) == BNKIT_OK);
        CHECK(l.moving_mean()[1] == ref.moving_mean()[1]);
        CHECK(l.moving_variance()[0] == ref.moving_variance()[0]);
    }
}
