#include "npy_file.hpp"

#include <cstdint>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "bnkit/half.h"
#include "tool_error.hpp"

namespace bnkit_tools {
namespace {

const char magic[] = "\x93NUMPY";
constexpr std::size_t magic_len = 6;

bool host_is_little_endian() {
    const std::uint32_t one = 1;
    unsigned char b;
    std::memcpy(&b, &one, 1);
    return b == 1;
}

std::uint64_t load_le(const char* p, std::size_t bytes) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < bytes; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
    return v;
}

// IEEE binary16 -> float32, exactly (every half value is a float).
float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu, frac = h & 0x3ffu;
    float magnitude;
    if (exp == 0x1f) {
        magnitude = frac ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    } else if (exp == 0) {
        magnitude = std::ldexp(static_cast<float>(frac), -24);  // subnormal (or zero)
    } else {
        magnitude = std::ldexp(static_cast<float>(frac | 0x400u), static_cast<int>(exp) - 25);
    }
    std::uint32_t bits;
    std::memcpy(&bits, &magnitude, 4);
    bits |= sign;
    float out;
    std::memcpy(&out, &bits, 4);
    return out;
}

// Little-endian elements of `d` -> floats, whatever the host's byte order.
void floats_from_le(const char* src, std::size_t n, Dtype d, float* dst) {
    for (std::size_t i = 0; i < n; ++i) {
        switch (d) {
        case Dtype::float16:
            dst[i] = half_to_float(static_cast<std::uint16_t>(load_le(src + 2 * i, 2)));
            break;
        case Dtype::float32: {
            const auto bits = static_cast<std::uint32_t>(load_le(src + 4 * i, 4));
            std::memcpy(dst + i, &bits, 4);
            break;
        }
        case Dtype::float64: {
            const std::uint64_t bits = load_le(src + 8 * i, 8);
            double v;
            std::memcpy(&v, &bits, 8);
            dst[i] = static_cast<float>(v);
            break;
        }
        }
    }
}

void floats_to_le(const float* src, std::size_t n, char* dst) {
    std::memcpy(dst, src, n * 4);
    if (host_is_little_endian()) return;
    for (std::size_t i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k) std::swap(dst[4 * i + k], dst[4 * i + 3 - k]);
}

// Each float rounded to binary16 by the library's own conversion, stored little-endian.
void halves_to_le(const float* src, std::size_t n, char* dst) {
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t bits = bnkit_f16_from_f32(src[i]).bits;
        dst[2 * i] = static_cast<char>(bits & 0xff);
        dst[2 * i + 1] = static_cast<char>(bits >> 8);
    }
}

// The header: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::size_t> shape;
    bool has_descr = false, has_order = false, has_shape = false;
};

class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& name) : s_(text), name_(name) {}

    Header parse() {
        Header h;
        ws();
        expect('{');
        for (;;) {
            ws();
            if (peek() == '}') break;
            const std::string key = string_literal();
            ws();
            expect(':');
            ws();
            if (key == "descr" && !h.has_descr) {
                h.descr = string_literal();
                h.has_descr = true;
            } else if (key == "fortran_order" && !h.has_order) {
                h.fortran_order = boolean();
                h.has_order = true;
            } else if (key == "shape" && !h.has_shape) {
                h.shape = tuple();
                h.has_shape = true;
            } else {
                fail("unexpected or repeated key '" + key + "'");
            }
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() != '}') fail("expected ',' or '}'");
        }
        ++i_;
        ws();
        if (i_ != s_.size()) fail("text after the closing '}'");
        if (!h.has_descr || !h.has_order || !h.has_shape) fail("missing 'descr', 'fortran_order' or 'shape'");
        return h;
    }

private:
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    [[noreturn]] void fail(const std::string& why) const {
        throw Error(name_ + ": malformed .npy header (" + why + ")");
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++i_;
    }
    std::string string_literal() {
        const char q = peek();
        if (q != '\'' && q != '"') fail("expected a quoted string");
        const std::size_t end = s_.find(q, i_ + 1);
        if (end == std::string::npos) fail("unterminated string");
        std::string v = s_.substr(i_ + 1, end - i_ - 1);
        i_ = end + 1;
        return v;
    }
    bool boolean() {
        if (s_.compare(i_, 4, "True") == 0) {
            i_ += 4;
            return true;
        }
        if (s_.compare(i_, 5, "False") == 0) {
            i_ += 5;
            return false;
        }
        fail("expected True or False");
    }
    std::size_t integer() {
        if (peek() < '0' || peek() > '9') fail("expected a dimension");
        std::size_t v = 0;
        while (peek() >= '0' && peek() <= '9') {
            const std::size_t d = static_cast<std::size_t>(peek() - '0');
            if (v > (std::numeric_limits<std::size_t>::max() - d) / 10) fail("dimension too large");
            v = v * 10 + d;
            ++i_;
        }
        if (peek() == 'L') ++i_;  // Python 2 longs
        return v;
    }
    std::vector<std::size_t> tuple() {
        std::vector<std::size_t> dims;
        expect('(');
        for (;;) {
            ws();
            if (peek() == ')') break;
            dims.push_back(integer());
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() != ')') fail("expected ',' or ')' in shape");
        }
        ++i_;
        return dims;
    }

    const std::string& s_;
    const std::string& name_;
    std::size_t i_ = 0;
};

std::uint32_t read_le(const std::string& b, std::size_t at, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < n; ++k) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + k])) << (8 * k);
    return v;
}

std::size_t item_size(Dtype d) { return d == Dtype::float16 ? 2 : d == Dtype::float32 ? 4 : 8; }

Dtype check_descr(const std::string& descr, const std::string& name, Dtypes accept) {
    const bool half = accept != Dtypes::float32_only, wide = accept == Dtypes::float16_32_64;
    const std::string expected = wide ? "float16, float32 or float64 ('<f2', '<f4', '<f8')"
                                 : half ? "float16 or float32 ('<f2', '<f4')"
                                        : "float32 ('<f4')";
    if (descr == "<f4") return Dtype::float32;
    if (half && (descr == "<f2" || descr == "|f2")) return Dtype::float16;
    if (wide && descr == "<f8") return Dtype::float64;
    if (descr == "<f2" || descr == "|f2" || descr == "f2")
        throw Error(name + ": dtype float16 ('" + descr + "') is not supported here; expected " + expected);
    if (descr.size() == 3 && descr[0] == '>' && descr[1] == 'f')
        throw Error(name + ": big-endian dtype '" + descr + "' is not supported; save as little-endian, expected " + expected);
    throw Error(name + ": unsupported dtype '" + descr + "'; expected " + expected);
}

}  // namespace

std::size_t element_count(const std::vector<std::size_t>& shape, const std::string& name) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) throw Error(name + ": shape overflows size_t");
        n *= d;
    }
    return n;
}

std::string shape_str(const std::vector<std::size_t>& shape) {
    std::ostringstream o;
    o << '(';
    for (std::size_t k = 0; k < shape.size(); ++k) o << (k ? ", " : "") << shape[k];
    if (shape.size() == 1) o << ',';
    o << ')';
    return o.str();
}

Array parse_npy(const std::string& b, const std::string& name, Dtypes accept) {
    if (b.size() < magic_len + 4 || b.compare(0, magic_len, magic, magic_len) != 0)
        throw Error(name + ": not a .npy file (bad magic)");
    const int major = static_cast<unsigned char>(b[6]), minor = static_cast<unsigned char>(b[7]);
    if (major < 1 || major > 3 || minor != 0)
        throw Error(name + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    if (b.size() < 8 + len_bytes) throw Error(name + ": truncated .npy header");
    const std::size_t header_len = read_le(b, 8, len_bytes);
    const std::size_t data_at = 8 + len_bytes + header_len;
    if (b.size() < data_at) throw Error(name + ": truncated .npy header");
    const std::string text = b.substr(8 + len_bytes, header_len);
    if (major < 3)
        for (unsigned char c : text)
            if (c >= 0x80) throw Error(name + ": malformed .npy header (non-ASCII text)");
    const Header h = HeaderParser(text, name).parse();

    const Dtype stored = check_descr(h.descr, name, accept);
    if (h.fortran_order) throw Error(name + ": fortran_order True is not supported; save a C-ordered array");
    if (h.shape.empty() || h.shape.size() > npy_max_rank)
        throw Error(name + ": rank " + std::to_string(h.shape.size()) + " array; bnkit-run needs rank 1 to 5");
    const std::size_t n = element_count(h.shape, name);
    const std::size_t size = item_size(stored);
    if (n > std::numeric_limits<std::size_t>::max() / size) throw Error(name + ": shape overflows size_t");
    if (b.size() - data_at != n * size)
        throw Error(name + ": data holds " + std::to_string(b.size() - data_at) + " bytes, shape " +
                    shape_str(h.shape) + " of " + dtype_name(stored) + " needs " + std::to_string(n * size));
    Array a;
    a.shape = h.shape;
    a.stored = stored;
    a.data.resize(n);
    floats_from_le(b.data() + data_at, n, stored, a.data.data());
    return a;
}

const char* dtype_name(Dtype d) {
    return d == Dtype::float16 ? "float16" : d == Dtype::float32 ? "float32" : "float64";
}

std::string read_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a file");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(path + ": cannot open for reading");
    std::string bytes;
    try {
        bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
        throw Error(path + ": read error");
    }
    if (f.bad()) throw Error(path + ": read error");
    return bytes;
}

Array read_npy(const std::string& path, Dtypes accept) { return parse_npy(read_file(path), path, accept); }

std::string serialize_npy(const Array& a) {
    if (a.stored == Dtype::float64) throw Error("internal: float64 .npy output is not supported");
    const bool half = a.stored == Dtype::float16;
    std::string dict = std::string("{'descr': '") + (half ? "<f2" : "<f4") +
                       "', 'fortran_order': False, 'shape': " + shape_str(a.shape) + ", }";
    // Pad with spaces so the data starts at a multiple of 64 bytes; the header ends in '\n'.
    const std::size_t prefix = magic_len + 2 + 2;
    const std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
    dict.append(total - prefix - dict.size() - 1, ' ');
    dict.push_back('\n');
    std::string out(magic, magic_len);
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(dict.size() & 0xff));
    out.push_back(static_cast<char>((dict.size() >> 8) & 0xff));
    out += dict;
    const std::size_t at = out.size();
    out.resize(at + a.data.size() * item_size(a.stored));
    if (half)
        halves_to_le(a.data.data(), a.data.size(), &out[at]);
    else
        floats_to_le(a.data.data(), a.data.size(), &out[at]);
    return out;
}

}  // namespace bnkit_tools
