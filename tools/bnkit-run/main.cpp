// bnkit-run: run one bnkit front-end layer on .npy tensors and write its outputs as .npy,
// for parity checks against Keras and MindSpore (docs/bnkit-run.md).
// Exit status: 0 on success; 2 on any bad input, with exactly one line on stderr and no
// output file written.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "args.hpp"
#include "error.hpp"
#include "run.hpp"
#include "write_outputs.hpp"

namespace {

constexpr int exit_bad_input = 2;

int fail(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';  // the contract is one line
    std::cerr << "bnkit-run: error: " << message << '\n';
    return exit_bad_input;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const bnkit_run::Options options = bnkit_run::parse_args(argc, argv);
        if (options.help) {
            std::cout << bnkit_run::usage();
            return std::cout.flush() ? 0 : exit_bad_input;
        }
        // Everything is validated and computed in memory before the first file is written.
        const std::vector<bnkit_run::OutputFile> files = bnkit_run::compute(options);
        bnkit_run::write_outputs(options.out, files);
        return 0;
    } catch (const bnkit_run::Error& e) {
        return fail(e.what());
    } catch (const std::bad_alloc&) {
        return fail("out of memory");
    } catch (const std::exception& e) {
        return fail(std::string("internal error: ") + e.what());
    }
}
