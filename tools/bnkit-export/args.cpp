#include "args.hpp"

#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <vector>

#include "errors.hpp"

namespace bnkit_export {
namespace {

double parse_double(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(v[0])))
        throw UsageError(flag + ": '" + v + "' is not a number");
    if (errno == ERANGE || !std::isfinite(d)) throw UsageError(flag + ": '" + v + "' is out of range");
    return d;
}

long long parse_int(const std::string& flag, const std::string& v) {
    std::size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
    if (i >= v.size() || v.size() > 12) throw UsageError(flag + ": '" + v + "' is not an integer");
    for (std::size_t k = i; k < v.size(); ++k)
        if (v[k] < '0' || v[k] > '9') throw UsageError(flag + ": '" + v + "' is not an integer");
    return std::strtoll(v.c_str(), nullptr, 10);
}

bool parse_bool(const std::string& flag, const std::string& v) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw UsageError(flag + ": expected true or false, got '" + v + "'");
}

bnkit::Axes parse_axes(const std::string& flag, const std::string& v) {
    bnkit::Axes axes;
    axes.count = 0;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = v.find(',', start);
        const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const long long a = parse_int(flag, item);
        if (a < -static_cast<long long>(BNKIT_MAX_RANK) || a >= static_cast<long long>(BNKIT_MAX_RANK))
            throw UsageError(flag + ": axis " + item + " is outside [-5, 5)");
        if (axes.count == BNKIT_MAX_RANK) throw UsageError(flag + ": more than 5 axes");
        axes.v[axes.count++] = static_cast<std::int32_t>(a);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return axes;
}

bool is_identifier(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

std::string shell_quote(const std::string& a) {
    bool plain = !a.empty();
    for (char c : a)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("-_./=,:+").find(c) != std::string::npos)) plain = false;
    if (plain) return a;
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

const std::set<std::string> common_flags = {"--npz", "--gamma", "--beta", "--moving-mean", "--moving-variance",
                                            "--name", "--guard", "--out"};
const std::set<std::string> keras_flags = {"--center", "--scale", "--axis", "--momentum", "--epsilon", "--fused",
                                           "--input-rank"};
const std::set<std::string> mindspore_flags = {"--prefix", "--kind", "--eps", "--momentum", "--affine",
                                               "--data-format", "--moving-variance-update"};

}  // namespace

const char* usage() {
    return "usage: bnkit-export keras     SOURCE [--center true|false] [--scale true|false] [--axis A]\n"
           "                              [--momentum M] [--epsilon E] [--fused auto|true|false]\n"
           "                              [--input-rank R] OUTPUT\n"
           "       bnkit-export mindspore SOURCE [--prefix P] [--kind 1d|2d|3d] [--eps E] [--momentum M]\n"
           "                              [--affine true|false] [--data-format NCHW|NHWC]\n"
           "                              [--moving-variance-update unbiased|biased] OUTPUT\n"
           "SOURCE:  --npz FILE   Keras: np.savez(f, *layer.get_weights()) or named gamma/beta/...;\n"
           "                      MindSpore: checkpoint parameters '<prefix>.gamma', ... (select --prefix)\n"
           "     or  --gamma F.npy --beta F.npy --moving-mean F.npy --moving-variance F.npy\n"
           "         (Keras: leave out gamma/beta for scale/center false)\n"
           "OUTPUT:  --out FILE.h [--name IDENT] [--guard MACRO] [--fold]\n"
           "         --fold writes only the folded scale/shift (inference-only firmware)\n"
           "Float16 and float64 arrays are converted to float32. Exit status: 0 ok, 1 command line,\n"
           "2 unreadable input, 3 unusable parameters, 4 cannot write. Details: docs/bnkit-export.md\n";
}

Options parse_args(int argc, char** argv) {
    Options o;
    std::vector<std::string> args(argv + 1, argv + argc);
    o.command_line = "bnkit-export";
    for (const std::string& a : args) o.command_line += " " + shell_quote(a);
    if (args.empty()) throw UsageError("missing subcommand (keras or mindspore); see --help");
    if (args[0] == "--help" || args[0] == "-h") {
        o.help = true;
        return o;
    }
    if (args[0] == "keras") o.framework = Framework::keras;
    else if (args[0] == "mindspore") o.framework = Framework::mindspore;
    else throw UsageError("unknown subcommand '" + args[0] + "' (expected keras or mindspore)");
    const bool keras = o.framework == Framework::keras;
    const std::set<std::string>& own = keras ? keras_flags : mindspore_flags;

    std::set<std::string> seen;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& f = args[i];
        if (f == "--help" || f == "-h") {
            o.help = true;
            return o;
        }
        if (f == "--fold") {
            if (!seen.insert(f).second) throw UsageError("--fold given more than once");
            o.fold = true;
            continue;
        }
        if (!common_flags.count(f) && !own.count(f)) {
            const bool other = (keras ? mindspore_flags : keras_flags).count(f);
            throw UsageError("unknown flag '" + f + "'" + (other ? std::string(" for ") + args[0] : std::string()));
        }
        if (!seen.insert(f).second) throw UsageError(f + " given more than once");
        if (i + 1 >= args.size()) throw UsageError(f + ": missing value");
        const std::string& v = args[++i];
        if (f == "--npz") o.npz = v;
        else if (f == "--gamma") o.gamma = v;
        else if (f == "--beta") o.beta = v;
        else if (f == "--moving-mean") o.moving_mean = v;
        else if (f == "--moving-variance") o.moving_variance = v;
        else if (f == "--prefix") o.prefix = v;
        else if (f == "--name") o.name = v;
        else if (f == "--guard") o.guard = v;
        else if (f == "--out") o.out = v;
        else if (f == "--center") o.center = parse_bool(f, v);
        else if (f == "--scale") o.scale = parse_bool(f, v);
        else if (f == "--affine") o.affine = parse_bool(f, v);
        else if (f == "--axis") {
            o.axis = parse_axes(f, v);
            o.axis_text = v;
        } else if (f == "--momentum") {
            (keras ? o.keras_momentum : o.ms_momentum) = parse_double(f, v);
        } else if (f == "--epsilon") o.epsilon = parse_double(f, v);
        else if (f == "--eps") o.eps = parse_double(f, v);
        else if (f == "--fused") {
            if (v == "auto") o.fused.reset();
            else if (v == "true" || v == "false") o.fused = v == "true";
            else throw UsageError(f + ": expected auto, true or false, got '" + v + "'");
        } else if (f == "--input-rank") {
            const long long r = parse_int(f, v);
            if (r < 1 || r > BNKIT_MAX_RANK) throw UsageError(f + ": rank " + v + " is outside 1..5");
            o.input_rank = static_cast<std::uint32_t>(r);
        } else if (f == "--kind") {
            if (v == "1d") o.kind = MsKind::bn1d;
            else if (v == "2d") o.kind = MsKind::bn2d;
            else if (v == "3d") o.kind = MsKind::bn3d;
            else throw UsageError(f + ": expected 1d, 2d or 3d, got '" + v + "'");
        } else if (f == "--data-format") {
            if (v == "NCHW") o.data_format = bnkit::mindspore::DataFormat::NCHW;
            else if (v == "NHWC") o.data_format = bnkit::mindspore::DataFormat::NHWC;
            else throw UsageError(f + ": expected NCHW or NHWC, got '" + v + "'");
        } else if (f == "--moving-variance-update") {
            if (v == "unbiased") o.moving_variance_kind = bnkit::mindspore::MovingVariance::unbiased;
            else if (v == "biased") o.moving_variance_kind = bnkit::mindspore::MovingVariance::biased;
            else throw UsageError(f + ": expected unbiased or biased, got '" + v + "'");
        }
    }

    const bool any_npy = o.gamma || o.beta || o.moving_mean || o.moving_variance;
    if (o.npz && any_npy) throw UsageError("--npz and .npy files (--gamma, ...) are exclusive: give one source");
    if (!o.npz && !any_npy) throw UsageError("missing source: --npz FILE, or --gamma/--beta/--moving-mean/--moving-variance .npy files");
    if (any_npy && (!o.moving_mean || !o.moving_variance))
        throw UsageError("--moving-mean and --moving-variance are both required with .npy files");
    if (any_npy && !keras && (!o.gamma || !o.beta))
        throw UsageError("mindspore: --gamma and --beta are required (a BatchNorm cell always has them, even with affine=False)");
    if (any_npy && o.prefix) throw UsageError("--prefix selects a layer inside an --npz checkpoint; not with .npy files");
    if (o.out.empty()) throw UsageError("missing --out FILE (the header to write)");
    if (!is_identifier(o.name)) throw UsageError("--name: '" + o.name + "' is not a C identifier");
    if (o.guard && !is_identifier(*o.guard)) throw UsageError("--guard: '" + *o.guard + "' is not a C identifier");
    if (keras) {
        if (!(o.keras_momentum >= 0 && o.keras_momentum <= 1)) throw UsageError("--momentum: must lie in [0, 1]");
        if (!(o.epsilon >= 0)) throw UsageError("--epsilon: must be >= 0");
    } else {
        if (!(o.ms_momentum >= 0 && o.ms_momentum <= 1)) throw UsageError("--momentum: must lie in [0, 1]");
        if (!(o.eps > 0 && o.eps <= 1)) throw UsageError("--eps: must lie in (0, 1] (MindSpore's check)");
        if (o.kind == MsKind::bn3d && o.data_format == bnkit::mindspore::DataFormat::NHWC)
            throw UsageError("--data-format NHWC: MindSpore's BatchNorm3d takes NCDHW only");
    }
    return o;
}

}  // namespace bnkit_export
