#include "random_draw.hpp"

extern "C" void bnkit_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
    bnkit::detail::philox4x32_10(counter, key, out);
}
