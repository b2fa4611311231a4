// NumPy .npy files for the host tools: reading versions 1.0, 2.0 and 3.0, C order, rank 1..5,
// dtype '<f4' (and, on request, '<f2' and '<f8', converted to float32); writing version 1.0
// '<f4', or '<f2' for an Array whose `stored` says float16. Every problem is an Error naming the file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bnkit_tools {

/// The element type an .npy file stored (the data is always held as float32).
enum class Dtype { float16, float32, float64 };
const char* dtype_name(Dtype d);

struct Array {
    std::vector<std::size_t> shape;
    std::vector<float> data;  // C order, shape product elements
    Dtype stored = Dtype::float32;
};

/// Which stored dtypes a reader accepts. float16 widens exactly; float64 rounds to nearest
/// (a finite value beyond float32's range becomes +-inf, which callers may reject).
enum class Dtypes { float32_only, float16_32_64, float16_32 };

inline constexpr std::size_t npy_max_rank = 5;

/// Parse a whole .npy file held in memory; `name` is only used in messages.
Array parse_npy(const std::string& bytes, const std::string& name, Dtypes accept);
/// Read and parse `path`.
Array read_npy(const std::string& path, Dtypes accept);
/// The whole content of a file, or an Error naming it.
std::string read_file(const std::string& path);
/// The bytes of a version 1.0 .npy file holding `a`: '<f4', or '<f2' when a.stored is float16,
/// each value rounded once by bnkit_f16_from_f32 (to nearest even, +-inf beyond 65504).
/// float64 is never written (an Error).
std::string serialize_npy(const Array& a);
/// Product of the dims, or an Error on size_t overflow.
std::size_t element_count(const std::vector<std::size_t>& shape, const std::string& name);
/// "(2, 3)" style, as NumPy prints shapes.
std::string shape_str(const std::vector<std::size_t>& shape);

}  // namespace bnkit_tools
