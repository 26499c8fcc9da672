#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ddim {

/// Named tensors in file order (CPU, contiguous). Names are the official checkpoint keys once
/// mapped (see diffusers_names.h).
using StateDict = std::vector<std::pair<std::string, at::Tensor>>;

/// Finds a tensor by name; nullptr when absent.
[[nodiscard]] const at::Tensor* findTensor(const StateDict& dict, const std::string& name);

}  // namespace ddim
