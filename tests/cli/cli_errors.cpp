// bnkit-run's bad inputs: each exits 2 with exactly one line on stderr naming the problem,
// and writes nothing (the --out directory is not even created).
#include "cli_support.hpp"

using namespace cli_test;

TEST_CASE("errors: command line") {
    const Scratch s("errors_args");
    const std::string x = s.input("x.npy", {4, 1}, {1, 2, 3, 4});
    expect_error(s, {}, "missing subcommand", true);
    expect_error(s, {"pytorch", "--x", x}, "unknown subcommand");
    expect_error(s, {"keras", "--x", x, "--frobnicate"}, "unknown flag '--frobnicate'");
    expect_error(s, {"keras", "--x", x, "--eps", "1e-5"}, "unknown flag '--eps'");  // MindSpore's name
    expect_error(s, {"mindspore", "--num-features", "1", "--x", x, "--epsilon", "1"}, "unknown flag '--epsilon'");
    expect_error(s, {"keras", "--x", x, "--out"}, "--out: missing value", true);
    expect_error(s, {"keras", "--x", x, "--momentum", "0.9x"}, "--momentum: '0.9x' is not a number");
    expect_error(s, {"keras", "--x", x, "--axis", "1,,2"}, "--axis");
    expect_error(s, {"keras", "--x", x, "--training", "yes"}, "--training: expected true or false");
    expect_error(s, {"keras", "--x", x, "--fused", "maybe"}, "--fused");
    expect_error(s, {"mindspore", "--num-features", "-1", "--x", x}, "--num-features");
    expect_error(s, {"mindspore", "--x", x}, "missing --num-features");
    expect_error(s, {"mindspore", "--num-features", "1", "--x", x, "--train", "--eval"}, "exclusive");
    expect_error(s, {"mindspore", "--num-features", "1", "--x", x, "--data-format", "NDHWC"}, "--data-format");
    expect_error(s, {"keras", "--x", x, "--momentum", "0.5", "--momentum", "0.6"}, "more than once");
    expect_error(s, {"keras"}, "missing --x");
    expect_error(s, {"keras", "--x", x}, "missing --out", true);
    expect_error(s, {"keras", "--x", x, "--no-scale", "--gamma", x}, "--gamma given with --no-scale");
    expect_error(s, {"keras", "--x", x, "--no-center", "--beta", x}, "--beta given with --no-center");
    expect_error(s, {"keras", "--x", x, "--x", x, "--dy", x}, "--dy needs exactly one --x");
}

TEST_CASE("errors: unreadable and malformed .npy files") {
    const Scratch s("errors_npy");
    const std::vector<float> four = {1, 2, 3, 4};
    expect_error(s, {"keras", "--x", s / "missing.npy"}, "missing.npy: cannot open");
    expect_error(s, {"keras", "--x", s.dir.string()}, "is a directory");
    write_raw(s / "garbage.npy", "this is not numpy");
    expect_error(s, {"keras", "--x", s / "garbage.npy"}, "not a .npy file");
    WriteOptions f16;
    f16.descr = "<f2";
    // float16 x is accepted (cli_f16.cpp), but its data must be 2 bytes per element.
    expect_error(s, {"keras", "--x", s.input("half.npy", {2, 1}, {1, 2}, f16)}, "of float16 needs 4");
    WriteOptions be;
    be.descr = ">f4";
    expect_error(s, {"keras", "--x", s.input("be.npy", {4, 1}, four, be)}, "big-endian");
    WriteOptions f8;
    f8.descr = "<f8";
    expect_error(s, {"keras", "--x", s.input("f8.npy", {2, 1}, four, f8)}, "unsupported dtype '<f8'");
    WriteOptions fortran;
    fortran.fortran = true;
    expect_error(s, {"keras", "--x", s.input("fortran.npy", {2, 2}, four, fortran)}, "fortran_order");
    WriteOptions v4;
    v4.major = 4;
    expect_error(s, {"keras", "--x", s.input("v4.npy", {4, 1}, four, v4)}, "version 4.0");
    // A header promising more data than the file holds, and one with trailing bytes.
    expect_error(s, {"keras", "--x", s.input("short.npy", {5, 1}, four)}, "bytes");
    expect_error(s, {"keras", "--x", s.input("long.npy", {3, 1}, four)}, "bytes");
    expect_error(s, {"keras", "--x", s.input("rank0.npy", {}, {1})}, "rank 0");
    expect_error(s, {"keras", "--x", s.input("rank6.npy", {1, 1, 1, 1, 2, 2}, four)}, "rank 6");
    write_raw(s / "header.npy", std::string("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4' ", 26));
    expect_error(s, {"keras", "--x", s / "header.npy"}, "malformed .npy header");
    // A malformed file in any position, after good ones, still writes nothing.
    expect_error(s, {"keras", "--x", s.input("good.npy", {4, 1}, four), "--moving-mean", s / "garbage.npy"},
                 "garbage.npy");
}

TEST_CASE("errors: shape mismatches and bnkit statuses") {
    const Scratch s("errors_status");
    const std::string x = s.input("x.npy", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    expect_error(s, {"keras", "--x", x, "--dy", s.input("dy.npy", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})},
                 "differs from x shape");
    expect_error(s, {"keras", "--x", x, "--gamma", s.input("g3.npy", {3}, {1, 2, 3})}, "does not fit");
    expect_error(s, {"keras", "--x", x, "--axis", "2"}, "bad axis");
    expect_error(s, {"keras", "--x", x, "--axis", "0,2"}, "bad axis");
    expect_error(s, {"keras", "--x", x, "--momentum", "1.5", "--training", "true"}, "bad momentum");
    expect_error(s, {"keras", "--x", x, "--epsilon", "-1"}, "bad epsilon");
    expect_error(s, {"keras", "--x", x, "--x", s.input("x3.npy", {2, 3}, {1, 2, 3, 4, 5, 6})},
                 "channel count mismatch");
    expect_error(s, {"keras", "--x", s.input("x4.npy", {1, 1, 2, 2}, {1, 2, 3, 4}), "--axis", "2", "--fused", "true"},
                 "bad axis");
    expect_error(s, {"mindspore", "--num-features", "3", "--x", x}, "channel count mismatch");
    expect_error(s, {"mindspore", "--num-features", "100", "--x", x}, "channel count mismatch");
    expect_error(s, {"mindspore", "--num-features", "0", "--x", x}, "zero-sized dimension");
    expect_error(s, {"mindspore", "--num-features", "2", "--x", x, "--eps", "0"}, "bad epsilon");
    expect_error(s, {"mindspore", "--num-features", "4", "--x", s.input("r1.npy", {4}, {1, 2, 3, 4})}, "bad rank");
    expect_error(s, {"mindspore", "--num-features", "2", "--x", s.input("x5.npy", {1, 2, 1, 1, 2}, {1, 2, 3, 4}),
                     "--data-format", "NHWC"},
                 "bad argument");
    expect_error(s, {"keras", "--x", s.input("zero.npy", {0, 2}, {})}, "zero-sized dimension");
}

TEST_CASE("errors: a pre-existing --out directory is left untouched") {
    const Scratch s("errors_existing_out");
    fs::create_directories(s.dir / "out");
    const RunResult r = run(s, {"keras", "--x", s.input("x.npy", {4, 1}, {1, 2, 3, 4}), "--momentum", "7", "--training", "true", "--out",
                                s / "out"});
    CHECK(r.exit_code == 2);
    CHECK(r.err_lines() == 1);
    CHECK(listing(s.dir / "out").empty());
    // --out naming an existing file is an error too.
    write_raw(s / "file", "x");
    const RunResult r2 = run(s, {"keras", "--x", s / "x.npy", "--out", s / "file"});
    CHECK(r2.exit_code == 2);
    CHECK(r2.err.find("not a directory") != std::string::npos);
    CHECK(slurp(s.dir / "file") == "x");
}

TEST_CASE("errors: a write failure removes the files already written") {
    const Scratch s("errors_write_failure");
    // A directory where moving_variance.npy must go: y.npy and moving_mean.npy are renamed
    // into place first, then that rename fails and both must be removed again.
    fs::create_directories(s.dir / "out/moving_variance.npy");
    const RunResult r = run(s, {"keras", "--x", s.input("x.npy", {4, 1}, {1, 2, 3, 4}), "--out", s / "out"});
    CHECK(r.exit_code == 2);
    CHECK(r.err_lines() == 1);
    CHECK(r.err.find("moving_variance.npy") != std::string::npos);
    CHECK(listing(s.dir / "out") == std::vector<std::string>{"moving_variance.npy"});
    CHECK(fs::is_directory(s.dir / "out/moving_variance.npy"));
}
