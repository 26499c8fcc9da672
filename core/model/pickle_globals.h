#pragma once
// Internal to the unpickler (pickle.cpp): the allow-listed globals and what calling them means.

#include <string>
#include <vector>

#include "model/pickle.h"

namespace ddim::pickle::detail {

/// True for the globals a state dict needs: the callables below and the torch.*Storage types.
[[nodiscard]] bool isAllowedGlobal(const std::string& qualifiedName);

/// Applies an allow-listed callable (REDUCE / NEWOBJ) to `args`: collections.OrderedDict,
/// torch._utils._rebuild_tensor(_v2) (a view of a kStorage value, bounds-checked),
/// torch._utils._rebuild_parameter(_with_state). The result may point at `args`' values.
/// Throws ddim::Error (without the file name; the caller adds it) for anything else.
[[nodiscard]] Value callGlobal(const std::string& qualifiedName, const std::vector<Value*>& args);

}  // namespace ddim::pickle::detail
