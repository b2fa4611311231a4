#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it: installs what is
# missing, builds each configuration once (five ARM targets under QEMU, the host under
# ASan+UBSan and under TSan, the host) and runs its ctest suite (-j2). Exits non-zero if any
# configuration fails; the last lines are the host ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup-debian.sh --all || exit 1

failed=()
run_config() {  # name, cmake configure arguments...
  local name=$1; shift
  local dir=build/ci-$name
  echo "=== $name: configure, build, test"
  if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBNKIT_WERROR=ON "$@" >"$dir.configure.log" 2>&1; then
    mkdir -p build; cat "$dir.configure.log"; failed+=("$name (configure)"); return
  fi
  if ! cmake --build "$dir" -j2 >"$dir.build.log" 2>&1; then
    cat "$dir.build.log"; failed+=("$name (build)"); return
  fi
  (cd "$dir" && ctest -j2 --output-on-failure) || failed+=("$name")
}

mkdir -p build
# Every target's suite under QEMU: qemu-aarch64 -cpu cortex-a72, qemu-arm -cpu cortex-a15,
# and qemu-system-arm for the three Cortex-M boards (CMAKE_CROSSCOMPILING_EMULATOR).
# AArch64 also builds the opt-in FP16-arithmetic path: cortex-a72 proves its fallback, and
# platform/arm/fp16_tests.cmake adds the suite under -cpu max, where it runs.
for target in aarch64-linux-gnu arm-linux-gnueabihf cortex-m4 cortex-m7 cortex-m55; do
  extra=(); [ "$target" = aarch64-linux-gnu ] && extra=(-DBNKIT_ARM_FP16_ARITH=ON)
  run_config "$target" "-DCMAKE_TOOLCHAIN_FILE=$PWD/toolchains/$target.cmake" "${extra[@]}"
done
# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (any report fails the run).
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
run_config asan-ubsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBNKIT_BUILD_EXAMPLES=OFF \
  "-DCMAKE_C_FLAGS=$san" "-DCMAKE_CXX_FLAGS=$san" "-DCMAKE_EXE_LINKER_FLAGS=$san"
# ThreadSanitizer: the suite and the threads test (distinct layers on four threads).
run_config tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBNKIT_BUILD_EXAMPLES=OFF -DBNKIT_BUILD_TOOLS=OFF \
  "-DCMAKE_C_FLAGS=-fsanitize=thread" "-DCMAKE_CXX_FLAGS=-fsanitize=thread" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"
# The installed package, used as the README says (find_package, add_subdirectory, pkg-config):
# installs the aarch64 and Cortex-M4 builds above and a library-only host build (the full host
# build comes last) into build/ci-install-<target>, builds tests/consumer against each and runs
# it (QEMU for the cross targets), the add_subdirectory variant and the pkg-config build on the
# host, and the README's firmware walk-through: examples/c as its own project against the
# Cortex-M4 install, run with the installed QEMU runner.
consume() {  # name, source dir, build dir, cmake configure arguments...
  local name=$1 src=$2 dir=$3; shift 3
  echo "=== package: $name"
  rm -rf "$dir"
  if ! { cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" && cmake --build "$dir" -j2; } >"$dir.log" 2>&1; then
    cat "$dir.log"; failed+=("package: $name (build)"); return
  fi
  (cd "$dir" && ctest --output-on-failure) || failed+=("package: $name")
}
install_bnkit() {  # build/ci-<$1> -> build/ci-install-<$2, default $1>
  local to=build/ci-install-${2:-$1}
  rm -rf "$to"
  cmake --install "build/ci-$1" --prefix "$PWD/$to" >"$to.log" 2>&1 \
    || { cat "$to.log"; failed+=("package: $1 (install)"); return 1; }
}
if cmake -S . -B build/ci-pkg-host -G Ninja -DCMAKE_BUILD_TYPE=Release -DBNKIT_WERROR=ON -DBNKIT_BUILD_TESTS=OFF \
     -DBNKIT_BUILD_EXAMPLES=OFF -DBNKIT_BUILD_TOOLS=OFF >build/ci-pkg-host.log 2>&1 \
   && cmake --build build/ci-pkg-host -j2 >>build/ci-pkg-host.log 2>&1 && install_bnkit pkg-host host; then
  consume host tests/consumer build/ci-consumer-host "-DCMAKE_PREFIX_PATH=$PWD/build/ci-install-host"
  echo "=== package: pkg-config (host, C example)"
  if ! { cc -std=c99 -Wall -Wextra -Werror -pedantic examples/c/c_api_example.c \
           $(PKG_CONFIG_PATH=$PWD/build/ci-install-host/lib/pkgconfig pkg-config --cflags --libs bnkit) -lm \
           -o build/ci-pkgconfig-c_api_example && build/ci-pkgconfig-c_api_example; } >build/ci-pkgconfig.log 2>&1; then
    cat build/ci-pkgconfig.log; failed+=("package: pkg-config")
  fi
else
  cat build/ci-pkg-host.log; failed+=("package: host library (build)")
fi
consume add_subdirectory tests/consumer build/ci-consumer-subdir "-DBNKIT_SOURCE_DIR=$PWD"
for target in aarch64-linux-gnu cortex-m4; do
  install_bnkit "$target" && consume "$target" tests/consumer "build/ci-consumer-$target" \
    "-DCMAKE_TOOLCHAIN_FILE=$PWD/toolchains/$target.cmake" "-DCMAKE_PREFIX_PATH=$PWD/build/ci-install-$target"
done
if [[ -d build/ci-install-cortex-m4 ]]; then
  consume "firmware walk-through (cortex-m4)" examples/c build/ci-firmware-cortex-m4 \
    "-DCMAKE_TOOLCHAIN_FILE=$PWD/toolchains/cortex-m4.cmake" "-DCMAKE_PREFIX_PATH=$PWD/build/ci-install-cortex-m4"
  echo "=== package: the walk-through's firmware, run by the installed run-qemu-system.sh"
  build/ci-install-cortex-m4/share/bnkit/baremetal/run-qemu-system.sh mps2-an386 \
    build/ci-firmware-cortex-m4/c_api_example >build/ci-firmware-cortex-m4.run.log 2>&1 \
    || { cat build/ci-firmware-cortex-m4.run.log; failed+=("package: installed run-qemu-system.sh"); }
fi
# Fuzzing (docs/fuzzing.md): the C API's libFuzzer target, clang-14 with ASan + UBSan, 60 s
# from the seed corpus (new inputs go to build/ci-fuzz/corpus-run), then its short ctest run.
# Any crash, sanitizer report or broken invariant fails it; the input is left in build/ci-fuzz/.
fuzz_stage() {
  local dir=build/ci-fuzz cc cxx
  cc=$(command -v clang-14 || command -v clang); cxx=$(command -v clang++-14 || command -v clang++)
  echo "=== fuzz: configure, build, run 60 s"
  if ! { CC=$cc CXX=$cxx cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBNKIT_WERROR=ON \
           -DBNKIT_FUZZ=ON -DBNKIT_BUILD_TESTS=OFF -DBNKIT_BUILD_EXAMPLES=OFF -DBNKIT_BUILD_TOOLS=OFF \
           -DBNKIT_INSTALL=OFF && cmake --build "$dir" -j2; } >"$dir.log" 2>&1; then
    cat "$dir.log"; failed+=("fuzz (build)"); return
  fi
  rm -rf "$dir/corpus-run"; mkdir -p "$dir/corpus-run"
  if ! "$dir/tests/fuzz/bnkit_fuzz_c_api" -max_total_time=60 -timeout=10 -print_final_stats=1 \
         -artifact_prefix="$dir/" "$dir/corpus-run" tests/fuzz/corpus >"$dir.run.log" 2>&1; then
    tail -40 "$dir.run.log"; failed+=("fuzz"); return
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$dir.run.log"
  (cd "$dir" && ctest --output-on-failure) || failed+=("fuzz (ctest)")
}
fuzz_stage
# The benchmark is built here (not run: it is no test) so it cannot rot unnoticed.
run_config host -DBNKIT_BUILD_BENCH=ON

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "FAILED configurations: ${failed[*]}"
  exit 1
fi
