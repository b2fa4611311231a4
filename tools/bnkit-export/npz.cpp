#include "npz.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "tool_error.hpp"

namespace bnkit_export {
namespace {

using bnkit_tools::Error;

constexpr std::uint32_t sig_local = 0x04034b50, sig_central = 0x02014b50, sig_end = 0x06054b50;
constexpr std::uint32_t sig_zip64_end = 0x06064b50, sig_zip64_locator = 0x07064b50;
constexpr std::uint16_t method_stored = 0, method_deflate = 8;
// Deflate cannot expand data by more than about 1032:1; a larger claim is a corrupt header,
// caught before any allocation of that size.
constexpr std::uint64_t max_deflate_ratio = 1032;

// Bounds-checked little-endian reads from the archive; any overrun is a corrupt archive.
class Reader {
public:
    Reader(const std::string& bytes, const std::string& path) : b_(bytes), path_(path) {}
    std::uint64_t le(std::uint64_t at, unsigned n) const {
        need(at, n);
        std::uint64_t v = 0;
        for (unsigned k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[at + k])) << (8 * k);
        return v;
    }
    std::string str(std::uint64_t at, std::uint64_t n) const {
        need(at, n);
        return b_.substr(at, n);
    }
    void need(std::uint64_t at, std::uint64_t n) const {
        if (at > b_.size() || n > b_.size() - at) corrupt("a record runs past the end of the file (truncated?)");
    }
    [[noreturn]] void corrupt(const std::string& why) const { throw Error(path_ + ": corrupt zip archive: " + why); }

private:
    const std::string& b_;
    const std::string& path_;
};

// The end-of-central-directory record: searched backwards, since a comment may follow it.
std::uint64_t find_end_record(const std::string& b, const std::string& path) {
    const std::size_t min_size = 22, max_comment = 0xffff;
    if (b.size() >= min_size) {
        const std::size_t lowest = b.size() - min_size > max_comment ? b.size() - min_size - max_comment : 0;
        for (std::size_t at = b.size() - min_size + 1; at-- > lowest;)
            if (Reader(b, path).le(at, 4) == sig_end) return at;
    }
    throw Error(path + ": not a zip archive (no end-of-central-directory record); an .npz comes from np.savez or np.savez_compressed");
}

// Replace 0xffffffff fields by their zip64 extra-field values (header id 1), in the order
// the zip specification lists them.
void apply_zip64_extra(const Reader& r, std::uint64_t extra_at, std::uint64_t extra_len, std::uint64_t& uncompressed,
                       std::uint64_t& compressed, std::uint64_t& offset) {
    std::uint64_t at = extra_at;
    const std::uint64_t end = extra_at + extra_len;
    while (at + 4 <= end) {
        const auto id = r.le(at, 2), len = r.le(at + 2, 2);
        if (at + 4 + len > end) r.corrupt("an extra field runs past its record");
        if (id == 1) {
            std::uint64_t p = at + 4;
            for (std::uint64_t* field : {&uncompressed, &compressed, &offset}) {
                if (*field != 0xffffffffu) continue;
                if (p + 8 > at + 4 + len) r.corrupt("a zip64 extra field is too short");
                *field = r.le(p, 8);
                p += 8;
            }
        }
        at += 4 + len;
    }
}

}  // namespace

Npz::Npz(const std::string& path) : path_(path), bytes_(bnkit_tools::read_file(path)) {
    const Reader r(bytes_, path_);
    const std::uint64_t end = find_end_record(bytes_, path_);
    std::uint64_t entries = r.le(end + 10, 2), cd_size = r.le(end + 12, 4), cd_offset = r.le(end + 16, 4);
    if (r.le(end + 4, 2) != 0 || r.le(end + 6, 2) != 0) r.corrupt("multi-disk archives are not supported");
    if (entries == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
        if (end < 20 || r.le(end - 20, 4) != sig_zip64_locator) r.corrupt("zip64 fields without a zip64 locator");
        const std::uint64_t z = r.le(end - 20 + 8, 8);
        if (r.le(z, 4) != sig_zip64_end) r.corrupt("bad zip64 end-of-central-directory signature");
        entries = r.le(z + 32, 8);
        cd_size = r.le(z + 40, 8);
        cd_offset = r.le(z + 48, 8);
    }
    r.need(cd_offset, cd_size);
    std::uint64_t at = cd_offset;
    for (std::uint64_t k = 0; k < entries; ++k) {
        if (r.le(at, 4) != sig_central) r.corrupt("bad central directory entry signature");
        Member m;
        const auto flags = r.le(at + 8, 2);
        m.method = static_cast<std::uint16_t>(r.le(at + 10, 2));
        m.crc = static_cast<std::uint32_t>(r.le(at + 16, 4));
        m.compressed = r.le(at + 20, 4);
        m.uncompressed = r.le(at + 24, 4);
        const auto name_len = r.le(at + 28, 2), extra_len = r.le(at + 30, 2), comment_len = r.le(at + 32, 2);
        m.local_offset = r.le(at + 42, 4);
        m.file_name = r.str(at + 46, name_len);
        apply_zip64_extra(r, at + 46 + name_len, extra_len, m.uncompressed, m.compressed, m.local_offset);
        if (flags & 1u) throw Error(path_ + ": member '" + m.file_name + "' is encrypted; not supported");
        at += 46 + name_len + extra_len + comment_len;
        const std::string suffix = ".npy";
        if (m.file_name.size() <= suffix.size() || m.file_name.compare(m.file_name.size() - 4, 4, suffix) != 0)
            continue;  // not an array (np.load ignores such members too)
        names_.push_back(m.file_name.substr(0, m.file_name.size() - 4));
        members_.push_back(std::move(m));
    }
}

bool Npz::contains(const std::string& name) const {
    return std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::string Npz::member_bytes(const Member& m) const {
    const Reader r(bytes_, path_);
    const std::string who = path_ + ": member '" + m.file_name + "'";
    if (r.le(m.local_offset, 4) != sig_local) r.corrupt("bad local header signature for '" + m.file_name + "'");
    const std::uint64_t data_at = m.local_offset + 30 + r.le(m.local_offset + 26, 2) + r.le(m.local_offset + 28, 2);
    r.need(data_at, m.compressed);
    std::string out;
    if (m.method == method_stored) {
        if (m.compressed != m.uncompressed) r.corrupt("stored member '" + m.file_name + "' with different sizes");
        out = bytes_.substr(data_at, m.compressed);
    } else if (m.method == method_deflate) {
        if (m.uncompressed > (m.compressed + 1) * max_deflate_ratio || m.compressed > std::numeric_limits<uInt>::max() ||
            m.uncompressed > std::numeric_limits<uInt>::max())
            r.corrupt("implausible sizes for '" + m.file_name + "'");
        out.resize(m.uncompressed);
        z_stream z{};
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error(who + ": zlib initialisation failed");
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes_.data() + data_at));
        z.avail_in = static_cast<uInt>(m.compressed);
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        const int rc = inflate(&z, Z_FINISH);
        const uLong produced = z.total_out;
        inflateEnd(&z);
        if (rc != Z_STREAM_END || produced != m.uncompressed)
            r.corrupt("deflate data of '" + m.file_name + "' does not inflate to its recorded size");
    } else {
        throw Error(who + ": compression method " + std::to_string(m.method) +
                    " is not supported (np.savez stores, np.savez_compressed deflates)");
    }
    const uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(out.data()), out.size());
    if (crc != m.crc) r.corrupt("CRC mismatch in '" + m.file_name + "'");
    return out;
}

bnkit_tools::Array Npz::array(const std::string& name, bnkit_tools::Dtypes accept) const {
    for (std::size_t k = 0; k < names_.size(); ++k)
        if (names_[k] == name) return bnkit_tools::parse_npy(member_bytes(members_[k]), path_ + ":" + members_[k].file_name, accept);
    throw Error(path_ + ": no member '" + name + ".npy'");
}

}  // namespace bnkit_export
