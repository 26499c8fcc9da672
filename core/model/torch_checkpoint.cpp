#include "model/torch_checkpoint.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <unordered_map>

#include "errors.h"
#include "io/atomic_file.h"
#include "model/pickle.h"
#include "model/zip_index.h"

namespace ddim {
namespace {

using pickle::Value;
using Kind = Value::Kind;

enum class Container { kZip, kLegacyPickle, kLegacyTar, kUnknown };

Container sniff(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  char head[512] = {};
  in.read(head, sizeof head);
  const auto n = in.gcount();
  if (n >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return Container::kZip;
  if (n >= 262 && std::memcmp(head + 257, "ustar", 5) == 0) return Container::kLegacyTar;
  if (n >= 2 && static_cast<unsigned char>(head[0]) == 0x80) return Container::kLegacyPickle;
  return Container::kUnknown;
}

// Resolves torch's persistent id ('storage', torch.XStorage, key, location, numel) to the raw
// little-endian record <archive>/data/<key>, loaded once per key and mapped to the CPU.
class StorageLoader {
 public:
  StorageLoader(caffe2::serialize::PyTorchStreamReader& reader, const ZipIndex& index,
                const std::string& path)
      : reader_(reader), index_(index), path_(path) {}

  Value operator()(const Value& pid) {
    const auto& f = pid.items;
    if (pid.kind != Kind::kTuple || f.size() != 5 || f[0]->kind != Kind::kString ||
        f[0]->text != "storage" || f[1]->kind != Kind::kGlobal || f[2]->kind != Kind::kString ||
        f[4]->kind != Kind::kInt) {
      throw Error(path_ + ": unexpected persistent id in data.pkl (expected a torch storage)");
    }
    const auto dtype = pickle::storageDtype(f[1]->text);
    if (!dtype) throw Error(path_ + ": '" + f[1]->text + "' is not a storage type");
    const std::string& key = f[2]->text;
    const int64_t numel = f[4]->integer;
    Value v;
    v.kind = Kind::kStorage;
    const auto cached = storages_.find(key);
    if (cached != storages_.end()) {
      if (cached->second.scalar_type() != *dtype) {
        throw Error(path_ + ": storage '" + key + "' is used with two dtypes");
      }
      v.tensor = cached->second;
      return v;
    }
    const std::string record = "data/" + key;
    if (!reader_.hasRecord(record))
      throw Error(path_ + ": storage record '" + record + "' is missing");
    auto [data, bytes] = reader_.getRecord(record);
    index_.verify(index_.firstFolder() + "/" + record, data.get(), bytes);
    const auto elem = static_cast<int64_t>(c10::elementSize(*dtype));
    int64_t need = 0;
    if (numel < 0 || __builtin_mul_overflow(numel, elem, &need) ||
        static_cast<uint64_t>(need) > bytes) {
      throw Error(path_ + ": storage '" + key + "' holds " + std::to_string(bytes) +
                  " bytes, expected " + std::to_string(numel) + " x " + std::to_string(elem));
    }
    at::Storage storage(c10::Storage::use_byte_size_t(), bytes, std::move(data),
                        /*allocator=*/nullptr, /*resizable=*/false);
    // Bool storage is read as bytes and normalised so that a corrupt byte cannot make a bad bool.
    const c10::ScalarType readType = *dtype == c10::kBool ? c10::kByte : *dtype;
    at::Tensor t = at::empty({0}, at::TensorOptions().dtype(readType))
                       .set_(storage, /*storage_offset=*/0, {numel}, {1});
    if (*dtype == c10::kBool) t = t.ne(0);
    storages_.emplace(key, t);
    v.tensor = std::move(t);
    return v;
  }

 private:
  caffe2::serialize::PyTorchStreamReader& reader_;
  const ZipIndex& index_;
  const std::string& path_;
  std::unordered_map<std::string, at::Tensor> storages_;
};

bool isTensorDict(const Value* v) {
  if (v == nullptr || v->kind != Kind::kDict || v->entries.empty()) return false;
  for (const auto& [key, value] : v->entries) {
    if (key->kind != Kind::kString || value->kind != Kind::kTensor) return false;
  }
  return true;
}

StateDict toStateDict(const Value& dict, const std::string& path) {
  static const std::string kPrefix = "module.";  // nn.DataParallel
  bool prefixed = true;
  for (const auto& entry : dict.entries)
    prefixed = prefixed && entry.first->text.rfind(kPrefix, 0) == 0;
  StateDict out;
  std::set<std::string> seen;
  for (const auto& [key, value] : dict.entries) {
    std::string name = prefixed ? key->text.substr(kPrefix.size()) : key->text;
    if (!seen.insert(name).second) throw Error(path + ": tensor '" + name + "' appears twice");
    out.emplace_back(std::move(name), value->tensor.contiguous());
  }
  return out;
}

StateDict extractStateDict(const Value& root, const std::string& path) {
  if (root.kind == Kind::kList || root.kind == Kind::kTuple) {
    // Official training list: [model ("module." keys), optimizer, epoch, step, ema].
    if (root.items.size() >= 5 && isTensorDict(root.items[4]))
      return toStateDict(*root.items[4], path);
    if (!root.items.empty() && isTensorDict(root.items[0]))
      return toStateDict(*root.items[0], path);
    throw Error(path + ": holds a list of " + std::to_string(root.items.size()) +
                " items with no state dict at index 4 (EMA) or 0 (model)");
  }
  if (root.kind == Kind::kDict) {
    if (root.entries.empty()) return {};
    if (isTensorDict(&root)) return toStateDict(root, path);
    for (const char* wrapper : {"ema", "state_dict", "model"}) {
      const Value* inner = root.get(wrapper);
      if (isTensorDict(inner)) return toStateDict(*inner, path);
    }
    std::string keys;
    for (size_t i = 0; i < root.entries.size() && i < 8; ++i) {
      const Value* k = root.entries[i].first;
      keys +=
          (i ? ", " : "") + (k->kind == Kind::kString ? "'" + k->text + "'" : kindName(k->kind));
    }
    throw Error(path + ": holds a dict that is not a state dict of tensors (keys: " +
                (keys.empty() ? "none" : keys) + ")");
  }
  throw Error(path + ": holds a " + kindName(root.kind) + ", not a state dict");
}

StateDict readZip(const std::string& path) {
  // torch's reader (miniz, built without CRC checks) trusts the archive; the index checks it.
  const ZipIndex index(path);
  caffe2::serialize::PyTorchStreamReader reader(path);
  if (!reader.hasRecord("data.pkl")) {
    if (reader.hasRecord("constants.pkl")) {
      throw Error(path + ": is a TorchScript archive, not a torch.save checkpoint");
    }
    throw Error(path + ": zip archive without data.pkl: not a torch checkpoint");
  }
  auto [pkl, size] = reader.getRecord("data.pkl");
  index.verify(index.firstFolder() + "/data.pkl", pkl.get(), size);
  StorageLoader loader(reader, index, path);
  const pickle::Unpickled doc = pickle::unpickle(
      std::string_view(static_cast<const char*>(pkl.get()), size), path, std::ref(loader));
  return extractStateDict(doc.root(), path);
}

class PickleWriter {
 public:
  void op(char c) { out_.push_back(c); }
  void global(const char* module, const std::string& name) {
    out_ += 'c';
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  void string(const std::string& s) {
    op('X');
    raw(s.size(), 4);
    out_ += s;
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      raw(static_cast<uint64_t>(v), 1);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      raw(static_cast<uint64_t>(v), 4);
    } else {
      op('\x8a');  // LONG1
      raw(8, 1);
      raw(static_cast<uint64_t>(v), 8);
    }
  }
  void intTuple(at::IntArrayRef values) {
    op('(');
    for (const int64_t v : values) integer(v);
    op('t');
  }
  [[nodiscard]] const std::string& bytes() const { return out_; }

 private:
  void raw(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// The pickle torch.save writes for an OrderedDict of plain tensors (protocol 2, no memo).
std::string pickleStateDict(const std::vector<std::string>& names,
                            const std::vector<at::Tensor>& tensors) {
  PickleWriter w;
  w.op('\x80');
  w.op('\x02');
  w.global("collections", "OrderedDict");
  w.op(')');
  w.op('R');
  w.op('(');
  for (size_t i = 0; i < tensors.size(); ++i) {
    const at::Tensor& t = tensors[i];
    w.string(names[i]);
    w.global("torch._utils", "_rebuild_tensor_v2");
    w.op('(');
    w.op('(');  // persistent id
    w.string("storage");
    w.global("torch", pickle::storageTypeName(t.scalar_type()));
    w.string(std::to_string(i));
    w.string("cpu");
    w.integer(t.numel());
    w.op('t');
    w.op('Q');
    w.integer(0);
    w.intTuple(t.sizes());
    w.intTuple(t.strides());
    w.op('\x89');  // requires_grad False
    w.global("collections", "OrderedDict");
    w.op(')');
    w.op('R');
    w.op('t');
    w.op('R');
  }
  w.op('u');
  w.op('.');
  return w.bytes();
}

}  // namespace

StateDict readTorchCheckpoint(const std::string& path) {
  switch (sniff(path)) {
    case Container::kZip:
      break;
    case Container::kLegacyPickle:
    case Container::kLegacyTar:
      throw Error(path +
                  ": legacy torch format (written by torch < 1.6); re-save it with a newer "
                  "torch: torch.save(torch.load(f, map_location='cpu'), f2)");
    case Container::kUnknown:
      throw Error(path + ": not a torch checkpoint (no zip signature)");
  }
  try {
    return readZip(path);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(path + ": corrupt or unreadable torch checkpoint: " + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw Error(path + ": corrupt torch checkpoint (a record claims more memory than available)");
  } catch (const std::exception& e) {
    throw Error(path + ": corrupt or unreadable torch checkpoint: " + e.what());
  }
}

void writeTorchCheckpoint(const std::string& path, const StateDict& tensors) {
  std::vector<std::string> names;
  std::vector<at::Tensor> data;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : tensors) {
    if (!seen.insert(name).second) throw Error(path + ": tensor '" + name + "' appears twice");
    if (!tensor.defined()) throw Error(path + ": tensor '" + name + "' is undefined");
    try {
      (void)pickle::storageTypeName(tensor.scalar_type());
    } catch (const Error& e) {
      throw Error(path + ": tensor '" + name + "': " + e.what());
    }
    names.push_back(name);
    data.push_back(tensor.to(at::kCPU).contiguous());
  }
  const std::string pkl = pickleStateDict(names, data);

  writeFileAtomicWith(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + path + ": " + std::strerror(errno));
    try {
      // The sink never reports failure: the writer's destructor would throw, so the stream state
      // is checked once at the end instead.
      caffe2::serialize::PyTorchStreamWriter writer([&](const void* buf, size_t n) -> size_t {
        out.write(static_cast<const char*>(buf), static_cast<std::streamsize>(n));
        return n;
      });
      writer.writeRecord("data.pkl", pkl.data(), pkl.size());
      static const char kEmpty = 0;
      for (size_t i = 0; i < data.size(); ++i) {
        const void* p = data[i].nbytes() > 0 ? data[i].data_ptr() : &kEmpty;
        writer.writeRecord("data/" + std::to_string(i), p, data[i].nbytes());
      }
      writer.writeEndOfFile();
    } catch (const c10::Error& e) {
      throw Error("cannot write " + path + ": " + e.what_without_backtrace());
    }
    out.flush();
    if (!out) throw Error("cannot write " + path + ": " + std::strerror(errno));
  });
}

}  // namespace ddim
