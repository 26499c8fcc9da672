#include "model/diffusers_names.h"

#include <ATen/ATen.h>

#include <optional>
#include <set>

#include "errors.h"

namespace ddim {
namespace {

using Tokens = std::vector<std::string>;

Tokens split(const std::string& name) {
  Tokens out(1);
  for (const char c : name) {
    if (c == '.') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string join(const Tokens& t) {
  std::string out;
  for (size_t i = 0; i < t.size(); ++i) out += (i ? "." : "") + t[i];
  return out;
}

// A non-negative decimal index below `limit`, or nullopt.
std::optional<int> index(const std::string& s, int limit) {
  if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos ||
      (s.size() > 1 && s[0] == '0')) {
    return std::nullopt;
  }
  const int i = std::stoi(s);
  if (i >= limit) return std::nullopt;
  return i;
}

// Leaf module renames (official <-> diffusers) inside a ResnetBlock and an AttnBlock.
constexpr std::pair<const char*, const char*> kResnetParts[] = {
    {"norm1", "norm1"}, {"conv1", "conv1"}, {"temb_proj", "time_emb_proj"},
    {"norm2", "norm2"}, {"conv2", "conv2"}, {"nin_shortcut", "conv_shortcut"},
};
constexpr std::pair<const char*, const char*> kAttnParts[] = {
    {"norm", "group_norm"}, {"q", "to_q"}, {"k", "to_k"}, {"v", "to_v"}, {"proj_out", "to_out.0"},
};
constexpr std::pair<const char*, const char*> kOldAttnParts[] = {
    {"q", "query"},
    {"k", "key"},
    {"v", "value"},
    {"proj_out", "proj_attn"},
};
constexpr int kMaxBlocks = 1000;

struct Mapped {
  std::string name;
  bool attnProjection = false;  // q, k, v, proj_out: Conv 1x1 officially, Linear in diffusers
};

// `rest` is the module path after ".resnets.j" / ".attentions.j"; returns the official leaf.
std::optional<Mapped> officialLeaf(const Tokens& rest, bool attention) {
  const std::string leaf = join(rest);
  if (!attention) {
    for (const auto& [official, diffusers] : kResnetParts) {
      if (leaf == diffusers) return Mapped{official, false};
    }
    return std::nullopt;
  }
  for (const auto& [official, diffusers] : kAttnParts) {
    if (leaf == diffusers) return Mapped{official, std::string(official) != "norm"};
  }
  for (const auto& [official, diffusers] : kOldAttnParts) {
    if (leaf == diffusers) return Mapped{official, true};
  }
  return std::nullopt;
}

std::optional<Mapped> diffusersLeaf(const Tokens& rest, bool attention) {
  const std::string leaf = join(rest);
  if (!attention) {
    for (const auto& [official, diffusers] : kResnetParts) {
      if (leaf == official) return Mapped{diffusers, false};
    }
    return std::nullopt;
  }
  for (const auto& [official, diffusers] : kAttnParts) {
    if (leaf == official) return Mapped{diffusers, leaf != "norm"};
  }
  return std::nullopt;
}

Tokens tail(const Tokens& t, size_t from) {
  return Tokens(t.begin() + static_cast<long>(from), t.end());
}

// Module path (without .weight/.bias) diffusers -> official.
std::optional<Mapped> toOfficial(const Tokens& m, int levels) {
  const auto is = [&](size_t i, const char* s) { return m.size() > i && m[i] == s; };
  if (m.size() == 2 && is(0, "time_embedding")) {
    if (m[1] == "linear_1") return Mapped{"temb.dense.0"};
    if (m[1] == "linear_2") return Mapped{"temb.dense.1"};
  }
  if (m.size() == 1 && (m[0] == "conv_in" || m[0] == "conv_out")) return Mapped{m[0]};
  if (m.size() == 1 && m[0] == "conv_norm_out") return Mapped{"norm_out"};
  if (m.size() >= 4 && is(0, "mid_block")) {
    const auto j = index(m[2], 2);
    const bool attention = is(1, "attentions") && j == 0;
    if (!j || !(attention || is(1, "resnets"))) return std::nullopt;
    const auto leaf = officialLeaf(tail(m, 3), attention);
    if (!leaf) return std::nullopt;
    const std::string block = attention ? "attn_1" : (*j == 0 ? "block_1" : "block_2");
    return Mapped{"mid." + block + "." + leaf->name, leaf->attnProjection};
  }
  const bool down = is(0, "down_blocks");
  if ((!down && !is(0, "up_blocks")) || m.size() < 5) return std::nullopt;
  const auto level = index(m[1], levels);
  if (!level) return std::nullopt;
  const std::string prefix = down ? "down." + m[1] : "up." + std::to_string(levels - 1 - *level);
  if (m.size() == 5 && is(2, down ? "downsamplers" : "upsamplers") && is(3, "0") && is(4, "conv")) {
    return Mapped{prefix + (down ? ".downsample.conv" : ".upsample.conv")};
  }
  const bool attention = is(2, "attentions");
  if (!(attention || is(2, "resnets")) || !index(m[3], kMaxBlocks)) return std::nullopt;
  const auto leaf = officialLeaf(tail(m, 4), attention);
  if (!leaf) return std::nullopt;
  return Mapped{prefix + (attention ? ".attn." : ".block.") + m[3] + "." + leaf->name,
                leaf->attnProjection};
}

// Module path official -> diffusers (new attention names).
std::optional<Mapped> toDiffusers(const Tokens& m, int levels) {
  const auto is = [&](size_t i, const char* s) { return m.size() > i && m[i] == s; };
  if (m.size() == 3 && is(0, "temb") && is(1, "dense")) {
    if (m[2] == "0") return Mapped{"time_embedding.linear_1"};
    if (m[2] == "1") return Mapped{"time_embedding.linear_2"};
  }
  if (m.size() == 1 && (m[0] == "conv_in" || m[0] == "conv_out")) return Mapped{m[0]};
  if (m.size() == 1 && m[0] == "norm_out") return Mapped{"conv_norm_out"};
  if (m.size() >= 3 && is(0, "mid")) {
    const bool attention = m[1] == "attn_1";
    if (!attention && m[1] != "block_1" && m[1] != "block_2") return std::nullopt;
    const auto leaf = diffusersLeaf(tail(m, 2), attention);
    if (!leaf) return std::nullopt;
    const std::string block =
        attention ? "attentions.0" : (m[1] == "block_1" ? "resnets.0" : "resnets.1");
    return Mapped{"mid_block." + block + "." + leaf->name, leaf->attnProjection};
  }
  const bool down = is(0, "down");
  if ((!down && !is(0, "up")) || m.size() < 4) return std::nullopt;
  const auto level = index(m[1], levels);
  if (!level) return std::nullopt;
  const std::string prefix =
      down ? "down_blocks." + m[1] : "up_blocks." + std::to_string(levels - 1 - *level);
  if (m.size() == 4 && is(2, down ? "downsample" : "upsample") && is(3, "conv")) {
    return Mapped{prefix + (down ? ".downsamplers.0.conv" : ".upsamplers.0.conv")};
  }
  const bool attention = is(2, "attn");
  if (!(attention || is(2, "block")) || !index(m[3], kMaxBlocks)) return std::nullopt;
  const auto leaf = diffusersLeaf(tail(m, 4), attention);
  if (!leaf) return std::nullopt;
  return Mapped{prefix + (attention ? ".attentions." : ".resnets.") + m[3] + "." + leaf->name,
                leaf->attnProjection};
}

template <typename MapFn>
StateDict mapNames(const StateDict& in, int numLevels, const std::string& source, MapFn map,
                   bool toConv) {
  if (numLevels < 1)
    throw Error(source + ": number of levels must be >= 1, got " + std::to_string(numLevels));
  StateDict out;
  out.reserve(in.size());
  std::set<std::string> seen;
  for (const auto& [name, tensor] : in) {
    Tokens t = split(name);
    const std::string param = t.back();
    t.pop_back();
    const auto mapped =
        (param == "weight" || param == "bias") && !t.empty() ? map(t, numLevels) : std::nullopt;
    if (!mapped) {
      throw Error(source + ": unexpected weight name '" + name + "' for a U-Net with " +
                  std::to_string(numLevels) + " levels");
    }
    std::string outName = mapped->name + "." + param;
    if (!seen.insert(outName).second) {
      throw Error(source + ": '" + name + "' maps to '" + outName + "', which is already present");
    }
    at::Tensor value = tensor;
    if (mapped->attnProjection && param == "weight") {
      const bool linear = tensor.dim() == 2 && tensor.size(0) == tensor.size(1);
      const bool conv = tensor.dim() == 4 && tensor.size(0) == tensor.size(1) &&
                        tensor.size(2) == 1 && tensor.size(3) == 1;
      if (!linear && !conv) {
        throw Error(source + ": '" + name + "' has shape " + c10::str(tensor.sizes()) +
                    ", expected (C, C) or (C, C, 1, 1)");
      }
      const int64_t c = tensor.size(0);
      value = toConv ? tensor.reshape({c, c, 1, 1}) : tensor.reshape({c, c});
    }
    out.emplace_back(std::move(outName), std::move(value));
  }
  return out;
}

}  // namespace

StateDict diffusersToOfficial(const StateDict& diffusers, int numLevels,
                              const std::string& source) {
  return mapNames(diffusers, numLevels, source, toOfficial, /*toConv=*/true);
}

StateDict officialToDiffusers(const StateDict& official, int numLevels) {
  return mapNames(official, numLevels, "official state dict", toDiffusers, /*toConv=*/false);
}

}  // namespace ddim
