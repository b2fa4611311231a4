#!/bin/sh
# Executed-instruction counts of one bnkit call on AArch64 (qemu-aarch64 -cpu cortex-a72),
# NEON64 path against the scalar path, 1x64x56x56 NCHW and NHWC, inference and training.
# Uses the qemu-insncount TCG plugin (../shared/tools/qemu-insncount, or $INSNCOUNT_SRC) and
# platform/arm/insncount_main.cpp. Each figure is total(call runs once) - total(call runs
# zero times) for the same binary, arguments of the same length and an empty environment:
# exactly the instructions of the library call, including any libc code it reaches.
#   tools/insncount.sh            # build (preset aarch64 + a -fno-tree-vectorize copy), run, print
# Needs: cmake, ninja, g++-aarch64-linux-gnu, qemu-user, host gcc.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
src=${INSNCOUNT_SRC:-$root/../shared/tools/qemu-insncount}
out=$root/build/insncount
mkdir -p "$out"
gcc -shared -fPIC -O2 -o "$out/libinsncount.so" "$src/insncount.c"

# The normal AArch64 build (Release, -O3: GCC auto-vectorizes the scalar path's plain loops).
cmake --preset aarch64 -S "$root" >/dev/null
cmake --build "$root/build/aarch64" --target bnkit_insncount >/dev/null
# The same with -fno-tree-vectorize: the scalar path as really scalar code (reference column).
cmake -S "$root" -B "$out/novec" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBNKIT_WERROR=ON \
      -DCMAKE_TOOLCHAIN_FILE="$root/toolchains/aarch64-linux-gnu.cmake" \
      -DCMAKE_CXX_FLAGS=-fno-tree-vectorize -DBNKIT_BUILD_TESTS=OFF -DBNKIT_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out/novec" --target bnkit_insncount >/dev/null

count() {  # binary op layout path calls -> insns_total
    env -i qemu-aarch64 -cpu cortex-a72 -plugin "$out/libinsncount.so,out=$out/count.txt" "$1" "$2" "$3" "$4" "$5"
    sed -n 's/^insns_total //p' "$out/count.txt"
}
call() {  # binary op layout path -> instructions of one call
    echo $(( $(count "$1" "$2" "$3" "$4" 1) - $(count "$1" "$2" "$3" "$4" 0) ))
}

vec=$root/build/aarch64/platform/arm/bnkit_insncount
novec=$out/novec/platform/arm/bnkit_insncount
printf '%-10s %-6s %14s %14s %8s %18s %8s\n' call layout scalar neon64 ratio "scalar(no-vec)" ratio
for op in i t; do
    for layout in c h; do
        s=$(call "$vec" $op $layout s)
        n=$(call "$vec" $op $layout n)
        sn=$(call "$novec" $op $layout s)
        name=$( [ $op = i ] && echo inference || echo training )
        lay=$( [ $layout = c ] && echo NCHW || echo NHWC )
        printf '%-10s %-6s %14d %14d %8s %18d %8s\n' $name $lay "$s" "$n" \
            "$(awk "BEGIN{printf \"%.3f\", $n/$s}")" "$sn" "$(awk "BEGIN{printf \"%.3f\", $n/$sn}")"
    done
done
