#pragma once

#include <string>

#include "model/state_dict.h"

namespace ddim {

/// Reads a torch zip checkpoint (.ckpt/.pt/.pth/.bin written by torch >= 1.6) without Python:
/// - a plain state_dict (OrderedDict or dict of tensors), or
/// - the official ermongroup/ddim training list [model ("module." keys), optimizer, epoch, step,
///   ema]: the EMA state (index 4) is returned; without one, the model state with "module."
///   stripped.
/// The unpickler accepts only the globals a state dict needs (collections.OrderedDict,
/// torch._utils._rebuild_tensor_v2, torch.*Storage, torch._utils._rebuild_parameter, ...) and
/// refuses any other with ddim::Error naming the global: a file can never run code.
/// Truncated or corrupt files throw ddim::Error naming the file.
[[nodiscard]] StateDict readTorchCheckpoint(const std::string& path);

/// Writes a state dict as torch.save would (zip, pickle protocol 2, OrderedDict of
/// _rebuild_tensor_v2), atomically; Python's torch.load reads it.
void writeTorchCheckpoint(const std::string& path, const StateDict& tensors);

}  // namespace ddim
