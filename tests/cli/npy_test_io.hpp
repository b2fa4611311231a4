// The tests' own minimal .npy code, independent of bnkit-run's: writing inputs in any
// version / dtype string / order (to test rejection too), and reading bnkit-run's outputs,
// which must be version 1.0 '<f4' (or, for float16 activations, '<f2') C order.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cli_test {

struct Npy {
    std::vector<std::size_t> shape;
    std::vector<float> data;
};

inline std::string shape_literal(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    if (shape.size() == 1) s += ",";
    return s + ")";
}

struct WriteOptions {
    int major = 1;
    std::string descr = "<f4";
    bool fortran = false;
};

/// Write an .npy whose header says `w` and whose data is `bytes` raw bytes at `data`, whatever
/// the header claims: a mismatch is how bad inputs are built.
inline void write_npy_bytes(const std::string& path, const std::vector<std::size_t>& shape, const void* data,
                            std::size_t bytes, const WriteOptions& w) {
    std::string dict = "{'descr': '" + w.descr + "', 'fortran_order': " + (w.fortran ? "True" : "False") +
                       ", 'shape': " + shape_literal(shape) + ", }";
    const std::size_t len_bytes = w.major == 1 ? 2 : 4;
    const std::size_t prefix = 8 + len_bytes;
    const std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
    dict.append(total - prefix - dict.size() - 1, ' ');
    dict += '\n';
    std::string out = "\x93NUMPY";
    out += static_cast<char>(w.major);
    out += '\0';
    for (std::size_t k = 0; k < len_bytes; ++k) out += static_cast<char>((dict.size() >> (8 * k)) & 0xff);
    out += dict;
    out.append(static_cast<const char*>(data), bytes);
    std::ofstream(path, std::ios::binary) << out;
}

/// The raw bytes of float32 `data` (little-endian host) under the header `w` says.
inline void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
                      const std::vector<float>& data, const WriteOptions& w = {}) {
    write_npy_bytes(path, shape, data.data(), data.size() * sizeof(float), w);
}

/// A version 1.0 '<f2' .npy holding the given binary16 bit patterns (little-endian host).
inline void write_npy_f16(const std::string& path, const std::vector<std::size_t>& shape,
                          const std::vector<std::uint16_t>& bits) {
    WriteOptions w;
    w.descr = "<f2";
    write_npy_bytes(path, shape, bits.data(), bits.size() * 2, w);
}

inline void write_raw(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

struct NpyF16 {
    std::vector<std::size_t> shape;
    std::vector<std::uint16_t> bits;
};

/// Read a bnkit-run output of `descr` ('<f4' or '<f2'): the header checks and the raw data.
inline std::pair<std::vector<std::size_t>, std::string> read_npy_raw(const std::string& path,
                                                                     const std::string& descr) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    const std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": bad magic");
    if (b[6] != 1 || b[7] != 0) throw std::runtime_error(path + ": not version 1.0");
    const std::size_t hlen = static_cast<unsigned char>(b[8]) | static_cast<unsigned char>(b[9]) << 8;
    if ((10 + hlen) % 64 != 0) throw std::runtime_error(path + ": data not 64-byte aligned");
    const std::string h = b.substr(10, hlen);
    if (h.back() != '\n') throw std::runtime_error(path + ": header does not end in newline");
    if (h.find("'descr': '" + descr + "'") == std::string::npos || h.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": not '" + descr + "' C order: " + h);
    const std::size_t open = h.find("'shape': (");
    const std::size_t close = h.find(')', open);
    if (open == std::string::npos || close == std::string::npos) throw std::runtime_error(path + ": no shape");
    std::vector<std::size_t> shape;
    std::size_t n = 1;
    const std::string dims = h.substr(open + 10, close - open - 10);
    for (std::size_t i = 0; i < dims.size();) {
        if (dims[i] < '0' || dims[i] > '9') {
            ++i;
            continue;
        }
        std::size_t d = 0;
        while (i < dims.size() && dims[i] >= '0' && dims[i] <= '9') d = d * 10 + static_cast<std::size_t>(dims[i++] - '0');
        shape.push_back(d);
        n *= d;
    }
    const std::size_t item = descr == "<f2" ? 2 : 4;
    if (b.size() != 10 + hlen + item * n) throw std::runtime_error(path + ": size does not match shape");
    return {shape, b.substr(10 + hlen)};
}

/// Read a bnkit-run output; throws if it is not v1.0 '<f4' C order.
inline Npy read_npy(const std::string& path) {
    auto [shape, data] = read_npy_raw(path, "<f4");
    Npy a{shape, std::vector<float>(data.size() / 4)};
    std::memcpy(a.data.data(), data.data(), data.size());
    return a;
}

/// Read a bnkit-run float16 output; throws if it is not v1.0 '<f2' C order.
inline NpyF16 read_npy_f16(const std::string& path) {
    auto [shape, data] = read_npy_raw(path, "<f2");
    NpyF16 a{shape, std::vector<std::uint16_t>(data.size() / 2)};
    std::memcpy(a.bits.data(), data.data(), data.size());
    return a;
}

}  // namespace cli_test
