// NumPy .npz archives (what np.savez and np.savez_compressed write): a zip file of .npy
// members, stored or deflated, zip64 records included (NumPy forces zip64 local headers).
// The central directory is read once; a member is inflated, CRC-checked and parsed only
// when asked for. Every problem is a bnkit_tools::Error naming the archive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "npy_file.hpp"

namespace bnkit_export {

class Npz {
public:
    /// Read `path` and its central directory.
    explicit Npz(const std::string& path);

    /// Array names in archive order: member names without their ".npy" suffix.
    const std::vector<std::string>& names() const { return names_; }
    bool contains(const std::string& name) const;
    /// The member `name` ("gamma" for "gamma.npy"), inflated, CRC-checked and parsed.
    bnkit_tools::Array array(const std::string& name, bnkit_tools::Dtypes accept) const;
    const std::string& path() const { return path_; }

private:
    struct Member {
        std::string file_name;
        std::uint16_t method = 0;
        std::uint32_t crc = 0;
        std::uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
    };
    std::string member_bytes(const Member& m) const;

    std::string path_;
    std::string bytes_;
    std::vector<Member> members_;
    std::vector<std::string> names_;
};

}  // namespace bnkit_export
