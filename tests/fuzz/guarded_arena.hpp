// Every buffer of one fuzzed call lives in one malloc'd block, each slot between guard zones
// filled with a fixed pattern. ASan's redzones catch accesses outside the block; the guards
// and a byte-for-byte snapshot catch writes inside it that land outside the buffers a
// function may write. A buffer can also be placed inside another one's slot (aliasing
// cases), so the block ends with enough slack for any buffer to start anywhere in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace bnkit_fuzz {

class guarded_arena {
public:
    static constexpr std::size_t guard = 64;
    static constexpr std::uint8_t pattern = 0xA5;

    // Reserves a slot of `bytes` starting `misalign` bytes after a 64-byte boundary; returns
    // its offset in the block.
    std::size_t reserve(std::size_t bytes, std::size_t misalign) {
        cursor_ = (cursor_ + 63) / 64 * 64 + guard + misalign;
        const std::size_t at = cursor_;
        cursor_ += bytes;
        largest_ = bytes > largest_ ? bytes : largest_;
        return at;
    }

    // Allocates the block (after the last reserve) and fills it with the guard pattern.
    void allocate() {
        size_ = cursor_ + largest_ + 2 * guard;
        mem_ = static_cast<std::uint8_t*>(std::malloc(size_));
        std::memset(mem_, pattern, size_);
    }

    // A second block with the same layout and contents (the scalar reference call).
    void copy_from(const guarded_arena& other) {
        cursor_ = other.cursor_;
        largest_ = other.largest_;
        size_ = other.size_;
        mem_ = static_cast<std::uint8_t*>(std::malloc(size_));
        std::memcpy(mem_, other.mem_, size_);
    }

    guarded_arena() = default;
    guarded_arena(const guarded_arena&) = delete;
    guarded_arena& operator=(const guarded_arena&) = delete;
    ~guarded_arena() { std::free(mem_); }

    std::uint8_t* at(std::size_t offset) { return mem_ + offset; }
    std::size_t offset_of(const void* p) const {
        return static_cast<std::size_t>(static_cast<const std::uint8_t*>(p) - mem_);
    }
    std::size_t size() const { return size_; }
    std::vector<std::uint8_t> snapshot() const { return {mem_, mem_ + size_}; }

    // First byte offset that differs from `before` outside the [offset, offset + bytes)
    // ranges in `writable`, or size() if none.
    struct range {
        std::size_t offset, bytes;
    };
    std::size_t first_change_outside(const std::vector<std::uint8_t>& before, const std::vector<range>& writable) const {
        std::vector<bool> may(size_, false);
        for (const range& r : writable)
            for (std::size_t i = r.offset; i < r.offset + r.bytes && i < size_; ++i) may[i] = true;
        for (std::size_t i = 0; i < size_; ++i)
            if (!may[i] && mem_[i] != before[i]) return i;
        return size_;
    }

private:
    std::uint8_t* mem_ = nullptr;
    std::size_t size_ = 0;
    std::size_t cursor_ = 0;
    std::size_t largest_ = 0;
};

}  // namespace bnkit_fuzz
