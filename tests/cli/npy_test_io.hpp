// The tests' own minimal .npy code, independent of bnkit-run's: writing inputs in any
// version / dtype string / order (to test rejection too), and reading bnkit-run's outputs,
// which must be version 1.0 '<f4' C order.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
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

/// Write an .npy whose header says `w` and whose data is the raw bytes of `data` (float32 on a
/// little-endian host), whatever the header claims: a mismatch is how bad inputs are built.
inline void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
                      const std::vector<float>& data, const WriteOptions& w = {}) {
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
    out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));  // little-endian host
    std::ofstream(path, std::ios::binary) << out;
}

inline void write_raw(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

/// Read a bnkit-run output; throws if it is not v1.0 '<f4' C order.
inline Npy read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    const std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": bad magic");
    if (b[6] != 1 || b[7] != 0) throw std::runtime_error(path + ": not version 1.0");
    const std::size_t hlen = static_cast<unsigned char>(b[8]) | static_cast<unsigned char>(b[9]) << 8;
    if ((10 + hlen) % 64 != 0) throw std::runtime_error(path + ": data not 64-byte aligned");
    const std::string h = b.substr(10, hlen);
    if (h.back() != '\n') throw std::runtime_error(path + ": header does not end in newline");
    if (h.find("'descr': '<f4'") == std::string::npos || h.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": not '<f4' C order: " + h);
    const std::size_t open = h.find("'shape': (");
    const std::size_t close = h.find(')', open);
    if (open == std::string::npos || close == std::string::npos) throw std::runtime_error(path + ": no shape");
    Npy a;
    std::size_t n = 1;
    const std::string dims = h.substr(open + 10, close - open - 10);
    for (std::size_t i = 0; i < dims.size();) {
        if (dims[i] < '0' || dims[i] > '9') {
            ++i;
            continue;
        }
        std::size_t d = 0;
        while (i < dims.size() && dims[i] >= '0' && dims[i] <= '9') d = d * 10 + static_cast<std::size_t>(dims[i++] - '0');
        a.shape.push_back(d);
        n *= d;
    }
    if (b.size() != 10 + hlen + 4 * n) throw std::runtime_error(path + ": size does not match shape");
    a.data.resize(n);
    std::memcpy(a.data.data(), b.data() + 10 + hlen, 4 * n);
    return a;
}

}  // namespace cli_test
