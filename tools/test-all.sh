#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it: installs what is
# missing, builds each configuration once and runs its ctest suite (-j2). Exits non-zero if
# any configuration fails; the last lines are ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup-debian.sh || exit 1

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
run_config host

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "FAILED configurations: ${failed[*]}"
  exit 1
fi
