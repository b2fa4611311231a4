#include "write_outputs.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "error.hpp"
#include "npy.hpp"

namespace bnkit_run {
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(path.string() + ": cannot open for writing");
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) throw Error(path.string() + ": write failed");
}

}  // namespace

void write_outputs(const std::string& dir_name, const std::vector<OutputFile>& files) {
    const fs::path dir(dir_name);
    std::error_code ec;
    bool created = false;
    if (!fs::exists(dir, ec)) {
        created = fs::create_directories(dir, ec);
        if (ec) throw Error("--out " + dir_name + ": cannot create directory: " + ec.message());
    } else if (!fs::is_directory(dir, ec)) {
        throw Error("--out " + dir_name + ": not a directory");
    }

    const std::string tmp_suffix = ".bnkit-run-tmp" + std::to_string(static_cast<long>(::getpid()));
    std::vector<fs::path> temps, finals;
    auto roll_back = [&] {
        std::error_code ignore;
        for (const fs::path& p : temps) fs::remove(p, ignore);
        for (const fs::path& p : finals) fs::remove(p, ignore);
        if (created) fs::remove(dir, ignore);  // only removes it when empty
    };
    try {
        for (const OutputFile& f : files) {
            temps.push_back(dir / (f.name + tmp_suffix));
            write_file(temps.back(), serialize_npy(f.array));
        }
        for (std::size_t i = 0; i < files.size(); ++i) {
            const fs::path target = dir / files[i].name;
            fs::rename(temps[i], target, ec);
            if (ec) throw Error(target.string() + ": cannot rename into place: " + ec.message());
            finals.push_back(target);
        }
    } catch (...) {
        roll_back();
        throw;
    }
}

}  // namespace bnkit_run
