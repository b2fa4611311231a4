#include "npy.hpp"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "error.hpp"

namespace bnkit_run {
namespace {

const char magic[] = "\x93NUMPY";
constexpr std::size_t magic_len = 6;

bool host_is_little_endian() {
    const std::uint32_t one = 1;
    unsigned char b;
    std::memcpy(&b, &one, 1);
    return b == 1;
}

// Little-endian float32 bytes <-> floats, whatever the host's byte order.
void floats_from_le(const char* src, std::size_t n, float* dst) {
    if (n == 0) return;  // an empty array's data pointer may be null
    if (host_is_little_endian()) {
        std::memcpy(dst, src, n * 4);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        char b[4] = {src[4 * i + 3], src[4 * i + 2], src[4 * i + 1], src[4 * i]};
        std::memcpy(dst + i, b, 4);
    }
}

void floats_to_le(const float* src, std::size_t n, char* dst) {
    std::memcpy(dst, src, n * 4);
    if (host_is_little_endian()) return;
    for (std::size_t i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k) std::swap(dst[4 * i + k], dst[4 * i + 3 - k]);
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

void check_descr(const std::string& descr, const std::string& name) {
    if (descr == "<f4") return;
    if (descr == "<f2" || descr == "|f2" || descr == "f2")
        throw Error(name + ": dtype float16 ('" + descr +
                    "') is not supported yet; bnkit-run reads float32 ('<f4') only");
    if (descr == ">f4") throw Error(name + ": big-endian float32 ('>f4') is not supported; save as '<f4'");
    throw Error(name + ": unsupported dtype '" + descr + "'; bnkit-run reads float32 ('<f4') only");
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

Array parse_npy(const std::string& b, const std::string& name) {
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

    check_descr(h.descr, name);
    if (h.fortran_order) throw Error(name + ": fortran_order True is not supported; save a C-ordered array");
    if (h.shape.empty() || h.shape.size() > npy_max_rank)
        throw Error(name + ": rank " + std::to_string(h.shape.size()) + " array; bnkit-run needs rank 1 to 5");
    const std::size_t n = element_count(h.shape, name);
    if (n > std::numeric_limits<std::size_t>::max() / 4) throw Error(name + ": shape overflows size_t");
    if (b.size() - data_at != n * 4)
        throw Error(name + ": data holds " + std::to_string(b.size() - data_at) + " bytes, shape " +
                    shape_str(h.shape) + " of float32 needs " + std::to_string(n * 4));
    Array a;
    a.shape = h.shape;
    a.data.resize(n);
    floats_from_le(b.data() + data_at, n, a.data.data());
    return a;
}

Array read_npy(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a .npy file");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(path + ": cannot open for reading");
    std::string bytes;
    try {
        bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
        throw Error(path + ": read error");
    }
    if (f.bad()) throw Error(path + ": read error");
    return parse_npy(bytes, path);
}

std::string serialize_npy(const Array& a) {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_str(a.shape) + ", }";
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
    out.resize(at + a.data.size() * 4);
    floats_to_le(a.data.data(), a.data.size(), &out[at]);
    return out;
}

}  // namespace bnkit_run
