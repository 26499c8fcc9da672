#include "diffusion/edit.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <string>

#include "errors.h"

namespace ddim {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string shapeOf(const at::Tensor& x) {
  std::string s = "[";
  for (int64_t d = 0; d < x.dim(); ++d) s += (d ? ", " : "") + std::to_string(x.size(d));
  return s + "]";
}

/// The edit's inversion options with its own steps and skip.
InvertOptions inversionOptions(const EditOptions& o) {
  InvertOptions io = o.inversion;
  io.steps = o.steps;
  io.skip = o.skip;
  return io;
}

/// One generator per result item, seeded seed + i (see EditOptions), so that an item's noise
/// does not depend on the batch it is in.
class ItemGenerators {
 public:
  ItemGenerators(int64_t count, uint64_t seed) {
    for (int64_t i = 0; i < count; ++i)
      generators_.push_back(at::detail::createCPUGenerator(seed + static_cast<uint64_t>(i)));
  }

  /// Standard normal noise shaped like `like` ([count, ...]), item i from generator i; drawn in
  /// float32 on the CPU as seededNoise does, then given like's dtype and device.
  at::Tensor draw(const at::Tensor& like) {
    std::vector<int64_t> shape = like.sizes().vec();
    shape[0] = 1;
    std::vector<at::Tensor> items;
    for (at::Generator& g : generators_)
      items.push_back(at::randn(shape, g, at::TensorOptions().dtype(at::kFloat)));
    return at::cat(items).to(like.device(), like.scalar_type());
  }

 private:
  std::vector<at::Generator> generators_;
};

/// x0 as [B, C, H, W] floating point.
at::Tensor checkedImage(const at::Tensor& x0, const EditOptions& options) {
  if (!x0.defined() || x0.dim() != 4 || x0.size(0) < 1)
    throw Error("edit: the image must be [B, C, H, W], got " +
                (x0.defined() ? shapeOf(x0) : std::string("none")));
  if (options.count > 1 && x0.size(0) != 1)
    throw Error("edit: variations (count " + std::to_string(options.count) +
                ") take one image, got a batch of " + std::to_string(x0.size(0)));
  return x0.is_floating_point() ? x0 : x0.to(at::kFloat);
}

/// The feathered mask in x0's dtype and device, after checking its shape and values.
at::Tensor checkedMask(const at::Tensor& mask, const at::Tensor& x0, const EditOptions& options) {
  if (!mask.defined()) throw Error("edit: no mask given");
  const int64_t b = x0.size(0), h = x0.size(2), w = x0.size(3);
  const std::string expected = "[1, 1, " + std::to_string(h) + ", " + std::to_string(w) + "]" +
                               (b > 1 ? " or [" + std::to_string(b) + ", 1, " + std::to_string(h) +
                                            ", " + std::to_string(w) + "]"
                                      : std::string());
  if (mask.dim() != 4 || mask.size(1) != 1 || mask.size(2) != h || mask.size(3) != w ||
      (mask.size(0) != 1 && mask.size(0) != b))
    throw Error("edit: the mask must be " + expected + " for an image " + shapeOf(x0) + ", got " +
                shapeOf(mask));
  const at::Tensor m = mask.to(at::kCPU, at::kFloat);
  if (!m.isfinite().all().item<bool>() || m.min().item<float>() < 0 || m.max().item<float>() > 1)
    throw Error("edit: mask values must be in [0, 1] (1 = regenerate, 0 = keep)");
  if (m.max().item<float>() == 0)
    throw Error("edit: the mask is all zero: nothing to regenerate (1 = regenerate, 0 = keep)");
  return featherMask(m, options.featherPixels).to(x0.device(), x0.scalar_type());
}

/// Strength edit and masked regeneration in one walk; `mask` undefined for the whole image.
at::Tensor runEdit(const EditDenoisers& denoisers, const NoiseSchedule& schedule,
                   const at::Tensor& image, const at::Tensor& mask, const EditOptions& options,
                   const RunControl& control, EditReport* report) {
  const int T = schedule.numTimesteps();
  options.validate(T);
  const at::Tensor x0 = checkedImage(image, options);
  const bool masked = mask.defined();
  if (!masked && options.resample > 0)
    throw Error("edit: resampling (RePaint) applies to masked regeneration; give a mask");
  const at::Tensor m = masked ? checkedMask(mask, x0, options) : at::Tensor();
  if (!denoisers.sampling.net || (options.noise == EditNoise::kInvert && !denoisers.inversion.net))
    throw Error("edit: no denoiser");

  EditReport local;
  EditReport& r = report ? *report : local;
  r = EditReport();
  const int64_t count = options.count;
  const at::Tensor input = count > 1 ? x0.repeat({count, 1, 1, 1}) : x0;  // [N, C, H, W]
  const std::vector<int64_t> seq = editTimesteps(options, T);
  const int n = static_cast<int>(seq.size());
  if (n == 0) return input.clone();  // strength 0: no step, the input itself

  const int64_t t0 = seq.back();
  const bool top = t0 == makeTimesteps(options.skip, options.steps, T).back();
  const bool invert = options.noise == EditNoise::kInvert;
  const int jumps = options.resample;
  const int inversionSteps = invert ? n : 0;
  const int total = countEditSteps(options, T);
  r.startTimestep = t0;
  r.steps = n;

  ItemGenerators noise(input.size(0), options.seed);
  // The seed's start at t0: forward noise, or the noise itself at the top (as sample() starts).
  at::Tensor z, fresh;
  if (!invert || masked) {
    z = noise.draw(input);
    const double a = schedule.alphaBar(t0);
    fresh = top ? z : std::sqrt(a) * input + std::sqrt(1.0 - a) * z;  // DDPM Eq. 4
  }
  std::vector<at::Tensor> trajectory;  // kInvert: the input's latent at each t of seq
  if (invert) {
    trajectory = invertTrajectory(denoisers.inversion, schedule, x0, seq, inversionOptions(options),
                                  control.part(0, total), &r.inversion);
    r.networkCalls += r.inversion.networkCalls;
  }
  // known_s for s = seq[k - 1] (s = -1 for k = 0: the input itself).
  auto known = [&](int k) -> at::Tensor {
    if (k == 0) return input;
    if (invert) return trajectory[k - 1];
    const double a = schedule.alphaBar(seq[k - 1]);
    return std::sqrt(a) * input + std::sqrt(1.0 - a) * z;
  };

  at::Tensor x;
  if (!invert)
    x = fresh;
  else if (masked)
    x = m * fresh + (1 - m) * trajectory.back();
  else
    x = count > 1 ? trajectory.back().repeat({count, 1, 1, 1}) : trajectory.back();

  const Denoiser& d = denoisers.sampling;
  const int64_t batch = x.size(0);
  const bool dpm = options.solver == SamplerKind::kDpmSolverPP2M;
  DpmSolverPP2M dpmSolver;
  int done = inversionSteps;
  for (int k = n - 1; k >= 0; --k) {
    const int64_t t = seq[k], s = k > 0 ? seq[k - 1] : -1;
    const double a = schedule.alphaBar(t), aPrev = schedule.alphaBar(s);
    const at::Tensor knownS = masked ? known(k) : at::Tensor();
    const at::Tensor tt = at::full({batch}, static_cast<float>(t), x.options());
    at::Tensor xt = x;
    for (int jump = 0; jump <= jumps; ++jump) {
      if (jump > 0) {
        // RePaint: back to t with q(x_t | x_s) = N(sqrt(a_t / a_s) x_s, (1 - a_t / a_s) I).
        const double ratio = a / aPrev;
        xt = std::sqrt(ratio) * x + std::sqrt(std::max(0.0, 1.0 - ratio)) * noise.draw(x);
      }
      control.checkCancelled();
      const EpsAndX0 p = toEpsAndX0(d.net(xt, tt), xt, a, d.prediction);
      ++r.networkCalls;
      if (dpm) {
        x = dpmSolver.step(xt, p.x0, a, aPrev);
      } else {
        // DDIM Eq. 16 (sigma) and Eq. 12 (update), as the sampler.
        const double sigma =
            options.eta * std::sqrt((1.0 - aPrev) / (1.0 - a)) * std::sqrt(1.0 - a / aPrev);
        const double dirCoef = std::sqrt(std::max(0.0, 1.0 - aPrev - sigma * sigma));
        x = std::sqrt(aPrev) * p.x0 + dirCoef * p.eps;
        if (sigma > 0) x = x + sigma * noise.draw(x);
      }
      at::Tensor preview = p.x0;
      if (masked) {
        x = m * x + (1 - m) * knownS;
        preview = m * p.x0 + (1 - m) * input;
      }
      if (control.onStep) control.onStep(++done, total, preview);
    }
  }
  return x;
}

}  // namespace

void EditOptions::validate(int numTimesteps) const {
  if (!(strength >= 0.0 && strength <= 1.0))
    throw Error("strength must be in [0, 1], got " + number(strength));
  if (steps <= 0 || steps > numTimesteps)
    throw Error("steps must be in 1.." + std::to_string(numTimesteps) + ", got " +
                std::to_string(steps));
  if (!(eta >= 0.0 && eta <= 1.0)) throw Error("eta must be in [0, 1], got " + number(eta));
  if (count < 1 || count > 1024)
    throw Error("count must be in 1..1024, got " + std::to_string(count));
  if (resample < 0 || resample > 100)
    throw Error("resample must be in 0..100, got " + std::to_string(resample));
  if (solver == SamplerKind::kSigmaHat) throw Error("edit: the solver must be ddim or dpm++2m");
  // An edit starts part-way down a step sequence cut at the strength; logsnr spaces whole runs.
  if (skip == SkipType::kLogSnr)
    throw Error(
        "edit: the logsnr step schedule is for whole runs (sample, compare, invert); "
        "use trailing with dpm++2m");
  if (solver == SamplerKind::kDpmSolverPP2M && (eta != 0.0 || resample != 0))
    throw Error("edit: dpm++2m is deterministic and multistep: it needs eta 0 and no resampling");
  if (!(featherPixels >= 0.0 && featherPixels <= 1e4))
    throw Error("feather radius must be in [0, 10000] pixels, got " + number(featherPixels));
  if (noise == EditNoise::kInvert) inversionOptions(*this).validate(numTimesteps);
}

int64_t editStartTimestep(const EditOptions& options, int numTimesteps) {
  const std::vector<int64_t> seq = editTimesteps(options, numTimesteps);
  return seq.empty() ? -1 : seq.back();
}

std::vector<int64_t> editTimesteps(const EditOptions& options, int numTimesteps) {
  options.validate(numTimesteps);
  if (options.strength == 0) return {};
  // The tolerance keeps strength 0.29 of T = 1000 at t = 290 despite 0.29 * 1000 < 290 in binary.
  const double limit = options.strength * numTimesteps + 1e-9;
  std::vector<int64_t> seq = makeTimesteps(options.skip, options.steps, numTimesteps);
  seq.erase(std::remove_if(seq.begin(), seq.end(),
                           [limit](int64_t t) { return static_cast<double>(t) > limit; }),
            seq.end());
  return seq;
}

int countEditCalls(const EditOptions& options, int numTimesteps) {
  const int n = static_cast<int>(editTimesteps(options, numTimesteps).size());
  if (n == 0) return 0;
  int inversion = 0;
  if (options.noise == EditNoise::kInvert)
    inversion = options.inversion.method == InversionMethod::kExact
                    ? 1 + n * options.inversion.maxIterations
                    : n;
  return inversion + n * (options.resample + 1);
}

int countEditSteps(const EditOptions& options, int numTimesteps) {
  const int n = static_cast<int>(editTimesteps(options, numTimesteps).size());
  return (options.noise == EditNoise::kInvert ? n : 0) + n * (options.resample + 1);
}

at::Tensor itemNoise(int64_t count, const std::vector<int64_t>& itemShape, uint64_t seed,
                     const c10::Device& device) {
  if (count < 1 || itemShape.size() != 3)
    throw Error("itemNoise: needs count >= 1 and an item shape [C, H, W]");
  std::vector<int64_t> shape = {count};
  shape.insert(shape.end(), itemShape.begin(), itemShape.end());
  ItemGenerators generators(count, seed);
  return generators.draw(at::empty(shape, at::TensorOptions().dtype(at::kFloat).device(device)));
}

at::Tensor forwardNoise(const NoiseSchedule& schedule, const at::Tensor& x0, int64_t t,
                        uint64_t seed) {
  if (!x0.defined() || x0.dim() != 4)
    throw Error("forwardNoise: x0 must be [B, C, H, W], got " +
                (x0.defined() ? shapeOf(x0) : std::string("none")));
  if (t < 0 || t >= schedule.numTimesteps())
    throw Error("forwardNoise: t must be in 0.." + std::to_string(schedule.numTimesteps() - 1) +
                ", got " + std::to_string(t));
  const at::Tensor x = x0.is_floating_point() ? x0 : x0.to(at::kFloat);
  ItemGenerators generators(x.size(0), seed);
  const double a = schedule.alphaBar(t);
  return std::sqrt(a) * x + std::sqrt(1.0 - a) * generators.draw(x);
}

at::Tensor featherMask(const at::Tensor& mask, double radius) {
  if (!mask.defined() || mask.dim() != 4 || mask.size(1) != 1)
    throw Error("featherMask: the mask must be [N, 1, H, W], got " +
                (mask.defined() ? shapeOf(mask) : std::string("none")));
  if (!(radius >= 0)) throw Error("featherMask: radius must be >= 0, got " + number(radius));
  if (radius == 0) return mask;
  const at::Tensor m = mask.to(at::kCPU, at::kFloat).contiguous();
  at::Tensor scale = at::ones_like(m);
  const int h = static_cast<int>(m.size(2)), w = static_cast<int>(m.size(3));
  for (int64_t i = 0; i < m.size(0); ++i) {
    const cv::Mat values(h, w, CV_32F, m[i][0].data_ptr<float>());
    cv::Mat inside = values > 0;  // 255 where regenerated at all
    if (cv::countNonZero(inside) == h * w) continue;
    cv::Mat distance;  // to the nearest pixel with value 0
    cv::distanceTransform(inside, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    cv::Mat ramp = cv::min(distance / radius, 1.0);
    std::memcpy(scale[i][0].data_ptr<float>(), ramp.ptr<float>(), sizeof(float) * h * w);
  }
  return (m * scale).to(mask.device(), mask.scalar_type());
}

at::Tensor strengthEdit(const EditDenoisers& denoisers, const NoiseSchedule& schedule,
                        const at::Tensor& x0, const EditOptions& options, const RunControl& control,
                        EditReport* report) {
  return runEdit(denoisers, schedule, x0, at::Tensor(), options, control, report);
}

at::Tensor regenerateMasked(const EditDenoisers& denoisers, const NoiseSchedule& schedule,
                            const at::Tensor& x0, const at::Tensor& mask,
                            const EditOptions& options, const RunControl& control,
                            EditReport* report) {
  if (!mask.defined()) throw Error("edit: no mask given");
  return runEdit(denoisers, schedule, x0, mask, options, control, report);
}

}  // namespace ddim
