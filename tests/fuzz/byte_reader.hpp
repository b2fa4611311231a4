// Reads a fuzz input front to back, one field after another (docs/fuzzing.md lists the
// fields). Past the end every byte reads as 0, so any input, even an empty one, decodes to a
// complete call; the float values of the data buffers come after the header and fall back to
// a fixed pattern when the input is used up.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace bnkit_fuzz {

class byte_reader {
public:
    byte_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
    bool exhausted() const { return pos_ >= size_; }

    template <class T>
    T raw() {
        unsigned char bytes[sizeof(T)];
        for (auto& b : bytes) b = u8();
        T v;
        std::memcpy(&v, bytes, sizeof v);
        return v;
    }

    // A tensor value: mostly multiples of 1/8 in [-15, 15] (exact sums, so SIMD and scalar
    // statistics must agree closely), sometimes an IEEE special or raw bits.
    float value() {
        if (exhausted()) return static_cast<float>(static_cast<int>((pattern_++ * 7919u) % 61u) - 30) / 4.0f;
        const std::uint8_t b = u8();
        if (b < 0xF0) return static_cast<float>(static_cast<int>(b) - 120) / 8.0f;
        static constexpr float specials[15] = {
            std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
            INFINITY, -INFINITY, FLT_MAX, -FLT_MAX, FLT_MIN, std::numeric_limits<float>::denorm_min(),
            -0.0f, 1e30f, -1e30f, 1e-30f, 1e6f, -1e6f, 65504.0f};
        if (b == 0xFF) return raw<float>();
        return specials[b - 0xF0];
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
    unsigned pattern_ = 0;
};

}  // namespace bnkit_fuzz
