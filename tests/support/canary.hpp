// Canary buffers for the bad-input contract tests: fill memory with a bit pattern no bnkit
// function ever produces, then prove (bitwise, with memcmp) that nothing was written.
//
//  - canary_bits (0x7fa5a5a5) is a signalling-NaN pattern: a float compare would call it
//    unequal to itself, so everything here compares bytes, never floats.
//  - Guarded<T> puts guard zones of canary before and after a heap buffer, so a test can check
//    that even a successful call wrote nothing outside the buffer it was given.
//  - Arena is one contiguous, guarded block of floats from which a test carves sub-buffers
//    that overlap on purpose (partial aliasing) or sit apart.
//  - Snapshot keeps a byte copy of any memory and says whether it is still bit-identical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace bnkit_test {

inline constexpr std::uint32_t canary_bits = 0x7fa5a5a5u;

/// Fill `bytes` bytes at p with the canary pattern (the 32-bit word repeated, in memory order
/// starting from the first byte, so a partial word at the end gets its leading bytes).
inline void fill_canary(void* p, std::size_t bytes) noexcept {
    unsigned char word[4];
    std::memcpy(word, &canary_bits, 4);
    auto* b = static_cast<unsigned char*>(p);
    for (std::size_t i = 0; i < bytes; ++i) b[i] = word[i % 4];
}

/// Whether `bytes` bytes at p still hold exactly the pattern fill_canary writes.
inline bool is_canary(const void* p, std::size_t bytes) noexcept {
    unsigned char word[4];
    std::memcpy(word, &canary_bits, 4);
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < bytes; ++i)
        if (b[i] != word[i % 4]) return false;
    return true;
}

/// The canary as a float value (a signalling NaN); only for filling, never for comparing.
inline float canary_float() noexcept {
    float f;
    std::memcpy(&f, &canary_bits, 4);
    return f;
}

/// A byte copy of some memory; unchanged() compares it bitwise with the memory now.
class Snapshot {
public:
    Snapshot() = default;
    Snapshot(const void* p, std::size_t bytes) { take(p, bytes); }
    void take(const void* p, std::size_t bytes) {
        p_ = p;
        copy_.assign(static_cast<const unsigned char*>(p), static_cast<const unsigned char*>(p) + bytes);
    }
    bool unchanged() const noexcept { return copy_.empty() || std::memcmp(p_, copy_.data(), copy_.size()) == 0; }
    /// Index of the first byte that differs, or size() when none.
    std::size_t first_difference() const noexcept {
        const auto* b = static_cast<const unsigned char*>(p_);
        for (std::size_t i = 0; i < copy_.size(); ++i)
            if (b[i] != copy_[i]) return i;
        return copy_.size();
    }
    std::size_t size() const noexcept { return copy_.size(); }

private:
    const void* p_ = nullptr;
    std::vector<unsigned char> copy_;
};

/// A heap buffer of n elements with `guard` elements of canary on either side.
template <class T>
class Guarded {
public:
    static constexpr std::size_t default_guard = 16;
    explicit Guarded(std::size_t n, std::size_t guard = default_guard) : n_(n), guard_(guard), mem_(n + 2 * guard) {
        bnkit_test::fill_canary(mem_.data(), mem_.size() * sizeof(T));
    }
    T* data() noexcept { return mem_.data() + guard_; }
    const T* data() const noexcept { return mem_.data() + guard_; }
    std::size_t size() const noexcept { return n_; }
    std::size_t bytes() const noexcept { return n_ * sizeof(T); }
    T& operator[](std::size_t i) noexcept { return data()[i]; }
    const T& operator[](std::size_t i) const noexcept { return data()[i]; }

    /// Both guard zones still hold the canary.
    bool guards_intact() const noexcept {
        return is_canary(mem_.data(), guard_ * sizeof(T)) && is_canary(data() + n_, guard_ * sizeof(T));
    }
    /// The buffer itself (not the guards) filled with / still holding the canary.
    void fill_canary() noexcept { bnkit_test::fill_canary(data(), bytes()); }
    bool all_canary() const noexcept { return is_canary(data(), bytes()); }
    /// Whole block, guards included.
    Snapshot snapshot() const { return Snapshot(mem_.data(), mem_.size() * sizeof(T)); }

private:
    std::size_t n_, guard_;
    std::vector<T> mem_;
};

/// A canary-filled block of floats with guard zones, for carving buffers at chosen offsets.
class Arena {
public:
    static constexpr std::size_t guard = 16;
    explicit Arena(std::size_t floats) : n_(floats), mem_(floats + 2 * guard) {
        fill_canary(mem_.data(), mem_.size() * sizeof(float));
    }
    float* at(std::size_t offset) noexcept { return mem_.data() + guard + offset; }
    std::size_t size() const noexcept { return n_; }
    bool guards_intact() const noexcept {
        return is_canary(mem_.data(), guard * sizeof(float)) && is_canary(mem_.data() + guard + n_, guard * sizeof(float));
    }
    Snapshot snapshot() const { return Snapshot(mem_.data(), mem_.size() * sizeof(float)); }

private:
    std::size_t n_;
    std::vector<float> mem_;
};

/// Bitwise equality of two float arrays (NaN payloads and signed zeros included).
inline bool same_bits(const float* a, const float* b, std::size_t n) noexcept {
    return std::memcmp(a, b, n * sizeof(float)) == 0;
}

}  // namespace bnkit_test
