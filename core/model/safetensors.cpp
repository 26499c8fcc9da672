#include "model/safetensors.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "errors.h"
#include "io/atomic_file.h"
#include "io/json_nesting.h"

namespace ddim {
namespace {

using Json = nlohmann::ordered_json;

// The reference implementation (huggingface/safetensors) refuses headers above 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100ULL * 1024 * 1024;
constexpr const char* kMetadataKey = "__metadata__";

struct Dtype {
  const char* name;
  at::ScalarType type;
  uint64_t size;
};

constexpr Dtype kDtypes[] = {
    {"F64", at::kDouble, 8},    {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},
    {"BF16", at::kBFloat16, 2}, {"I64", at::kLong, 8},  {"I32", at::kInt, 4},
    {"I16", at::kShort, 2},     {"I8", at::kChar, 1},   {"U8", at::kByte, 1},
    {"BOOL", at::kBool, 1},
};

const Dtype* dtypeByName(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const Dtype* dtypeByType(at::ScalarType type) {
  for (const auto& d : kDtypes) {
    if (type == d.type) return &d;
  }
  return nullptr;
}

struct Entry {
  std::string name;
  const Dtype* dtype = nullptr;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct Header {
  std::vector<Entry> entries;  // sorted by data offset
  std::map<std::string, std::string> metadata;
  uint64_t dataStart = 0;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(path + ": not a valid safetensors file: " + what);
}

uint64_t readU64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t jsonU64(const Json& v, const std::string& path, const std::string& what) {
  if (!v.is_number_unsigned())
    fail(path, what + " must be a non-negative integer, found " + v.dump());
  return v.get<uint64_t>();
}

Entry parseEntry(const std::string& name, const Json& v, const std::string& path) {
  const std::string where = "tensor '" + printable(name) + "'";
  if (!v.is_object()) fail(path, where + ": entry is not an object");
  Entry e;
  e.name = name;
  const auto dtype = v.find("dtype");
  const auto shape = v.find("shape");
  const auto offsets = v.find("data_offsets");
  if (dtype == v.end() || !dtype->is_string()) fail(path, where + ": missing string 'dtype'");
  e.dtype = dtypeByName(dtype->get<std::string>());
  if (e.dtype == nullptr) {
    fail(path, where + ": unsupported dtype '" + dtype->get<std::string>() +
                   "' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
  }
  if (shape == v.end() || !shape->is_array()) fail(path, where + ": missing array 'shape'");
  uint64_t numel = 1;
  for (const auto& d : *shape) {
    const uint64_t n = jsonU64(d, path, where + ": shape entry");
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(numel, n, &numel)) {
      fail(path, where + ": shape " + shape->dump() + " is too large");
    }
    e.shape.push_back(static_cast<int64_t>(n));
  }
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2) {
    fail(path, where + ": 'data_offsets' must be [begin, end]");
  }
  e.begin = jsonU64((*offsets)[0], path, where + ": data_offsets");
  e.end = jsonU64((*offsets)[1], path, where + ": data_offsets");
  if (e.end < e.begin)
    fail(path, where + ": data_offsets " + offsets->dump() + " end before begin");
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(numel, e.dtype->size, &bytes) || bytes != e.end - e.begin) {
    fail(path, where + ": " + std::to_string(e.end - e.begin) + " bytes of data but dtype " +
                   e.dtype->name + " x shape " + shape->dump() + " needs " + std::to_string(numel) +
                   " x " + std::to_string(e.dtype->size));
  }
  return e;
}

Header readHeader(std::ifstream& in, const std::string& path) {
  std::error_code ec;
  const uint64_t fileSize = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot open " + path + ": " + ec.message());
  unsigned char lenBytes[8];
  if (fileSize < 8 || !in.read(reinterpret_cast<char*>(lenBytes), 8)) {
    fail(path, "file is shorter than the 8-byte header length");
  }
  const uint64_t headerLen = readU64(lenBytes);
  if (headerLen > kMaxHeaderBytes || headerLen > fileSize - 8) {
    fail(path, "header length " + std::to_string(headerLen) + " exceeds the file size " +
                   std::to_string(fileSize) + " (truncated or not safetensors)");
  }
  std::string text(headerLen, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(headerLen)))
    fail(path, "truncated header");

  Json json;
  try {
    checkJsonNesting(text, path + ": safetensors header");
    json = Json::parse(text);
  } catch (const Json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!json.is_object()) fail(path, "header is not a JSON object");

  Header h;
  h.dataStart = 8 + headerLen;
  for (const auto& [key, value] : json.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object()) fail(path, "__metadata__ is not an object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string())
          fail(path, "__metadata__ value '" + printable(mk) + "' is not a string");
        h.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    h.entries.push_back(parseEntry(key, value, path));
  }
  std::stable_sort(h.entries.begin(), h.entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  // Like the reference reader: tensors tile the data section in order, with no gaps or overlaps.
  uint64_t expected = 0;
  for (const auto& e : h.entries) {
    if (e.begin != expected) {
      fail(path, "tensor '" + printable(e.name) + "' starts at data offset " +
                     std::to_string(e.begin) + ", expected " + std::to_string(expected) +
                     " (overlapping or gapped ranges)");
    }
    expected = e.end;
  }
  const uint64_t dataSize = fileSize - h.dataStart;
  if (expected != dataSize) {
    fail(path, "tensors cover " + std::to_string(expected) + " bytes of data but the file holds " +
                   std::to_string(dataSize) + (expected > dataSize ? " (truncated)" : ""));
  }
  return h;
}

void writeU64(std::ostream& out, uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.write(bytes, 8);
}

}  // namespace

StateDict readSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  const Header h = readHeader(in, path);
  StateDict out;
  out.reserve(h.entries.size());
  for (const auto& e : h.entries) {
    // Bool is read as bytes and normalised, so a byte other than 0/1 cannot make an invalid bool.
    const at::ScalarType readType = e.dtype->type == at::kBool ? at::kByte : e.dtype->type;
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(readType));
    const uint64_t bytes = e.end - e.begin;
    in.seekg(static_cast<std::streamoff>(h.dataStart + e.begin));
    if (bytes > 0 &&
        !in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(bytes))) {
      fail(path, "tensor '" + e.name + "': data is truncated");
    }
    if (e.dtype->type == at::kBool) t = t.ne(0);
    out.emplace_back(e.name, std::move(t));
  }
  return out;
}

StateDict readSafetensorsLayout(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  StateDict out;
  for (const auto& e : readHeader(in, path).entries)
    out.emplace_back(
        e.name,
        at::empty(e.shape, at::TensorOptions().dtype(e.dtype->type).device(at::Device(at::kMeta))));
  return out;
}

std::map<std::string, std::string> readSafetensorsMetadata(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  return readHeader(in, path).metadata;
}

void writeSafetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header[kMetadataKey] = std::move(meta);
  }
  std::vector<at::Tensor> data;
  data.reserve(tensors.size());
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const std::string where = path + ": tensor '" + name + "'";
    if (name == kMetadataKey) throw Error(where + ": the name is reserved for metadata");
    if (!seen.insert(name).second) throw Error(where + " appears twice");
    if (!tensor.defined()) throw Error(where + " is undefined");
    const Dtype* dtype = dtypeByType(tensor.scalar_type());
    if (dtype == nullptr) {
      throw Error(where + ": dtype " + std::string(c10::toString(tensor.scalar_type())) +
                  " cannot be stored in safetensors");
    }
    at::Tensor cpu = tensor.to(at::kCPU).contiguous();
    const uint64_t bytes = cpu.nbytes();
    header[name] = {{"dtype", dtype->name},
                    {"shape", cpu.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(cpu));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as the reference does

  writeFileAtomicWith(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + path + ": " + std::strerror(errno));
    writeU64(out, text.size());
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data) {
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
    }
    out.flush();
    if (!out) throw Error("cannot write " + path + ": " + std::strerror(errno));
  });
}

}  // namespace ddim
