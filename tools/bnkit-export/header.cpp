#include "header.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "errors.hpp"

namespace bnkit_export {
namespace {

std::string upper(const std::string& s) {
    std::string u = s;
    for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
}

// The shortest decimal that reads back as the same double ("0.99", not "0.98999999999999999").
std::string double_literal(double v) {
    char b[40];
    for (int digits = 15; digits <= 17; ++digits) {
        std::snprintf(b, sizeof b, "%.*g", digits, v);
        if (std::strtod(b, nullptr) == v) break;
    }
    std::string s = b;
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
}

// A header comment cannot hold "*/"; file names could.
std::string comment_safe(std::string s) {
    for (std::size_t at; (at = s.find("*/")) != std::string::npos;) s.replace(at, 2, "* /");
    return s;
}

void array(std::ostringstream& h, const std::string& ident, const std::string& count_macro, const std::vector<float>& v) {
    h << "static const float " << ident << "[" << count_macro << "] BNKIT_EXPORT_MAYBE_UNUSED = {";
    for (std::size_t k = 0; k < v.size(); ++k) h << (k % 6 ? " " : "\n    ") << float_literal(v[k]) << (k + 1 < v.size() ? "," : "");
    h << "\n};\n";
}

std::string conversions(const LayerParams& p) {
    std::string s;
    for (const Param* q : {p.gamma ? &*p.gamma : nullptr, p.beta ? &*p.beta : nullptr, &p.moving_mean, &p.moving_variance})
        if (q && q->stored != bnkit_tools::Dtype::float32)
            s += " * " + q->origin + ": " + bnkit_tools::dtype_name(q->stored) + " converted to float32" +
                 (q->stored == bnkit_tools::Dtype::float64 ? " (rounded to nearest)\n" : " (exact)\n");
    return s;
}

void keras_cpp(std::ostringstream& h, const Options& o, const LayerParams& p, const std::string& n, const std::string& N) {
    h << "#include \"bnkit/keras.hpp\"\n\n"
      << "/* " << n << "_layer layer(" << n << "_config());  -- the weights fill in at layer.build(shape) or the first call. */\n"
      << "typedef bnkit::keras::BatchNormalization<" << N << "_CHANNELS> " << n << "_layer;\n\n"
      << "static inline bnkit::keras::Config " << n << "_config() {\n"
      << "    bnkit::keras::Config c;\n"
      << "    c.axis = bnkit::Axes{" << o.axis_text << "};\n"
      << "    c.momentum = " << double_literal(o.keras_momentum) << ";\n"
      << "    c.epsilon = " << double_literal(o.epsilon) << ";  /* as given: the front-end applies the fused floor itself */\n"
      << "    c.center = " << (p.beta ? "true" : "false") << ";\n"
      << "    c.scale = " << (p.gamma ? "true" : "false") << ";\n";
    if (p.gamma) h << "    c.gamma_initializer = bnkit::tensor(" << n << "_gamma, " << N << "_CHANNELS);\n";
    if (p.beta) h << "    c.beta_initializer = bnkit::tensor(" << n << "_beta, " << N << "_CHANNELS);\n";
    h << "    c.moving_mean_initializer = bnkit::tensor(" << n << "_moving_mean, " << N << "_CHANNELS);\n"
      << "    c.moving_variance_initializer = bnkit::tensor(" << n << "_moving_variance, " << N << "_CHANNELS);\n";
    if (o.fused) h << "    c.fused = " << (*o.fused ? "true" : "false") << ";\n";
    h << "    return c;\n}\n";
}

const char* ms_kind(MsKind k) { return k == MsKind::bn1d ? "BatchNorm1d" : k == MsKind::bn2d ? "BatchNorm2d" : "BatchNorm3d"; }

void mindspore_cpp(std::ostringstream& h, const Options& o, const std::string& n, const std::string& N) {
    const char* kind = ms_kind(o.kind);
    h << "#include \"bnkit/mindspore.hpp\"\n\n"
      << "/* " << n << "_layer layer(" << N << "_CHANNELS, " << n << "_config());  -- num_features, config */\n"
      << "typedef bnkit::mindspore::" << kind << "<" << N << "_CHANNELS> " << n << "_layer;\n\n"
      << "static inline bnkit::mindspore::Config " << n << "_config() {\n"
      << "    bnkit::mindspore::Config c;\n"
      << "    c.eps = " << double_literal(o.eps) << ";\n"
      << "    c.momentum = " << double_literal(o.ms_momentum) << ";\n"
      << "    c.affine = " << (o.affine ? "true" : "false") << ";\n"
      << "    c.gamma_init = bnkit::tensor(" << n << "_gamma, " << N << "_CHANNELS);\n"
      << "    c.beta_init = bnkit::tensor(" << n << "_beta, " << N << "_CHANNELS);\n"
      << "    c.moving_mean_init = bnkit::tensor(" << n << "_moving_mean, " << N << "_CHANNELS);\n"
      << "    c.moving_var_init = bnkit::tensor(" << n << "_moving_variance, " << N << "_CHANNELS);\n"
      << "    c.data_format = bnkit::mindspore::DataFormat::"
      << (o.data_format == bnkit::mindspore::DataFormat::NCHW ? "NCHW" : "NHWC") << ";\n"
      << "    c.moving_variance = bnkit::mindspore::MovingVariance::"
      << (o.moving_variance_kind == bnkit::mindspore::MovingVariance::unbiased ? "unbiased" : "biased") << ";\n"
      << "    return c;\n}\n";
}

}  // namespace

std::string float_literal(float v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.9g", static_cast<double>(v));
    std::string s = b;
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    // %.9g always round-trips a float; checked anyway, since a silent last-bit change is
    // exactly the bug this tool must not have.
    const float back = std::strtof(s.c_str(), nullptr);
    if (std::memcmp(&back, &v, sizeof v) != 0) throw Error("internal error: " + s + " does not read back as the same float");
    return s + "f";
}

std::string render_header(const Options& o, const LayerParams& p, const Resolved& r) {
    const std::string& n = o.name;
    const std::string N = upper(n);
    const std::string guard = o.guard ? *o.guard : N + "_BNKIT_H";
    const bool keras = o.framework == Framework::keras;
    std::ostringstream h;
    h << "/* " << n << ": " << (keras ? std::string("tf.keras.layers.BatchNormalization") : std::string("mindspore.nn.") + ms_kind(o.kind)) << " parameters for bnkit"
      << (o.fold ? ", pre-folded for inference" : "") << ".\n"
      << " * Generated by bnkit-export; regenerate instead of editing:\n"
      << " *   " << comment_safe(o.command_line) << "\n"
      << " * Source: " << comment_safe(p.source) << "\n"
      << comment_safe(conversions(p))
      << " * The arrays are const, so a microcontroller keeps them in flash. */\n"
      << "#ifndef " << guard << "\n#define " << guard << "\n\n"
      << "#include \"bnkit/bnkit.h\"\n\n"
      << "#ifndef BNKIT_EXPORT_MAYBE_UNUSED\n"
      << "#if defined(__GNUC__) || defined(__clang__)\n"
      << "#define BNKIT_EXPORT_MAYBE_UNUSED __attribute__((unused))\n"
      << "#else\n#define BNKIT_EXPORT_MAYBE_UNUSED\n#endif\n#endif\n\n"
      << "#define " << N << "_CHANNELS " << p.channels << "\n"
      << "/* The epsilon the layer's math uses, in float32: " << comment_safe(r.epsilon_why) << ". */\n"
      << "#define " << N << "_EPSILON " << float_literal(r.epsilon) << "\n";
    if (o.fold) {
        h << "\n/* scale = gamma / sqrt(moving_variance + epsilon), shift = beta - moving_mean * scale, computed by\n"
          << " * bnkit_bn_fold_f32 at export time. Inference: bnkit_bn_infer_f32(&desc, x, y, " << n << "_scale, " << n << "_shift). */\n";
        array(h, n + "_scale", N + "_CHANNELS", r.scale);
        array(h, n + "_shift", N + "_CHANNELS", r.shift);
        h << "\n#endif /* " << guard << " */\n";
        return h.str();
    }
    h << "#define " << N << "_MOMENTUM " << double_literal(keras ? o.keras_momentum : o.ms_momentum) << "\n\n";
    if (p.gamma) array(h, n + "_gamma", N + "_CHANNELS", p.gamma->values);
    if (p.beta) array(h, n + "_beta", N + "_CHANNELS", p.beta->values);
    array(h, n + "_moving_mean", N + "_CHANNELS", p.moving_mean.values);
    array(h, n + "_moving_variance", N + "_CHANNELS", p.moving_variance.values);
    h << "\n/* C: bnkit_bn_fold_f32(" << N << "_FOLD_ARGS, scale, shift) once, then bnkit_bn_infer_f32 per input."
      << (p.gamma && p.beta ? "" : " NULL stands for gamma = 1 (scale=False) / beta = 0 (center=False).") << " */\n"
      << "#define " << N << "_FOLD_ARGS " << N << "_CHANNELS, " << (p.gamma ? n + "_gamma" : "NULL") << ", "
      << (p.beta ? n + "_beta" : "NULL") << ", " << n << "_moving_mean, " << n << "_moving_variance, " << N << "_EPSILON\n\n"
      << "#ifdef __cplusplus\n";
    if (keras) keras_cpp(h, o, p, n, N);
    else mindspore_cpp(h, o, n, N);
    h << "#endif /* __cplusplus */\n\n#endif /* " << guard << " */\n";
    return h.str();
}

}  // namespace bnkit_export
