// bnkit-export: one batch-norm layer's trained parameters (a Keras or MindSpore .npz, or
// .npy files) to a C header for firmware (docs/bnkit-export.md). Everything is read,
// validated and rendered in memory first; the header is written last, through a temporary
// file renamed into place, so a failed run leaves no (partial) output.
// Exit status: see errors.hpp; exactly one "bnkit-export: error: ..." line on failure.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "args.hpp"
#include "errors.hpp"
#include "header.hpp"
#include "load_params.hpp"
#include "resolve.hpp"

namespace {

using namespace bnkit_export;

int fail(std::string message, int status) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    std::cerr << "bnkit-export: error: " << message << '\n';
    return status;
}

void write_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw OutputError(tmp + ": cannot open for writing");
        f << text;
        f.close();
        if (!f) {
            std::remove(tmp.c_str());
            throw OutputError(tmp + ": write error");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw OutputError(path + ": cannot write (" + ec.message() + ")");
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse_args(argc, argv);
        if (o.help) {
            std::cout << usage();
            return std::cout.flush() ? 0 : exit_output;
        }
        const LayerParams p = load_params(o);
        const Resolved r = resolve(o, p);
        write_atomically(o.out, render_header(o, p, r));
        for (const Param* q : {p.gamma ? &*p.gamma : nullptr, p.beta ? &*p.beta : nullptr, &p.moving_mean, &p.moving_variance})
            if (q && q->stored != bnkit_tools::Dtype::float32)
                std::cerr << "bnkit-export: note: " << q->origin << ": " << bnkit_tools::dtype_name(q->stored)
                          << " converted to float32\n";
        return 0;
    } catch (const UsageError& e) {
        return fail(e.what(), exit_usage);
    } catch (const ParamError& e) {
        return fail(e.what(), exit_params);
    } catch (const OutputError& e) {
        return fail(e.what(), exit_output);
    } catch (const Error& e) {
        return fail(e.what(), exit_input);
    } catch (const std::bad_alloc&) {
        return fail("out of memory", exit_input);
    } catch (const std::exception& e) {
        return fail(std::string("internal error: ") + e.what(), exit_input);
    }
}
