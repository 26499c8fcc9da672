#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddim::pickle {

/// A Python object as far as the restricted unpickler rebuilds one. Containers point at other
/// Values owned by the same Unpickled, so cyclic or deeply nested input cannot leak or recurse.
struct Value {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kTensor,
    kStorage
  };
  Kind kind = Kind::kNone;
  int64_t integer = 0;                             // kInt; kBool as 0/1
  double real = 0.0;                               // kFloat
  std::string text;                                // kString, kBytes; kGlobal as "module.name"
  std::vector<Value*> items;                       // kTuple, kList
  std::vector<std::pair<Value*, Value*>> entries;  // kDict, in insertion order
  at::Tensor tensor;  // kTensor; kStorage: a 1-D CPU tensor spanning the whole storage

  /// Dict lookup by string key; nullptr when absent or not a dict.
  [[nodiscard]] const Value* get(const std::string& key) const;
};

[[nodiscard]] std::string kindName(Value::Kind kind);

/// The result of unpickling: owns every object; `root()` is what STOP returned.
class Unpickled {
 public:
  Unpickled() = default;
  Unpickled(const Unpickled&) = delete;
  Unpickled& operator=(const Unpickled&) = delete;
  Unpickled(Unpickled&&) = default;
  Unpickled& operator=(Unpickled&&) = default;

  [[nodiscard]] const Value& root() const { return *root_; }

 private:
  friend class Unpickler;
  std::deque<Value> values_;  // a deque keeps addresses stable while it grows
  Value* root_ = nullptr;
};

/// Resolves a persistent id (BINPERSID) to a value, e.g. torch's ('storage', torch.FloatStorage,
/// key, location, numel) to a kStorage value. Throws ddim::Error when the id is not acceptable.
using PersistentLoad = std::function<Value(const Value& pid)>;

/// Unpickles protocol 2-5 data as torch.save writes it. Only allow-listed globals are accepted
/// (collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_tensor /
/// _rebuild_parameter(_with_state), torch.*Storage); any other global is refused with a
/// ddim::Error naming `source` and the global, before anything could be called. Malformed input
/// (truncation, stack underflow, bad memo index, wrong argument types) also throws ddim::Error.
[[nodiscard]] Unpickled unpickle(std::string_view data, const std::string& source,
                                 const PersistentLoad& persistentLoad);

/// dtype of an allow-listed storage type ("torch.FloatStorage" -> Float); nullopt otherwise.
[[nodiscard]] std::optional<c10::ScalarType> storageDtype(const std::string& qualifiedName);

/// The storage class torch.save names for a dtype ("FloatStorage"); throws ddim::Error when none.
[[nodiscard]] std::string storageTypeName(c10::ScalarType dtype);

}  // namespace ddim::pickle
