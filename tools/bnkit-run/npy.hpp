// NumPy .npy files of float32: reading versions 1.0, 2.0 and 3.0 with dtype '<f4', C order,
// rank 1..5; writing version 1.0 '<f4'. Every problem is an Error naming the file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bnkit_run {

struct Array {
    std::vector<std::size_t> shape;
    std::vector<float> data;  // C order, shape product elements
};

inline constexpr std::size_t npy_max_rank = 5;

/// Parse a whole .npy file held in memory; `name` is only used in messages.
Array parse_npy(const std::string& bytes, const std::string& name);
/// Read and parse `path`.
Array read_npy(const std::string& path);
/// The bytes of a version 1.0 '<f4' .npy file holding `a`.
std::string serialize_npy(const Array& a);
/// Product of the dims, or an Error on size_t overflow.
std::size_t element_count(const std::vector<std::size_t>& shape, const std::string& name);
/// "(2, 3)" style, as NumPy prints shapes.
std::string shape_str(const std::vector<std::size_t>& shape);

}  // namespace bnkit_run
