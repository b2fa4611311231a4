#include "load_params.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "errors.hpp"
#include "npz.hpp"

namespace bnkit_export {
namespace {

using bnkit_tools::Dtypes;

const char* const param_names[4] = {"gamma", "beta", "moving_mean", "moving_variance"};
// A Keras layer with renorm=True appends these three to get_weights() (creation order, keras.hpp).
// Inference uses only gamma, beta and the moving statistics, so they are read past, not exported.
const char* const renorm_names[3] = {"moving_stddev", "renorm_mean", "renorm_stddev"};
constexpr std::size_t renorm_count = 3;

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
    std::string s;
    for (std::size_t k = 0; k < v.size(); ++k) s += (k ? sep : "") + v[k];
    return s;
}

Param from_array(bnkit_tools::Array a, const std::string& role, const std::string& origin) {
    if (a.shape.size() != 1)
        throw ParamError(role + " (" + origin + ") has shape " + bnkit_tools::shape_str(a.shape) +
                         "; a per-channel parameter is a vector (C,)");
    return {std::move(a.data), origin, a.stored};
}

// Keras' np.savez(f, *layer.get_weights()): members arr_0 .. arr_{k-1}.
bool is_positional(const std::vector<std::string>& names) {
    for (std::size_t k = 0; k < names.size(); ++k)
        if (std::find(names.begin(), names.end(), "arr_" + std::to_string(k)) == names.end()) return false;
    return !names.empty();
}

// How many of gamma/beta a positional list of `count` arrays holds, given what the user said.
void infer_scale_center(std::size_t count, const Options& o, bool& scale, bool& center, const std::string& what) {
    const std::string order = " (layer.get_weights() order: gamma if scale, beta if center, moving_mean, moving_variance"
                              "[, moving_stddev, renorm_mean, renorm_stddev with renorm=True])";
    if (count < 2 || count > 4)
        throw ParamError(what + " holds " + std::to_string(count) +
                         " arrays; a Keras BatchNormalization has 2 to 4, or 5 to 7 with renorm=True" + order);
    const std::size_t optional = count - 2;
    if (o.scale && o.center) {
        scale = *o.scale;
        center = *o.center;
        if (std::size_t(scale) + center != optional)
            throw ParamError(what + " holds " + std::to_string(count) + " arrays, but --scale " + (scale ? "true" : "false") +
                             " --center " + (center ? "true" : "false") + " means " + std::to_string(2 + scale + center) + order);
        return;
    }
    if (o.scale || o.center) {
        const bool given = o.scale ? *o.scale : *o.center;
        const std::size_t other = optional - given;
        if (optional < std::size_t(given) || other > 1)
            throw ParamError(what + " holds " + std::to_string(count) + " arrays, which does not fit --" +
                             (o.scale ? "scale " : "center ") + (given ? "true" : "false") + order);
        (o.scale ? scale : center) = given;
        (o.scale ? center : scale) = other == 1;
        return;
    }
    if (optional == 1)
        throw ParamError(what + " holds 3 arrays: either scale=False (beta, moving_mean, moving_variance) or center=False "
                         "(gamma, moving_mean, moving_variance); say which with --scale false or --center false");
    scale = center = optional == 2;
}

LayerParams load_keras_npz(const Options& o) {
    const Npz npz(*o.npz);
    const std::vector<std::string>& names = npz.names();
    LayerParams p;
    const std::string file = *o.npz;
    if (is_positional(names)) {
        bool scale = true, center = true;
        // 5 to 7 arrays can only be a renorm layer (without renorm there are at most 4).
        const bool renorm = names.size() >= 2 + renorm_count && names.size() <= 4 + renorm_count;
        infer_scale_center(names.size() - (renorm ? renorm_count : 0), o, scale, center,
                           renorm ? file + " without its 3 renorm variables" : file);
        std::vector<std::string> roles;
        if (scale) roles.push_back("gamma");
        if (center) roles.push_back("beta");
        roles.push_back("moving_mean");
        roles.push_back("moving_variance");
        std::vector<std::string> matched;
        for (std::size_t k = 0; k < roles.size(); ++k) {
            const std::string member = "arr_" + std::to_string(k);
            Param q = from_array(npz.array(member, Dtypes::float16_32_64), roles[k], member);
            matched.push_back(member + " = " + roles[k]);
            if (roles[k] == "gamma") p.gamma = std::move(q);
            else if (roles[k] == "beta") p.beta = std::move(q);
            else if (roles[k] == "moving_mean") p.moving_mean = std::move(q);
            else p.moving_variance = std::move(q);
        }
        for (std::size_t k = 0; renorm && k < renorm_count; ++k)
            matched.push_back("arr_" + std::to_string(roles.size() + k) + " = " + renorm_names[k] + " (renorm, unused)");
        p.source = file + " (np.savez of layer.get_weights(): " + join(matched) + ")";
        return p;
    }
    std::set<std::string> known(param_names, param_names + 4);
    known.insert(renorm_names, renorm_names + renorm_count);
    bool named = !names.empty();
    for (const std::string& n : names) named = named && known.count(n);
    if (!named) {
        bool mindspore_like = false;
        for (const std::string& n : names)
            for (const char* r : param_names)
                if (n.size() > std::string(r).size() + 1 && n.compare(n.size() - std::string(r).size() - 1, std::string::npos, std::string(".") + r) == 0)
                    mindspore_like = true;
        throw ParamError(file + ": members {" + join(names) + "} are neither np.savez(f, *layer.get_weights()) (arr_0, arr_1, ...) "
                         "nor named gamma/beta/moving_mean/moving_variance" +
                         (mindspore_like ? "; it looks like a MindSpore checkpoint: use 'bnkit-export mindspore --prefix ...'" : ""));
    }
    for (const char* r : {"moving_mean", "moving_variance"})
        if (!npz.contains(r)) throw ParamError(file + ": no member '" + r + "' (members: " + join(names) + ")");
    const bool has_gamma = npz.contains("gamma"), has_beta = npz.contains("beta");
    if (o.scale && *o.scale != has_gamma)
        throw ParamError(file + (has_gamma ? ": has a gamma, but --scale false" : ": has no member 'gamma', but --scale true"));
    if (o.center && *o.center != has_beta)
        throw ParamError(file + (has_beta ? ": has a beta, but --center false" : ": has no member 'beta', but --center true"));
    if (has_gamma) p.gamma = from_array(npz.array("gamma", Dtypes::float16_32_64), "gamma", "gamma");
    if (has_beta) p.beta = from_array(npz.array("beta", Dtypes::float16_32_64), "beta", "beta");
    p.moving_mean = from_array(npz.array("moving_mean", Dtypes::float16_32_64), "moving_mean", "moving_mean");
    p.moving_variance = from_array(npz.array("moving_variance", Dtypes::float16_32_64), "moving_variance", "moving_variance");
    p.source = file + " (named members " + join(names) + ")";
    return p;
}

LayerParams load_mindspore_npz(const Options& o) {
    const Npz npz(*o.npz);
    const std::string file = *o.npz;
    // Every cell prefix with the parameters it has ("" for bare names).
    std::map<std::string, std::set<std::string>> layers;
    for (const std::string& n : npz.names())
        for (const char* r : param_names) {
            const std::string suffix = r;
            if (n == suffix) layers[""].insert(suffix);
            else if (n.size() > suffix.size() + 1 && n.compare(n.size() - suffix.size() - 1, std::string::npos, "." + suffix) == 0)
                layers[n.substr(0, n.size() - suffix.size() - 1)].insert(suffix);
        }
    // Complete layers first; prefixes with only some of the names (optimizer moments such as
    // "moments.bn1.gamma") after them, marked.
    std::vector<std::string> listing, partial;
    for (const auto& [prefix, have] : layers) {
        std::vector<std::string> missing;
        for (const char* r : param_names)
            if (!have.count(r)) missing.push_back(r);
        const std::string shown = prefix.empty() ? std::string("(no prefix)") : prefix;
        if (missing.empty()) listing.push_back(shown);
        else partial.push_back(shown + " [lacks " + join(missing) + "]");
    }
    listing.insert(listing.end(), partial.begin(), partial.end());
    if (layers.empty())
        throw ParamError(file + ": no '<prefix>.gamma/.beta/.moving_mean/.moving_variance' parameters; members: " + join(npz.names()));
    std::string prefix;
    if (o.prefix) {
        prefix = *o.prefix;
        if (!prefix.empty() && prefix.back() == '.') prefix.pop_back();
    } else if (layers.size() == 1 && layers.begin()->first.empty()) {
        prefix = "";
    } else {
        throw ParamError(file + ": say which layer with --prefix; batch-norm layers in this checkpoint: " + join(listing, "; "));
    }
    const auto it = layers.find(prefix);
    if (it == layers.end())
        throw ParamError(file + ": no layer '" + prefix + "' (no '" + prefix + ".gamma', ...); batch-norm layers in this checkpoint: " +
                         join(listing, "; "));
    const std::string dot = prefix.empty() ? "" : prefix + ".";
    for (const char* r : param_names)
        if (!it->second.count(r)) throw ParamError(file + ": layer '" + prefix + "' has no member '" + dot + r + "'");
    LayerParams p;
    p.gamma = from_array(npz.array(dot + "gamma", Dtypes::float16_32_64), "gamma", dot + "gamma");
    p.beta = from_array(npz.array(dot + "beta", Dtypes::float16_32_64), "beta", dot + "beta");
    p.moving_mean = from_array(npz.array(dot + "moving_mean", Dtypes::float16_32_64), "moving_mean", dot + "moving_mean");
    p.moving_variance = from_array(npz.array(dot + "moving_variance", Dtypes::float16_32_64), "moving_variance", dot + "moving_variance");
    p.source = file + " (MindSpore checkpoint parameters " + dot + "gamma/beta/moving_mean/moving_variance)";
    return p;
}

LayerParams load_npy_files(const Options& o) {
    if (o.framework == Framework::keras) {
        if (o.scale && *o.scale != bool(o.gamma))
            throw UsageError(*o.scale ? "--scale true needs --gamma FILE" : "--gamma given with --scale false");
        if (o.center && *o.center != bool(o.beta))
            throw UsageError(*o.center ? "--center true needs --beta FILE" : "--beta given with --center false");
    }
    LayerParams p;
    auto load = [](const std::string& path, const char* role) {
        return from_array(bnkit_tools::read_npy(path, Dtypes::float16_32_64), role, path);
    };
    std::vector<std::string> used;
    if (o.gamma) p.gamma = load(*o.gamma, "gamma");
    if (o.beta) p.beta = load(*o.beta, "beta");
    p.moving_mean = load(*o.moving_mean, "moving_mean");
    p.moving_variance = load(*o.moving_variance, "moving_variance");
    for (const Param* q : {p.gamma ? &*p.gamma : nullptr, p.beta ? &*p.beta : nullptr, &p.moving_mean, &p.moving_variance})
        if (q) used.push_back(q->origin);
    p.source = ".npy files " + join(used);
    return p;
}

void validate(LayerParams& p) {
    std::vector<std::pair<const char*, const Param*>> all;
    if (p.gamma) all.push_back({"gamma", &*p.gamma});
    if (p.beta) all.push_back({"beta", &*p.beta});
    all.push_back({"moving_mean", &p.moving_mean});
    all.push_back({"moving_variance", &p.moving_variance});
    const auto& [first_role, first] = all.front();
    if (first->values.empty()) throw ParamError(std::string(first_role) + " (" + first->origin + ") is empty; a layer needs C >= 1 channels");
    for (const auto& [role, q] : all)
        if (q->values.size() != first->values.size())
            throw ParamError(std::string("lengths differ: ") + first_role + " (" + first->origin + ") has " + std::to_string(first->values.size()) +
                             " values, " + role + " (" + q->origin + ") has " + std::to_string(q->values.size()));
    for (const auto& [role, q] : all)
        for (std::size_t c = 0; c < q->values.size(); ++c) {
            const float v = q->values[c];
            const std::string at = std::string(role) + " (" + q->origin + ")[" + std::to_string(c) + "]";
            if (!std::isfinite(v))
                throw ParamError(at + " is " + (std::isnan(v) ? "NaN" : "infinite") +
                                 (q->stored == bnkit_tools::Dtype::float64 && !std::isnan(v) ? " after conversion to float32 (beyond float32's range)" : "") +
                                 "; exported parameters must be finite");
            if (q == &p.moving_variance && v < 0)
                throw ParamError(at + " = " + std::to_string(v) + " is negative; a variance is >= 0");
        }
    p.channels = first->values.size();
}

}  // namespace

LayerParams load_params(const Options& o) {
    LayerParams p;
    if (!o.npz) p = load_npy_files(o);
    else if (o.framework == Framework::keras) p = load_keras_npz(o);
    else p = load_mindspore_npz(o);
    validate(p);
    return p;
}

}  // namespace bnkit_export
