#include "model/unet_shapes.h"

#include <algorithm>

namespace ddim {
namespace {

using Shapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

void affine(Shapes& out, const std::string& name, int64_t channels) {  // GroupNorm
  out.push_back({name + ".weight", {channels}});
  out.push_back({name + ".bias", {channels}});
}

void conv(Shapes& out, const std::string& name, int64_t in, int64_t outCh, int64_t kernel) {
  out.push_back({name + ".weight", {outCh, in, kernel, kernel}});
  out.push_back({name + ".bias", {outCh}});
}

void linear(Shapes& out, const std::string& name, int64_t in, int64_t outCh) {
  out.push_back({name + ".weight", {outCh, in}});
  out.push_back({name + ".bias", {outCh}});
}

// The official ResnetBlock(in, out, temb) and AttnBlock(c).
void resnet(Shapes& out, const std::string& name, int64_t in, int64_t outCh, int64_t temb) {
  affine(out, name + ".norm1", in);
  conv(out, name + ".conv1", in, outCh, 3);
  linear(out, name + ".temb_proj", temb, outCh);
  affine(out, name + ".norm2", outCh);
  conv(out, name + ".conv2", outCh, outCh, 3);
  if (in != outCh) conv(out, name + ".nin_shortcut", in, outCh, 1);
}

void attention(Shapes& out, const std::string& name, int64_t c) {
  affine(out, name + ".norm", c);
  for (const char* p : {".q", ".k", ".v", ".proj_out"}) conv(out, name + p, c, c, 1);
}

}  // namespace

Shapes unetWeightShapes(const UNetConfig& config) {
  Shapes out;
  const int64_t ch = config.ch, tembCh = 4 * ch;
  const auto levels = static_cast<int64_t>(config.chMult.size());
  const int64_t nrb = config.numResBlocks;
  const auto hasAttn = [&](int64_t res) {
    return std::find(config.attnResolutions.begin(), config.attnResolutions.end(), res) !=
           config.attnResolutions.end();
  };
  const auto inMult = [&](int64_t level) {  // (1,) + ch_mult
    return level == 0 ? int64_t{1} : int64_t{config.chMult[level - 1]};
  };
  linear(out, "temb.dense.0", ch, tembCh);
  linear(out, "temb.dense.1", tembCh, tembCh);
  conv(out, "conv_in", config.inChannels, ch, 3);

  int64_t res = config.resolution, blockIn = ch;
  for (int64_t i = 0; i < levels; ++i) {
    const std::string level = "down." + std::to_string(i);
    blockIn = ch * inMult(i);
    const int64_t blockOut = ch * config.chMult[i];
    Shapes blocks, attns;
    for (int64_t j = 0; j < nrb; ++j) {
      resnet(blocks, level + ".block." + std::to_string(j), blockIn, blockOut, tembCh);
      blockIn = blockOut;
      if (hasAttn(res)) attention(attns, level + ".attn." + std::to_string(j), blockIn);
    }
    out.insert(out.end(), blocks.begin(), blocks.end());
    out.insert(out.end(), attns.begin(), attns.end());
    if (i != levels - 1) {
      if (config.resampWithConv) conv(out, level + ".downsample.conv", blockIn, blockIn, 3);
      res /= 2;
    }
  }
  resnet(out, "mid.block_1", blockIn, blockIn, tembCh);
  attention(out, "mid.attn_1", blockIn);
  resnet(out, "mid.block_2", blockIn, blockIn, tembCh);

  std::vector<Shapes> up(levels);
  for (int64_t i = levels - 1; i >= 0; --i) {
    const std::string level = "up." + std::to_string(i);
    const int64_t blockOut = ch * config.chMult[i];
    Shapes blocks, attns;
    for (int64_t j = 0; j <= nrb; ++j) {
      const int64_t skipIn = j == nrb ? ch * inMult(i) : blockOut;
      resnet(blocks, level + ".block." + std::to_string(j), blockIn + skipIn, blockOut, tembCh);
      blockIn = blockOut;
      if (hasAttn(res)) attention(attns, level + ".attn." + std::to_string(j), blockIn);
    }
    up[i] = blocks;
    up[i].insert(up[i].end(), attns.begin(), attns.end());
    if (i != 0) {
      if (config.resampWithConv) conv(up[i], level + ".upsample.conv", blockIn, blockIn, 3);
      res *= 2;
    }
  }
  for (const Shapes& level : up) out.insert(out.end(), level.begin(), level.end());
  affine(out, "norm_out", blockIn);
  conv(out, "conv_out", blockIn, config.outCh, 3);
  return out;
}

}  // namespace ddim
