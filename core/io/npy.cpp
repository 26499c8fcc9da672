#include "io/npy.h"

#include <ATen/ATen.h>

#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include "errors.h"
#include "io/atomic_file.h"

namespace ddim {
namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(path + ": not a readable .npy file: " + what);
}

}  // namespace

at::Tensor readNpy(const std::string& path) {
  const std::string bytes = readFileBytes(path);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) bad(path, "bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen = 0, offset = 0;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) bad(path, "truncated header");
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + 8, 4);
    headerLen = len;
    offset = 12;
  } else {
    bad(path, "unsupported format version " + std::to_string(major));
  }
  if (offset + headerLen > bytes.size()) bad(path, "truncated header");
  const std::string header = bytes.substr(offset, headerLen);
  offset += headerLen;

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')")))
    bad(path, "header has no 'descr'");
  const std::string descr = m[1];
  if (!std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(True|False))")))
    bad(path, "header has no 'fortran_order'");
  const bool fortran = m[1] == "True";
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    bad(path, "header has no 'shape'");
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  const std::regex num(R"(\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator();
       ++it)
    shape.push_back(std::stoll(it->str()));

  at::ScalarType type;
  size_t itemSize;
  if (descr == "<f4" || descr == "|f4")
    type = at::kFloat, itemSize = 4;
  else if (descr == "<f8")
    type = at::kDouble, itemSize = 8;
  else if (descr == "<f2")
    type = at::kHalf, itemSize = 2;
  else if (descr == "<i8")
    type = at::kLong, itemSize = 8;
  else if (descr == "<i4")
    type = at::kInt, itemSize = 4;
  else if (descr == "|u1")
    type = at::kByte, itemSize = 1;
  else
    bad(path,
        "unsupported dtype '" + descr + "' (float16/32/64, int32/64 or uint8, little-endian)");

  int64_t count = 1;
  for (auto d : shape) {
    if (d > 0 && count > (int64_t(1) << 40) / d) bad(path, "shape too large");
    count *= d;
  }
  const size_t need = static_cast<size_t>(count) * itemSize;
  if (bytes.size() - offset < need)
    bad(path, "truncated data: shape needs " + std::to_string(need) + " bytes, file has " +
                  std::to_string(bytes.size() - offset));
  if (bytes.size() - offset > need)
    bad(path, "trailing data: " + std::to_string(bytes.size() - offset - need) + " extra bytes");

  at::Tensor t = at::empty({count}, at::TensorOptions().dtype(type));
  if (need) std::memcpy(t.data_ptr(), bytes.data() + offset, need);
  if (fortran) {
    std::vector<int64_t> rev(shape.rbegin(), shape.rend());
    std::vector<int64_t> perm;
    for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) perm.push_back(i);
    t = t.reshape(rev).permute(perm);
  } else {
    t = t.reshape(shape);
  }
  return t.to(at::kFloat).contiguous();
}

void writeNpy(const std::string& path, const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().to(at::kCPU).to(at::kFloat).contiguous();
  std::string shape = "(";
  for (int64_t i = 0; i < t.dim(); ++i) shape += (i ? ", " : "") + std::to_string(t.size(i));
  shape += t.dim() == 1 ? ",)" : ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), t.numel() * sizeof(float));
  writeFileAtomic(path, out);
}

}  // namespace ddim
