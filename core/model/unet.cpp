#include "model/unet.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "errors.h"

namespace ddim {
namespace unet_detail {

namespace nn = torch::nn;

// In-place ops are used on fresh intermediates only, and only when no autograd graph is being
// recorded through them (inference, or frozen weights and inputs): then they are exact and free.
bool canWriteInPlace(const torch::Tensor& t) { return !t.requires_grad(); }

// swish(x) = x * sigmoid(x) (official `nonlinearity`); SiLU is the same function in one pass.
torch::Tensor swish(torch::Tensor x) {
  return canWriteInPlace(x) ? torch::silu_(x) : torch::silu(x);
}

// Official Normalize(C): GroupNorm(32, C, eps=1e-6, affine).
nn::GroupNorm normalize(int64_t channels) {
  return nn::GroupNorm(nn::GroupNormOptions(/*num_groups=*/32, channels).eps(1e-6));
}

// How the forward pass now running on this thread computes; set by UNetImpl::forwardIn for the
// duration of one call. convType: the type the convolutions compute in (float32, bfloat16 or
// half). channelsLast: activations are kept channels-last (NHWC in memory) from conv_in to
// conv_out, on the CPU with oneDNN, where its convolutions run without reordering activations.
// prepacked: float32 channels-last convolutions run on weights arranged once for oneDNN
// (an extra copy of the weights), set for images of at most kMaxPrepackedPixels.
struct ForwardMode {
  at::ScalarType convType = at::kFloat;
  bool channelsLast = false;
  bool prepacked = false;
};
thread_local ForwardMode forwardMode;

// Reduced-precision inputs of at most this many pixels an image keep activations NCHW.
constexpr int64_t kMaxNchwReducedPixels = 32 * 32;

// Float32 channels-last inference on images of at most this many pixels holds each convolution's
// weight arranged once for oneDNN. ATen's channels-last convolution rearranges a plain weight on
// every call: at 32x32 (CIFAR-10, batch 1) that is about 5 ms of a 47 ms call. Larger images
// spend far more on arithmetic than on rearranging (LSUN-256, estimated: about 20 ms of a 1.9 s
// call), so they do not hold the second copy of their weights.
constexpr int64_t kMaxPrepackedPixels = 64 * 64;

// oneDNN's prepacked convolution as ATen registers it (mkldnn_prepacked::conv2d_prepack and
// conv2d_run, the ops TorchScript's frozen graphs use); empty where this LibTorch has none.
const c10::optional<c10::OperatorHandle>& convPrepackOp() {
  static const auto op =
      c10::Dispatcher::singleton().findSchema({"mkldnn_prepacked::conv2d_prepack", ""});
  return op;
}
const c10::optional<c10::OperatorHandle>& convRunOp() {
  static const auto op =
      c10::Dispatcher::singleton().findSchema({"mkldnn_prepacked::conv2d_run", ""});
  return op;
}

class ForwardModeGuard {
 public:
  explicit ForwardModeGuard(ForwardMode mode) : saved_(forwardMode) { forwardMode = mode; }
  ~ForwardModeGuard() { forwardMode = saved_; }
  ForwardModeGuard(const ForwardModeGuard&) = delete;
  ForwardModeGuard& operator=(const ForwardModeGuard&) = delete;

 private:
  ForwardMode saved_;
};

bool mkldnnOn() { return at::hasMKLDNN() && at::globalContext().userEnabledMkldnn(); }

// Which weight a copy derived from it was made from: its storage and its version, which change
// when weights are loaded, moved with to() or written in place.
class WeightStamp {
 public:
  WeightStamp() = default;
  explicit WeightStamp(const torch::Tensor& w) : from_(w.data_ptr()), version_(w._version()) {}
  [[nodiscard]] bool matches(const torch::Tensor& w) const {
    return from_ == w.data_ptr() && version_ == w._version();
  }

 private:
  const void* from_ = nullptr;
  int64_t version_ = -1;
};

// A torch::nn::Conv2d (same parameters, same registered names) whose CPU inference forward, with
// activations channels-last, runs on oneDNN without rearranging activations, and where it pays,
// without rearranging the weight on every call either:
// - float32 on images of at most kMaxPrepackedPixels (ForwardMode::prepacked): every convolution
//   runs on a copy of its weight arranged once for a channels-last input of that image size
//   (ATen's prepacked op). CIFAR-10 at batch 1: 50-51 -> 42-43 ms a call at 2 threads, 80 -> 70
//   ms at 1; batch 16 within 3 %. Costs one more copy of the weights (143 MB for CIFAR-10).
// - otherwise, 3x3 kernels on at most kMaxPackedPixels pixels an image use a copy of the weight
//   reordered once into oneDNN's blocked layout (oneDNN then answers NCHW, turned back); the stock
//   path would reorder the weight on every call, as costly as the arithmetic at those sizes.
// - larger inputs and 1x1 kernels take ATen's channels-last convolution, which rearranges the
//   weight each call but, in float32, holds no second copy of these (large) weights.
// The path is chosen by the size of one image, never by the batch size: oneDNN gives each image
// bit-identical results at any batch size on one path, but the paths round differently, and
// a few steps of sampling amplify that (the first step divides by sqrt(alpha-bar) ~ 0.006), so a
// filmstrip frame would not match the same frame sampled alone.
// In reduced precision (convType bfloat16 or half) every convolution runs in that type on a
// converted copy of its weight, kept (on the CPU pre-arranged for oneDNN up to
// kMaxPackedReducedPixels, channels-last above: half the bytes of float32 either way); the input
// is cast down and the output back to float32, in the same memory format.
class PackedConv2dImpl : public nn::Conv2dImpl {
 public:
  using nn::Conv2dImpl::Conv2dImpl;

  // x: [B, in, H, W] -> [B, out, H', W']
  torch::Tensor forward(const torch::Tensor& x) {
    const ForwardMode mode = forwardMode;
    if (mode.convType != at::kFloat && x.scalar_type() == at::kFloat && !needsGrad(x) &&
        weight.scalar_type() == at::kFloat && bias.defined() && plainPadding())
      return forwardReduced(x, mode);
    if (!channelsLastInference(x, mode)) return nn::Conv2dImpl::forward(x);
    if (mode.prepacked) {
      keepWeightChannelsLast();
      torch::jit::Stack stack{x, prepackedContext(x)};
      convRunOp()->callBoxed(&stack);
      return stack.front().toTensor();
    }
    const auto& padding = c10::get<torch::ExpandingArray<2>>(options.padding());
    if (pointwise() || pixels(x) > kMaxPackedPixels) {
      // Straight to oneDNN: ATen would send 1x1 kernels at one thread to a slower GEMM path.
      keepWeightChannelsLast();
      return at::mkldnn_convolution(x, weight, bias, *padding, options.stride(), options.dilation(),
                                    options.groups());
    }
    const torch::Tensor y = at::mkldnn_convolution(
        x, packedWeight(), bias, *padding, options.stride(), options.dilation(), options.groups());
    return y.contiguous(at::MemoryFormat::ChannelsLast);  // oneDNN answers NCHW to packed weights
  }

 private:
  // Float32: up to 10x10 pixels (a padded 9x9 downsample input). Reduced: up to 16x16. Measured
  // (CIFAR-10, 2 threads): packing by pixels over the whole batch instead was 5-10 % slower in
  // float32 at batch 16, up to 10 % faster in bfloat16.
  static constexpr int64_t kMaxPackedPixels = 100;
  static constexpr int64_t kMaxPackedReducedPixels = 256;

  bool needsGrad(const torch::Tensor& x) const {
    return torch::GradMode::is_enabled() &&
           (x.requires_grad() || weight.requires_grad() || bias.requires_grad());
  }

  bool plainPadding() const {
    return c10::holds_alternative<torch::ExpandingArray<2>>(options.padding()) &&
           c10::holds_alternative<torch::enumtype::kZeros>(options.padding_mode());
  }

  bool pointwise() const { return weight.dim() == 4 && weight.size(2) == 1 && weight.size(3) == 1; }

  // Pixels of one image of the input.
  static int64_t pixels(const torch::Tensor& x) { return x.dim() == 4 ? x.size(2) * x.size(3) : 0; }

  // Float32 CPU inference in channels-last mode, which runs on oneDNN.
  bool channelsLastInference(const torch::Tensor& x, ForwardMode mode) const {
    return mode.channelsLast && !needsGrad(x) && x.dim() == 4 && x.device().is_cpu() &&
           !x.is_mkldnn() && x.scalar_type() == torch::kFloat && weight.device().is_cpu() &&
           weight.scalar_type() == torch::kFloat && bias.defined() && mkldnnOn() && plainPadding();
  }

  // oneDNN's channels-last convolution copies a weight that is not channels-last itself on every
  // call (a fresh allocation the size of the weight); keeping the parameter so spares that copy
  // and holds no second one. Values, names and shapes are unchanged; only the strides differ.
  void keepWeightChannelsLast() {
    if (weight.dim() != 4 || weight.is_contiguous(at::MemoryFormat::ChannelsLast)) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    const torch::NoGradGuard noGrad;
    weight.set_data(weight.detach().contiguous(at::MemoryFormat::ChannelsLast));
  }

  enum class Form { kPlain, kChannelsLast, kPacked };

  // x: float32 [B, in, H, W] -> float32 [B, out, H', W'] in x's memory format, computed in `type`.
  torch::Tensor forwardReduced(const torch::Tensor& x, ForwardMode mode) {
    const at::ScalarType type = mode.convType;
    const auto& padding = c10::get<torch::ExpandingArray<2>>(options.padding());
    const bool oneDnn =
        x.device().is_cpu() && !x.is_mkldnn() && type == at::kBFloat16 && mkldnnOn();
    const Form form = !oneDnn                                              ? Form::kPlain
                      : !mode.channelsLast                                 ? Form::kPacked
                      : pointwise() || pixels(x) > kMaxPackedReducedPixels ? Form::kChannelsLast
                                                                           : Form::kPacked;
    const Reduced r = reducedWeight(type, form);
    const torch::Tensor xr = x.to(type);
    const torch::Tensor y =
        oneDnn
            ? at::mkldnn_convolution(xr, r.weight, form == Form::kPacked ? bias : r.bias, *padding,
                                     options.stride(), options.dilation(), options.groups())
            : at::conv2d(xr, r.weight, r.bias, options.stride(), *padding, options.dilation(),
                         options.groups());
    if (!mode.channelsLast) return y.to(at::kFloat);
    return y.to(at::kFloat, /*non_blocking=*/false, /*copy=*/false, at::MemoryFormat::ChannelsLast);
  }

  // Rebuilt whenever the parameter's storage or version changes (loading weights, to()).
  torch::Tensor packedWeight() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!packed_.defined() || !packedFrom_.matches(weight)) {
      const torch::NoGradGuard noGrad;
      const auto& padding = c10::get<torch::ExpandingArray<2>>(options.padding());
      packed_ =
          at::mkldnn_reorder_conv2d_weight(weight.detach().to_mkldnn(), *padding, options.stride(),
                                           options.dilation(), options.groups());
      packedFrom_ = WeightStamp(weight);
    }
    return packed_;
  }

  // The channels-last weight arranged for oneDNN, for inputs of x's image size (any batch size:
  // oneDNN gives an image the same bits alone or in a batch). Rebuilt like packedWeight() and when
  // the image size changes.
  c10::IValue prepackedContext(const torch::Tensor& x) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (prepacked_.isNone() || !prepackedFrom_.matches(weight) || prepackedH_ != x.size(2) ||
        prepackedW_ != x.size(3)) {
      const torch::NoGradGuard noGrad;
      const auto& padding = c10::get<torch::ExpandingArray<2>>(options.padding());
      // oneDNN arranges the weight for a channels-last input only when the weight looks
      // channels-last itself; a contiguous 1x1 weight is both, and ATen reads it as NCHW, so it is
      // given channels-last strides (the same memory) here.
      torch::Tensor w = weight.detach();
      if (pointwise() && w.is_contiguous()) {
        w = w.as_strided(w.sizes(), {w.size(1), 1, w.size(1), w.size(1)});
      }
      torch::jit::Stack stack{w,
                              bias.detach(),
                              at::IntArrayRef(options.stride()),
                              at::IntArrayRef(*padding),
                              at::IntArrayRef(options.dilation()),
                              options.groups(),
                              std::vector<int64_t>{1, x.size(1), x.size(2), x.size(3)},
                              std::string("none")};
      convPrepackOp()->callBoxed(&stack);
      prepacked_ = std::move(stack.front());
      prepackedFrom_ = WeightStamp(weight);
      prepackedH_ = x.size(2);
      prepackedW_ = x.size(3);
    }
    return prepacked_;
  }

  struct Reduced {
    torch::Tensor weight;  // in the reduced type; oneDNN's blocked layout when packed
    torch::Tensor bias;    // in the reduced type (oneDNN takes the float32 bias as it is)
  };

  // Rebuilt like packedWeight(); one reduced copy at a time.
  Reduced reducedWeight(at::ScalarType type, Form form) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!reduced_.weight.defined() || reducedType_ != type || reducedForm_ != form ||
        !reducedFrom_.matches(weight)) {
      const torch::NoGradGuard noGrad;
      const auto& padding = c10::get<torch::ExpandingArray<2>>(options.padding());
      const torch::Tensor w = weight.detach();
      reduced_.weight =
          form == Form::kPacked
              ? at::mkldnn_reorder_conv2d_weight(w.to_mkldnn(type), *padding, options.stride(),
                                                 options.dilation(), options.groups())
          : form == Form::kChannelsLast
              ? w.to(type, /*non_blocking=*/false, /*copy=*/false, at::MemoryFormat::ChannelsLast)
              : w.to(type);
      reduced_.bias = bias.detach().to(type);
      reducedType_ = type;
      reducedForm_ = form;
      reducedFrom_ = WeightStamp(weight);
    }
    return reduced_;
  }

  std::mutex mutex_;
  c10::IValue prepacked_;
  WeightStamp prepackedFrom_;
  int64_t prepackedH_ = 0;
  int64_t prepackedW_ = 0;
  torch::Tensor packed_;
  WeightStamp packedFrom_;
  Reduced reduced_;
  at::ScalarType reducedType_ = at::kFloat;
  Form reducedForm_ = Form::kPlain;
  WeightStamp reducedFrom_;
};
TORCH_MODULE(PackedConv2d);

PackedConv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return PackedConv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding));
}

class ResnetBlockImpl : public nn::Module {
 public:
  ResnetBlockImpl(int64_t in, int64_t out, int64_t tembCh, double dropoutP) {
    norm1 = register_module("norm1", normalize(in));
    conv1 = register_module("conv1", conv(in, out, /*kernel=*/3, /*stride=*/1, /*padding=*/1));
    temb_proj = register_module("temb_proj", nn::Linear(tembCh, out));
    norm2 = register_module("norm2", normalize(out));
    dropout = register_module("dropout", nn::Dropout(dropoutP));
    conv2 = register_module("conv2", conv(out, out, /*kernel=*/3, /*stride=*/1, /*padding=*/1));
    if (in != out) {
      nin_shortcut =
          register_module("nin_shortcut", conv(in, out, /*kernel=*/1, /*stride=*/1, /*padding=*/0));
    }
  }

  // x: [B, in, H, W], tembAct: swish(temb) [B, 4ch] -> [B, out, H, W]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& tembAct) {
    torch::Tensor h = conv1(swish(norm1(x)));
    const torch::Tensor proj = temb_proj(tembAct).unsqueeze(-1).unsqueeze(-1);
    h = canWriteInPlace(h) ? h.add_(proj) : h + proj;
    h = conv2(dropout(swish(norm2(h))));
    const torch::Tensor skip = nin_shortcut ? nin_shortcut(x) : x;
    return canWriteInPlace(h) ? h.add_(skip) : h + skip;
  }

  nn::GroupNorm norm1{nullptr};
  PackedConv2d conv1{nullptr};
  nn::Linear temb_proj{nullptr};
  nn::GroupNorm norm2{nullptr};
  nn::Dropout dropout{nullptr};
  PackedConv2d conv2{nullptr};
  PackedConv2d nin_shortcut{nullptr};
};
TORCH_MODULE(ResnetBlock);

class AttnBlockImpl : public nn::Module {
 public:
  explicit AttnBlockImpl(int64_t channels) : scale_(std::pow(static_cast<double>(channels), -0.5)) {
    norm = register_module("norm", normalize(channels));
    q = register_module("q", conv(channels, channels, /*kernel=*/1, /*stride=*/1, /*padding=*/0));
    k = register_module("k", conv(channels, channels, /*kernel=*/1, /*stride=*/1, /*padding=*/0));
    v = register_module("v", conv(channels, channels, /*kernel=*/1, /*stride=*/1, /*padding=*/0));
    proj_out = register_module("proj_out",
                               conv(channels, channels, /*kernel=*/1, /*stride=*/1, /*padding=*/0));
  }

  // x: [B, C, H, W] -> [B, C, H, W]; single-head self-attention over the H*W positions.
  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t b = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
    const torch::Tensor h = norm(x);
    if (forwardMode.channelsLast) {
      // The same in [B, HW, C] views of channels-last tensors: no transposing copies.
      const auto positions = [&](const torch::Tensor& y) {
        return y.permute({0, 2, 3, 1}).reshape({b, hw, c});
      };
      const torch::Tensor queries = positions(q(h));
      const torch::Tensor keys = positions(k(h));
      const torch::Tensor values = positions(v(h));
      torch::Tensor w = torch::bmm(queries, keys.transpose(1, 2));  // [B, HW (i), HW (j)]
      w = canWriteInPlace(w) ? w.mul_(scale_) : w * scale_;
      w = torch::softmax(w, /*dim=*/2);
      const torch::Tensor attended = torch::bmm(w, values)  // [B, HW, C]
                                         .view({b, x.size(2), x.size(3), c})
                                         .permute({0, 3, 1, 2});
      torch::Tensor out = proj_out(attended);
      return canWriteInPlace(out) ? out.add_(x) : out + x;
    }
    const torch::Tensor queries = q(h).reshape({b, c, hw});
    const torch::Tensor keys = k(h).reshape({b, c, hw});
    const torch::Tensor values = v(h).reshape({b, c, hw});
    // w[b, i, j] = <q_i, k_j> * C^-0.5, softmax over the keys j.
    torch::Tensor w = torch::bmm(queries.transpose(1, 2), keys);
    w = canWriteInPlace(w) ? w.mul_(scale_) : w * scale_;
    w = torch::softmax(w, /*dim=*/2);
    // out[b, :, i] = sum_j v[b, :, j] * w[b, i, j]
    torch::Tensor out = proj_out(torch::bmm(values, w.transpose(1, 2)).view(x.sizes()));
    return canWriteInPlace(out) ? out.add_(x) : out + x;
  }

  nn::GroupNorm norm{nullptr};
  PackedConv2d q{nullptr};
  PackedConv2d k{nullptr};
  PackedConv2d v{nullptr};
  PackedConv2d proj_out{nullptr};

 private:
  double scale_;
};
TORCH_MODULE(AttnBlock);

// Official Downsample / Upsample; `conv` is registered only when resamp_with_conv is set.
class ResampleImpl : public nn::Module {
 public:
  ResampleImpl(int64_t channels, bool withConv, bool up) : up_(up) {
    if (withConv) {
      conv = up ? register_module("conv", unet_detail::conv(channels, channels, 3, 1, 1))
                : register_module("conv", unet_detail::conv(channels, channels, 3, 2, 0));
    }
  }

  // x: [B, C, H, W] -> [B, C, 2H, 2W] (up) or [B, C, H/2, W/2] (down)
  torch::Tensor forward(const torch::Tensor& x) {
    if (up_) {
      const int64_t b = x.size(0), c = x.size(1), hh = x.size(2), ww = x.size(3);
      if (forwardMode.channelsLast) {  // oneDNN-friendly channels-last in and out
        const torch::Tensor h = at::upsample_nearest2d(x, {2 * hh, 2 * ww});
        return conv ? conv(h) : h;
      }
      // Nearest-neighbour x2 as one broadcast copy: each pixel repeated in a 2x2 patch.
      const torch::Tensor h =
          x.unsqueeze(3).unsqueeze(5).expand({b, c, hh, 2, ww, 2}).reshape({b, c, 2 * hh, 2 * ww});
      return conv ? conv(h) : h;
    }
    if (!conv) return torch::avg_pool2d(x, /*kernel_size=*/{2, 2}, /*stride=*/{2, 2});
    // Zero padding on the right and bottom only, then a 3x3 stride-2 convolution.
    return conv(torch::constant_pad_nd(x, {0, 1, 0, 1}, 0));
  }

  PackedConv2d conv{nullptr};

 private:
  bool up_;
};
TORCH_MODULE(Resample);

// One resolution level: `block` and `attn` lists plus an optional `downsample`/`upsample`.
class LevelImpl : public nn::Module {
 public:
  LevelImpl() {
    block = register_module("block", nn::ModuleList());
    attn = register_module("attn", nn::ModuleList());
  }

  void addBlock(ResnetBlock b) {
    block->push_back(b);
    blocks.push_back(std::move(b));
  }
  void addAttn(AttnBlock a) {
    attn->push_back(a);
    attns.push_back(std::move(a));
  }
  void setResample(Resample r, bool up) {
    resample = register_module(up ? "upsample" : "downsample", std::move(r));
  }

  nn::ModuleList block{nullptr};
  nn::ModuleList attn{nullptr};
  Resample resample{nullptr};
  // The same modules as `block` and `attn`, typed, for the forward pass.
  std::vector<ResnetBlock> blocks;
  std::vector<AttnBlock> attns;
};
TORCH_MODULE(Level);

// UNetConfig::validate() checks the fields; one gap remains for building the network: ch itself
// is the width of conv_in and of the first blocks' GroupNorm(32, ch).
void checkConfig(const UNetConfig& c) {
  c.validate();
  if (c.ch % 32 != 0) {
    throw Error("model config: model.ch (" + std::to_string(c.ch) +
                ") must be a multiple of 32: GroupNorm uses 32 groups");
  }
}

}  // namespace unet_detail

using namespace unet_detail;  // NOLINT: this file's own helpers

struct UNetImpl::Impl {
  nn::Linear dense0{nullptr}, dense1{nullptr};
  PackedConv2d convIn{nullptr}, convOut{nullptr};
  std::vector<Level> down, up;  // up[0] is the highest resolution, as in the official lists
  ResnetBlock midBlock1{nullptr}, midBlock2{nullptr};
  AttnBlock midAttn{nullptr};
  nn::GroupNorm normOut{nullptr};
};

torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim) {
  TORCH_CHECK(t.dim() == 1, "timestepEmbedding: t must be [B], got ", t.sizes());
  TORCH_CHECK(dim >= 4, "timestepEmbedding: dim must be >= 4, got ", dim);
  const torch::Tensor tf = t.is_floating_point() ? t : t.to(torch::kFloat);
  const int64_t half = dim / 2;
  const double f = std::log(10000.0) / static_cast<double>(half - 1);
  const torch::Tensor freqs = torch::exp(torch::arange(half, tf.options()) * -f);
  const torch::Tensor e = tf.unsqueeze(1) * freqs.unsqueeze(0);  // [B, half]
  torch::Tensor emb = torch::cat({torch::sin(e), torch::cos(e)}, /*dim=*/1);
  if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1}, 0);
  return emb;
}

UNetImpl::UNetImpl(const UNetConfig& config) : config_(config), impl_(std::make_shared<Impl>()) {
  checkConfig(config_);
  const int64_t ch = config_.ch;
  const int64_t tembCh = 4 * ch;
  const auto levels = static_cast<int64_t>(config_.chMult.size());
  const int64_t nrb = config_.numResBlocks;
  const double p = config_.dropout;
  const auto hasAttn = [&](int64_t res) {
    return std::find(config_.attnResolutions.begin(), config_.attnResolutions.end(), res) !=
           config_.attnResolutions.end();
  };
  const auto inMult = [&](int64_t level) {  // (1,) + ch_mult
    return level == 0 ? int64_t{1} : int64_t{config_.chMult[level - 1]};
  };
  Impl& m = *impl_;

  auto temb = register_module("temb", std::make_shared<nn::Module>());
  auto dense = temb->register_module("dense", nn::ModuleList());
  m.dense0 = nn::Linear(ch, tembCh);
  m.dense1 = nn::Linear(tembCh, tembCh);
  dense->push_back(m.dense0);
  dense->push_back(m.dense1);

  m.convIn = register_module("conv_in", conv(config_.inChannels, ch, 3, 1, 1));

  auto down = register_module("down", nn::ModuleList());
  int64_t res = config_.resolution;
  int64_t blockIn = ch;
  for (int64_t i = 0; i < levels; ++i) {
    Level level;
    blockIn = ch * inMult(i);
    const int64_t blockOut = ch * config_.chMult[i];
    for (int64_t j = 0; j < nrb; ++j) {
      level->addBlock(ResnetBlock(blockIn, blockOut, tembCh, p));
      blockIn = blockOut;
      if (hasAttn(res)) level->addAttn(AttnBlock(blockIn));
    }
    if (i != levels - 1) {
      level->setResample(Resample(blockIn, config_.resampWithConv, /*up=*/false), /*up=*/false);
      res /= 2;
    }
    down->push_back(level);
    m.down.push_back(level);
  }

  auto mid = register_module("mid", std::make_shared<nn::Module>());
  m.midBlock1 = mid->register_module("block_1", ResnetBlock(blockIn, blockIn, tembCh, p));
  m.midAttn = mid->register_module("attn_1", AttnBlock(blockIn));
  m.midBlock2 = mid->register_module("block_2", ResnetBlock(blockIn, blockIn, tembCh, p));

  // Built from the lowest resolution up, stored with up[0] the highest (official insert(0, up)).
  m.up.resize(levels, Level(nullptr));
  for (int64_t i = levels - 1; i >= 0; --i) {
    Level level;
    const int64_t blockOut = ch * config_.chMult[i];
    for (int64_t j = 0; j <= nrb; ++j) {
      const int64_t skipIn = (j == nrb ? ch * inMult(i) : blockOut);
      level->addBlock(ResnetBlock(blockIn + skipIn, blockOut, tembCh, p));
      blockIn = blockOut;
      if (hasAttn(res)) level->addAttn(AttnBlock(blockIn));
    }
    if (i != 0) {
      level->setResample(Resample(blockIn, config_.resampWithConv, /*up=*/true), /*up=*/true);
      res *= 2;
    }
    m.up[i] = level;
  }
  auto up = register_module("up", nn::ModuleList());
  for (const Level& level : m.up) up->push_back(level);

  m.normOut = register_module("norm_out", normalize(blockIn));
  m.convOut = register_module("conv_out", conv(blockIn, config_.outCh, 3, 1, 1));
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& t) {
  return forwardIn(x, t, precision_);
}

torch::Tensor UNetImpl::forwardIn(const torch::Tensor& x, const torch::Tensor& t,
                                  Precision precision) {
  ForwardMode mode;
  mode.convType = precision == Precision::kBf16   ? at::kBFloat16
                  : precision == Precision::kFp16 ? at::kHalf
                                                  : at::kFloat;
  // Channels-last activations for CPU inference through oneDNN (training keeps NCHW). In reduced
  // precision only above 32x32 pixels an image: below, every convolution runs on packed weights
  // anyway, and converting their NCHW answers to channels-last cost more than it saved (the
  // bundled 32-pixel model, bf16, 1 thread: 10.8 against 13.7 ms a call); at 256x256 the
  // channels-last bf16 kernels are several times faster than the packed ones.
  const bool large = x.dim() == 4 && x.size(2) * x.size(3) > kMaxNchwReducedPixels;
  mode.channelsLast = x.device().is_cpu() && !x.is_mkldnn() && mkldnnOn() && !is_training() &&
                      x.scalar_type() == at::kFloat && (mode.convType == at::kFloat || large) &&
                      !(torch::GradMode::is_enabled() &&
                        (x.requires_grad() || impl_->convIn->weight.requires_grad()));
  mode.prepacked = mode.channelsLast && mode.convType == at::kFloat && x.dim() == 4 &&
                   x.size(2) * x.size(3) <= kMaxPrepackedPixels && convPrepackOp().has_value() &&
                   convRunOp().has_value();
  const ForwardModeGuard modeGuard(mode);
  TORCH_CHECK(x.dim() == 4 && x.size(1) == config_.inChannels, "UNet: x must be [B, ",
              config_.inChannels, ", H, W], got ", x.sizes());
  const int64_t batch = x.size(0);
  const int64_t factor = int64_t{1} << (config_.chMult.size() - 1);
  TORCH_CHECK(x.size(2) % factor == 0 && x.size(3) % factor == 0, "UNet: H and W must be ",
              "multiples of ", factor, " for ", config_.chMult.size(), " levels, got ", x.sizes());
  TORCH_CHECK(t.dim() <= 1 && (t.numel() == batch || t.numel() == 1), "UNet: t must be [", batch,
              "] (or one value), got ", t.sizes());
  Impl& m = *impl_;

  const torch::Tensor tb = t.reshape({-1}).to(x.options()).expand({batch});
  torch::Tensor temb = m.dense1(swish(m.dense0(timestepEmbedding(tb, config_.ch))));
  // Every ResnetBlock projects swish(temb); computing it once is the same math.
  const torch::Tensor tembAct = swish(temb);

  std::vector<torch::Tensor> hs;
  hs.push_back(m.convIn(mode.channelsLast ? x.contiguous(at::MemoryFormat::ChannelsLast) : x));
  for (Level& level : m.down) {
    for (size_t j = 0; j < level->blocks.size(); ++j) {
      torch::Tensor h = level->blocks[j](hs.back(), tembAct);
      if (!level->attns.empty()) h = level->attns[j](h);
      hs.push_back(std::move(h));
    }
    if (level->resample) hs.push_back(level->resample(hs.back()));
  }

  torch::Tensor h = hs.back();
  h = m.midBlock1(h, tembAct);
  h = m.midAttn(h);
  h = m.midBlock2(h, tembAct);

  for (auto it = m.up.rbegin(); it != m.up.rend(); ++it) {
    Level& level = *it;
    for (size_t j = 0; j < level->blocks.size(); ++j) {
      h = level->blocks[j](torch::cat({h, hs.back()}, /*dim=*/1), tembAct);
      hs.pop_back();
      if (!level->attns.empty()) h = level->attns[j](h);
    }
    if (level->resample) h = level->resample(h);
  }
  const torch::Tensor eps = m.convOut(swish(m.normOut(h)));
  return mode.channelsLast ? eps.contiguous() : eps;
}

int64_t parameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace ddim
