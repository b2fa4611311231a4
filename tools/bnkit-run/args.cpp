#include "args.hpp"

#include <cerrno>
#include <cmath>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "bnkit/initializers.hpp"
#include "error.hpp"

namespace bnkit_run {
namespace {

double parse_double(const std::string& flag, const std::string& v) {
    const char* s = v.c_str();
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(s, &end);
    if (v.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(v[0])))
        throw Error(flag + ": '" + v + "' is not a number");
    if (errno == ERANGE) throw Error(flag + ": '" + v + "' is out of range");
    return d;
}

long long parse_int(const std::string& flag, const std::string& v, bool allow_negative) {
    std::size_t i = 0;
    if (allow_negative && (v[0] == '-' || v[0] == '+')) i = 1;
    if (i >= v.size()) throw Error(flag + ": '" + v + "' is not an integer");
    for (std::size_t k = i; k < v.size(); ++k)
        if (v[k] < '0' || v[k] > '9') throw Error(flag + ": '" + v + "' is not " + (allow_negative ? "an integer" : "a non-negative integer"));
    errno = 0;
    const long long n = std::strtoll(v.c_str(), nullptr, 10);
    if (errno == ERANGE) throw Error(flag + ": '" + v + "' is out of range");
    return n;
}

bool parse_bool(const std::string& flag, const std::string& v) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw Error(flag + ": expected true or false, got '" + v + "'");
}

bnkit::Axes parse_axes(const std::string& flag, const std::string& v) {
    bnkit::Axes axes;
    axes.count = 0;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = v.find(',', start);
        const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty()) throw Error(flag + ": '" + v + "' is not a comma list of integers");
        const long long a = parse_int(flag, item, true);
        if (a < -static_cast<long long>(BNKIT_MAX_RANK) || a >= static_cast<long long>(BNKIT_MAX_RANK))
            throw Error(flag + ": axis " + item + " is outside [-5, 5)");
        if (axes.count == BNKIT_MAX_RANK) throw Error(flag + ": more than 5 axes");
        axes.v[axes.count++] = static_cast<std::int32_t>(a);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return axes;
}

// A flag table: name -> (takes a value, handler). Flags other than --x may appear once.
struct Flag {
    bool takes_value;
    std::function<void(const std::string&)> apply;
};

void add_common(std::map<std::string, Flag>& f, Options& o) {
    f["--x"] = {true, [&o](const std::string& v) { o.x.push_back(v); }};
    f["--gamma"] = {true, [&o](const std::string& v) { o.gamma = v; }};
    f["--beta"] = {true, [&o](const std::string& v) { o.beta = v; }};
    f["--moving-mean"] = {true, [&o](const std::string& v) { o.moving_mean = v; }};
    f["--moving-variance-in"] = {true, [&o](const std::string& v) { o.moving_variance = v; }};
    f["--dy"] = {true, [&o](const std::string& v) { o.dy = v; }};
    f["--out"] = {true, [&o](const std::string& v) { o.out = v; }};
}

void add_keras(std::map<std::string, Flag>& f, Options& o) {
    auto& c = o.keras;
    f["--axis"] = {true, [&c](const std::string& v) { c.axis = parse_axes("--axis", v); }};
    f["--momentum"] = {true, [&c](const std::string& v) { c.momentum = parse_double("--momentum", v); }};
    f["--epsilon"] = {true, [&c](const std::string& v) { c.epsilon = parse_double("--epsilon", v); }};
    f["--no-center"] = {false, [&c](const std::string&) { c.center = false; }};
    f["--no-scale"] = {false, [&c](const std::string&) { c.scale = false; }};
    f["--fused"] = {true, [&c](const std::string& v) {
                        if (v == "auto") c.fused.reset();
                        else if (v == "true" || v == "false") c.fused = v == "true";
                        else throw Error("--fused: expected auto, true or false, got '" + v + "'");
                    }};
    f["--trainable"] = {true, [&c](const std::string& v) { c.trainable = parse_bool("--trainable", v); }};
    f["--training"] = {true, [&o](const std::string& v) { o.keras_training = parse_bool("--training", v); }};
}

// Keras regularizer SPEC: l1:L, l2:L, l1_l2:A,B, or a bare name with Keras' string default 0.01.
bnkit_regularizer parse_regularizer(const std::string& flag, const std::string& v) {
    const std::size_t colon = v.find(':');
    const std::string name = v.substr(0, colon), arg = colon == std::string::npos ? "" : v.substr(colon + 1);
    const bool bare = colon == std::string::npos;
    auto num = [&](const std::string& s) { return static_cast<float>(parse_double(flag, s)); };
    if (name == "l1") return bnkit::keras::l1(bare ? 0.01f : num(arg));
    if (name == "l2") return bnkit::keras::l2(bare ? 0.01f : num(arg));
    if (name == "l1_l2") {
        if (bare) return bnkit::keras::l1_l2(0.01f, 0.01f);
        const std::size_t comma = arg.find(',');
        if (comma == std::string::npos) throw Error(flag + ": l1_l2 takes two penalties, l1_l2:A,B");
        return bnkit::keras::l1_l2(num(arg.substr(0, comma)), num(arg.substr(comma + 1)));
    }
    throw Error(flag + ": expected l1[:L], l2[:L] or l1_l2[:A,B], got '" + v + "'");
}

// Comma-separated numbers after "name:" (exactly `count` of them).
std::vector<float> parse_numbers(const std::string& flag, const std::string& v, std::size_t count) {
    std::vector<float> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = v.find(',', start);
        out.push_back(static_cast<float>(parse_double(flag, v.substr(start, comma == std::string::npos ? std::string::npos : comma - start))));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (out.size() != count) throw Error(flag + ": expected " + std::to_string(count) + " comma-separated numbers, got '" + v + "'");
    return out;
}

// Keras constraint SPEC: non_neg, unit_norm, max_norm[:M], min_max_norm[:LO,HI,RATE] (Keras' defaults when bare).
bnkit_constraint parse_constraint(const std::string& flag, const std::string& v) {
    const std::size_t colon = v.find(':');
    const std::string name = v.substr(0, colon);
    const bool bare = colon == std::string::npos;
    const std::string arg = bare ? "" : v.substr(colon + 1);
    if (name == "non_neg" && bare) return bnkit::keras::non_neg();
    if (name == "unit_norm" && bare) return bnkit::keras::unit_norm();
    if (name == "max_norm") return bare ? bnkit::keras::max_norm() : bnkit::keras::max_norm(parse_numbers(flag, arg, 1)[0]);
    if (name == "min_max_norm") {
        if (bare) return bnkit::keras::min_max_norm();
        const std::vector<float> n = parse_numbers(flag, arg, 3);
        return bnkit::keras::min_max_norm(n[0], n[1], n[2]);
    }
    throw Error(flag + ": expected non_neg, max_norm[:M], min_max_norm[:LO,HI,RATE] or unit_norm, got '" + v + "'");
}

// Keras renorm_clipping: rmax=R,rmin=R,dmax=D, any subset; other keys are Keras' ValueError.
bnkit::keras::RenormClipping parse_clipping(const std::string& flag, const std::string& v) {
    bnkit::keras::RenormClipping c;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = v.find(',', start);
        const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos) throw Error(flag + ": expected KEY=VALUE items, got '" + item + "'");
        const std::string key = item.substr(0, eq);
        const double value = parse_double(flag, item.substr(eq + 1));
        std::optional<double>* slot = key == "rmax" ? &c.rmax : key == "rmin" ? &c.rmin : key == "dmax" ? &c.dmax : nullptr;
        if (!slot) throw Error(flag + ": unknown key '" + key + "' (expected rmax, rmin, dmax)");
        if (slot->has_value()) throw Error(flag + ": key '" + key + "' given twice");
        *slot = value;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return c;
}

// Issue 8 parameters of the Keras front-end (docs/bnkit-run.md). Fused activation
// (--activation) belongs in its own add_* function next to this one.
void add_keras_extras(std::map<std::string, Flag>& f, Options& o) {
    auto& c = o.keras;
    f["--gamma-regularizer"] = {true, [&o](const std::string& v) {
                                    o.keras.gamma_regularizer = parse_regularizer("--gamma-regularizer", v);
                                    o.keras_regularized = true;
                                }};
    f["--beta-regularizer"] = {true, [&o](const std::string& v) {
                                   o.keras.beta_regularizer = parse_regularizer("--beta-regularizer", v);
                                   o.keras_regularized = true;
                               }};
    f["--gamma-constraint"] = {true, [&c](const std::string& v) { c.gamma_constraint = parse_constraint("--gamma-constraint", v); }};
    f["--beta-constraint"] = {true, [&c](const std::string& v) { c.beta_constraint = parse_constraint("--beta-constraint", v); }};
    f["--renorm"] = {false, [&c](const std::string&) { c.renorm = true; }};
    f["--renorm-clipping"] = {true, [&c](const std::string& v) { c.renorm_clipping = parse_clipping("--renorm-clipping", v); }};
    f["--renorm-momentum"] = {true, [&c](const std::string& v) { c.renorm_momentum = parse_double("--renorm-momentum", v); }};
    f["--virtual-batch-size"] = {true, [&c](const std::string& v) {
                                     const long long n = parse_int("--virtual-batch-size", v, false);
                                     if (n == 0) throw Error("--virtual-batch-size: must be > 0 (Keras' ValueError)");
                                     c.virtual_batch_size = static_cast<std::size_t>(n);
                                 }};
    f["--sgd-step"] = {true, [&o](const std::string& v) { o.keras_sgd_lr = static_cast<float>(parse_double("--sgd-step", v)); }};
}

// Initializer SPEC, with the framework's own names (docs/bnkit-run.md): zeros, ones,
// constant:V, and the seeded random ones, SEED first (bnkit has no entropy source, so the seed
// is required) and then either none or all of the framework's parameters:
//   keras:     random_normal:SEED[,MEAN,STDDEV] random_uniform:SEED[,MINVAL,MAXVAL]
//              truncated_normal:SEED[,MEAN,STDDEV]
//   mindspore: normal:SEED[,SIGMA,MEAN] uniform:SEED[,SCALE] truncatedNormal:SEED[,SIGMA]
bnkit::Initializer parse_initializer(const std::string& flag, const std::string& v, Framework fw) {
    const std::size_t colon = v.find(':');
    const std::string name = v.substr(0, colon);
    const bool bare = colon == std::string::npos;
    if (bare && name == "zeros") return bnkit::zeros();
    if (bare && name == "ones") return bnkit::ones();
    if (!bare && name == "constant") return bnkit::constant(parse_numbers(flag, v.substr(colon + 1), 1)[0]);
    const bool keras = fw == Framework::keras;
    const std::size_t params = keras ? (name == "random_normal" || name == "random_uniform" || name == "truncated_normal" ? 2 : 0)
                                     : (name == "normal" ? 2 : name == "uniform" || name == "truncatedNormal" ? 1 : 0);
    const std::string forms = keras ? "zeros, ones, constant:V, random_normal:SEED[,MEAN,STDDEV], "
                                      "random_uniform:SEED[,MINVAL,MAXVAL] or truncated_normal:SEED[,MEAN,STDDEV]"
                                    : "zeros, ones, constant:V, normal:SEED[,SIGMA,MEAN], uniform:SEED[,SCALE] or "
                                      "truncatedNormal:SEED[,SIGMA]";
    if (params == 0 || bare) throw Error(flag + ": expected " + forms + ", got '" + v + "'");
    const std::string arg = v.substr(colon + 1);
    const std::size_t comma = arg.find(',');
    const auto seed = static_cast<std::uint64_t>(parse_int(flag, arg.substr(0, comma), false));
    std::vector<float> p;
    if (comma != std::string::npos) p = parse_numbers(flag, arg.substr(comma + 1), params);
    const bool given = !p.empty();
    namespace ki = bnkit::keras_init;
    namespace mi = bnkit::mindspore_init;
    if (name == "random_normal") return given ? ki::random_normal(seed, p[0], p[1]) : ki::random_normal(seed);
    if (name == "random_uniform") return given ? ki::random_uniform(seed, p[0], p[1]) : ki::random_uniform(seed);
    if (name == "truncated_normal") return given ? ki::truncated_normal(seed, p[0], p[1]) : ki::truncated_normal(seed);
    if (name == "normal") return given ? mi::normal(seed, p[0], p[1]) : mi::normal(seed);
    if (name == "uniform") return given ? mi::uniform(seed, p[0]) : mi::uniform(seed);
    return given ? mi::truncated_normal(seed, p[0]) : mi::truncated_normal(seed);
}

// --gamma-initializer, ...: the same flag names in both subcommands, each framework's values.
void add_initializers(std::map<std::string, Flag>& f, Options& o) {
    const bool keras = o.framework == Framework::keras;
    const std::pair<const char*, bnkit::Initializer*> slots[] = {
        {"--gamma-initializer", keras ? &o.keras.gamma_initializer : &o.mindspore.gamma_init},
        {"--beta-initializer", keras ? &o.keras.beta_initializer : &o.mindspore.beta_init},
        {"--moving-mean-initializer", keras ? &o.keras.moving_mean_initializer : &o.mindspore.moving_mean_init},
        {"--moving-variance-initializer", keras ? &o.keras.moving_variance_initializer : &o.mindspore.moving_var_init}};
    for (const auto& [name, slot] : slots) {
        const std::string flag = name;
        f[flag] = {true, [flag, slot = slot, fw = o.framework](const std::string& v) { *slot = parse_initializer(flag, v, fw); }};
    }
}

// Fused activation after inference calls (bnkit_bn_infer_act_f32), both front-ends.
void add_activation(std::map<std::string, Flag>& f, Options& o) {
    f["--activation"] = {true, [&o](const std::string& v) {
                             if (v == "none") o.activation = BNKIT_ACTIVATION_NONE;
                             else if (v == "relu") o.activation = BNKIT_ACTIVATION_RELU;
                             else if (v == "relu6") o.activation = BNKIT_ACTIVATION_RELU6;
                             else throw Error("--activation: expected none, relu or relu6, got '" + v + "'");
                         }};
}

void add_mindspore(std::map<std::string, Flag>& f, Options& o) {
    using namespace bnkit::mindspore;
    auto& c = o.mindspore;
    f["--num-features"] = {true, [&o](const std::string& v) {
                               o.num_features = static_cast<std::size_t>(parse_int("--num-features", v, false));
                           }};
    f["--eps"] = {true, [&c](const std::string& v) { c.eps = parse_double("--eps", v); }};
    f["--momentum"] = {true, [&c](const std::string& v) { c.momentum = parse_double("--momentum", v); }};
    f["--no-affine"] = {false, [&c](const std::string&) { c.affine = false; }};
    f["--data-format"] = {true, [&c](const std::string& v) {
                              if (v == "NCHW") c.data_format = DataFormat::NCHW;
                              else if (v == "NHWC") c.data_format = DataFormat::NHWC;
                              else throw Error("--data-format: expected NCHW or NHWC, got '" + v + "'");
                          }};
    f["--use-batch-statistics"] = {true, [&c](const std::string& v) {
                                       if (v == "none") c.use_batch_statistics.reset();
                                       else if (v == "true" || v == "false") c.use_batch_statistics = v == "true";
                                       else throw Error("--use-batch-statistics: expected none, true or false, got '" + v + "'");
                                   }};
    f["--train"] = {false, [&o](const std::string&) { o.mindspore_train = true; }};
    f["--eval"] = {false, [&o](const std::string&) { o.mindspore_train = false; }};
    f["--moving-variance"] = {true, [&c](const std::string& v) {
                                  if (v == "unbiased") c.moving_variance = MovingVariance::unbiased;
                                  else if (v == "biased") c.moving_variance = MovingVariance::biased;
                                  else throw Error("--moving-variance: expected biased or unbiased, got '" + v + "'");
                              }};
}

}  // namespace

const char* usage() {
    return "usage:\n"
           "  bnkit-run keras [--axis A[,A...]] [--momentum M] [--epsilon E] [--no-center] [--no-scale]\n"
           "                  [--fused auto|true|false] [--trainable true|false] [--training true|false]\n"
           "                  [--gamma-regularizer R] [--beta-regularizer R] [--gamma-constraint K]\n"
           "                  [--beta-constraint K] [--renorm] [--renorm-clipping rmax=R,rmin=R,dmax=D]\n"
           "                  [--renorm-momentum M] [--virtual-batch-size N] [--sgd-step LR] COMMON\n"
           "    R: l1[:L] | l2[:L] | l1_l2[:A,B]    K: non_neg | max_norm[:M] | min_max_norm[:LO,HI,RATE] | unit_norm\n"
           "    I: zeros | ones | constant:V | random_normal:SEED[,MEAN,STDDEV] | random_uniform:SEED[,MINVAL,MAXVAL]\n"
           "       | truncated_normal:SEED[,MEAN,STDDEV]\n"
           "  bnkit-run mindspore --num-features C [--eps E] [--momentum M] [--no-affine]\n"
           "                  [--data-format NCHW|NHWC] [--use-batch-statistics none|true|false]\n"
           "                  [--train|--eval] [--moving-variance biased|unbiased] COMMON\n"
           "    I: zeros | ones | constant:V | normal:SEED[,SIGMA,MEAN] | uniform:SEED[,SCALE] | truncatedNormal:SEED[,SIGMA]\n"
           "  bnkit-run --help\n"
           "COMMON:\n"
           "  --x FILE [--x FILE ...]   input .npy ('<f4' or '<f2'), one layer call per file, in order\n"
           "  [--gamma FILE] [--beta FILE] [--moving-mean FILE] [--moving-variance-in FILE]\n"
           "  [--gamma-initializer I] [--beta-initializer I] [--moving-mean-initializer I]\n"
           "  [--moving-variance-initializer I]   initial values (exclusive with the file flag)\n"
           "  [--dy FILE]               upstream gradient (exactly one --x): writes dx, dgamma, dbeta\n"
           "  --out DIR                 output directory (created if missing)\n"
           "  [--activation none|relu|relu6]  fused after inference calls (not with training calls or --dy)\n"
           "Defaults: keras axis -1, momentum 0.99, epsilon 1e-3, fused auto, trainable true,\n"
           "training None; mindspore eps 1e-5, momentum 0.9, NCHW, use-batch-statistics none,\n"
           "eval mode, moving-variance unbiased. See docs/bnkit-run.md.\n"
           "Exit status: 0 success, 2 bad input (one line on stderr, no files written).\n";
}

Options parse_args(int argc, const char* const* argv) {
    Options o;
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            o.help = true;
            return o;
        }
    if (argc < 2) throw Error("missing subcommand (keras or mindspore); try --help");
    const std::string sub = argv[1];
    std::map<std::string, Flag> flags;
    add_common(flags, o);
    add_activation(flags, o);
    if (sub == "keras") {
        o.framework = Framework::keras;
        add_keras(flags, o);
        add_keras_extras(flags, o);
        add_initializers(flags, o);
    } else if (sub == "mindspore") {
        o.framework = Framework::mindspore;
        add_mindspore(flags, o);
        add_initializers(flags, o);
    } else {
        throw Error("unknown subcommand '" + sub + "' (expected keras or mindspore)");
    }

    std::set<std::string> seen;
    bool mode_seen = false;  // --train / --eval
    for (int i = 2; i < argc; ++i) {
        const std::string name = argv[i];
        const auto it = flags.find(name);
        if (it == flags.end()) throw Error("unknown flag '" + name + "' for " + sub);
        if (name != "--x" && !seen.insert(name).second) throw Error(name + " given more than once");
        if (name == "--train" || name == "--eval") {
            if (mode_seen) throw Error("--train and --eval are exclusive");
            mode_seen = true;
        }
        std::string value;
        if (it->second.takes_value) {
            if (i + 1 >= argc) throw Error(name + ": missing value");
            value = argv[++i];
            if (value.empty()) throw Error(name + ": empty value");
        }
        it->second.apply(value);
    }

    if (o.x.empty()) throw Error("missing --x FILE");
    if (o.out.empty()) throw Error("missing --out DIR");
    if (o.framework == Framework::mindspore && !seen.count("--num-features")) throw Error("missing --num-features C");
    if (o.framework == Framework::keras) {
        if (o.gamma && !o.keras.scale) throw Error("--gamma given with --no-scale (the layer has no gamma)");
        if (o.beta && !o.keras.center) throw Error("--beta given with --no-center (the layer has no beta)");
    }
    const std::pair<const char*, const std::optional<std::string>*> files[] = {
        {"--gamma", &o.gamma}, {"--beta", &o.beta}, {"--moving-mean", &o.moving_mean}, {"--moving-variance-in", &o.moving_variance}};
    const char* const inits[] = {"--gamma-initializer", "--beta-initializer", "--moving-mean-initializer",
                                 "--moving-variance-initializer"};
    for (std::size_t k = 0; k < 4; ++k)
        if (*files[k].second && seen.count(inits[k]))
            throw Error(std::string(files[k].first) + " and " + inits[k] + " are exclusive (the file replaces the initial values)");
    if (o.keras_sgd_lr && !o.dy) throw Error("--sgd-step needs --dy (the step applies its gradients)");
    if (o.activation != BNKIT_ACTIVATION_NONE) {
        const bool training = o.framework == Framework::keras
                                  ? o.keras.trainable && o.keras_training.value_or(false)
                                  : o.mindspore.use_batch_statistics.value_or(o.mindspore_train);
        if (training) throw Error("--activation: fused activation is for inference calls; this call trains");
        if (o.dy) throw Error("--activation: no backward through the activation (--dy)");
    }
    if (o.dy && o.x.size() != 1) throw Error("--dy needs exactly one --x (got " + std::to_string(o.x.size()) + ")");
    return o;
}

}  // namespace bnkit_run
