#include "../core/validate.hpp"

extern "C" bnkit_status bnkit_bn_workspace_size(const bnkit_bn_desc* desc, size_t* bytes) {
    if (!desc || !bytes) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = bnkit::detail::check_desc(desc)) return s;
    *bytes = BNKIT_BN_WORKSPACE_BYTES(desc->channels);
    return BNKIT_OK;
}
