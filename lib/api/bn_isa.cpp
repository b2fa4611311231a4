#include "../core/validate.hpp"
#include "../dispatch/select.hpp"

extern "C" bnkit_status bnkit_bn_desc_set_isa(bnkit_bn_desc* desc, bnkit_isa isa) {
    if (const bnkit_status s = bnkit::detail::check_desc_shape(desc)) return s;
    const int32_t v = bnkit::detail::enum_value(isa);
    if (v < BNKIT_ISA_AUTO || v > BNKIT_ISA_NEON64_FP16) return BNKIT_ERR_BAD_ARGUMENT;
    const bnkit_kernel_table* t = bnkit::detail::select_kernels(isa);
    if (!t) return BNKIT_ERR_UNSUPPORTED_ISA;
    desc->kernels = t;
    return BNKIT_OK;
}

extern "C" bnkit_isa bnkit_bn_desc_isa(const bnkit_bn_desc* desc) {
    if (!desc || !bnkit::detail::is_kernel_table(desc->kernels)) return BNKIT_ISA_SCALAR;
    return desc->kernels->isa;
}

extern "C" int bnkit_isa_available(bnkit_isa isa) {
    const int32_t v = bnkit::detail::enum_value(isa);
    return v >= BNKIT_ISA_AUTO && v <= BNKIT_ISA_NEON64_FP16 && bnkit::detail::select_kernels(isa) != nullptr;
}

extern "C" const char* bnkit_isa_name(bnkit_isa isa) {
    switch (bnkit::detail::enum_value(isa)) {  // any int may arrive from C
        case BNKIT_ISA_AUTO: return "auto";
        case BNKIT_ISA_SCALAR: return "scalar";
        case BNKIT_ISA_SSE2: return "sse2";
        case BNKIT_ISA_AVX2: return "avx2";
        case BNKIT_ISA_AVX512: return "avx512";
        case BNKIT_ISA_NEON: return "neon";
        case BNKIT_ISA_NEON64: return "neon64";
        case BNKIT_ISA_NEON64_FP16: return "neon64_fp16";
    }
    return "unknown";
}
