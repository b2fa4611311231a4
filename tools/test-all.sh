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
for target in aarch64-linux-gnu arm-linux-gnueabihf cortex-m4 cortex-m7 cortex-m55; do
  run_config "$target" "-DCMAKE_TOOLCHAIN_FILE=$PWD/toolchains/$target.cmake"
done
# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (any report fails the run).
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
run_config asan-ubsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBNKIT_BUILD_EXAMPLES=OFF \
  "-DCMAKE_C_FLAGS=$san" "-DCMAKE_CXX_FLAGS=$san" "-DCMAKE_EXE_LINKER_FLAGS=$san"
# ThreadSanitizer: the suite and the threads test (distinct layers on four threads).
run_config tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBNKIT_BUILD_EXAMPLES=OFF -DBNKIT_BUILD_TOOLS=OFF \
  "-DCMAKE_C_FLAGS=-fsanitize=thread" "-DCMAKE_CXX_FLAGS=-fsanitize=thread" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"
# The benchmark is built here (not run: it is no test) so it cannot rot unnoticed.
run_config host -DBNKIT_BUILD_BENCH=ON

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "FAILED configurations: ${failed[*]}"
  exit 1
fi
