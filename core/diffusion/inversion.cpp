#include "diffusion/inversion.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "errors.h"

namespace ddim {

namespace {

/// The options' checks that do not depend on the step count.
void validateMethod(const InvertOptions& options) {
  if (options.method == InversionMethod::kExact) {
    if (!(options.tolerance > 0)) throw Error("inversion tolerance must be > 0");
    if (options.maxIterations < 1 || options.maxIterations > 100)
      throw Error("inversion iterations must be in 1..100, got " +
                  std::to_string(options.maxIterations));
  }
}

}  // namespace

void InvertOptions::validate(int numTimesteps) const {
  if (steps <= 0 || steps > numTimesteps)
    throw Error("steps must be in 1.." + std::to_string(numTimesteps) + ", got " +
                std::to_string(steps));
  validateMethod(*this);
}

namespace {

/// The largest per-item RMS of x: [B, ...] -> one number.
double worstRms(const at::Tensor& x) {
  return x.to(at::kDouble).reshape({x.size(0), -1}).pow(2).mean(1).sqrt().max().item<double>();
}

/// Anderson acceleration (type II) of the fixed-point iteration x <- g(x), item by item over the
/// batch: the next iterate mixes the last `window` + 1 values of g so that the linearised residual
/// g(x) - x is smallest (Walker and Ni 2011; AIDI, Pan et al. 2023, for DDIM inversion).
class AndersonMixer {
 public:
  explicit AndersonMixer(int window) : window_(window) {}

  /// x, gx: [B, ...]; returns the next iterate, same shape and dtype as x.
  at::Tensor next(const at::Tensor& x, const at::Tensor& gx) {
    const int64_t b = x.size(0);
    const at::Tensor xf = x.reshape({b, -1}).to(at::kDouble);
    const at::Tensor gf = gx.reshape({b, -1}).to(at::kDouble);
    const at::Tensor f = gf - xf;
    if (lastF_.defined()) {
      dF_.push_back(f - lastF_);
      dG_.push_back(gf - lastG_);
      if (static_cast<int>(dF_.size()) > window_) {
        dF_.erase(dF_.begin());
        dG_.erase(dG_.begin());
      }
    }
    lastF_ = f;
    lastG_ = gf;
    at::Tensor out = gf;
    if (!dF_.empty()) {
      const at::Tensor F = at::stack(dF_, 2), G = at::stack(dG_, 2);  // [B, N, m]
      const int64_t m = F.size(2);
      at::Tensor normal = at::bmm(F.transpose(1, 2), F);  // [B, m, m]
      const at::Tensor scale = normal.diagonal(0, 1, 2).sum(1).clamp_min(1e-300);
      normal = normal + (1e-10 * scale).view({b, 1, 1}) * at::eye(m, normal.options());
      const at::Tensor gamma = at::linalg_solve(normal, at::bmm(F.transpose(1, 2), f.unsqueeze(2)));
      const at::Tensor mixed = gf - at::bmm(G, gamma).squeeze(2);
      // A degenerate solve falls back to the plain iterate, item by item.
      const at::Tensor finite = mixed.isfinite().all(1, /*keepdim=*/true);
      out = at::where(finite, mixed, gf);
    }
    return out.reshape(x.sizes()).to(x.scalar_type());
  }

 private:
  int window_;
  at::Tensor lastF_, lastG_;
  std::vector<at::Tensor> dF_, dG_;
};

/// Exact inversion: each step solves DDIM_step(x_t) = x_s for x_t (eta = 0), where DDIM_step is
/// the sampler's update sqrt(a_s) x0(x_t) + sqrt(1 - a_s) eps(x_t) (DDIM Eq. 12 with sigma = 0).
/// Fixed point: x_t = g(x_t) = x_t + sqrt(a_t / a_s) (x_s - DDIM_step(x_t)), started from the
/// plain (Euler) step, whose noise prediction is the one the previous step ended with, so the
/// first guess costs no call.
at::Tensor invertExact(const Denoiser& denoiser, const NoiseSchedule& schedule,
                       const at::Tensor& x0, const std::vector<int64_t>& seq,
                       const InvertOptions& options, const RunControl& control,
                       InversionReport& report, std::vector<at::Tensor>* trajectory) {
  const int n = static_cast<int>(seq.size());
  const auto batch = x0.size(0);
  auto evaluate = [&](const at::Tensor& x, int64_t t) {
    control.checkCancelled();
    ++report.networkCalls;
    const at::Tensor tt = at::full({batch}, static_cast<float>(t), x.options());
    return toEpsAndX0(denoiser.net(x, tt), x, schedule.alphaBar(t), denoiser.prediction);
  };

  at::Tensor xs = x0.is_floating_point() ? x0 : x0.to(at::kFloat);
  at::Tensor lastEps;  // eps(x_s, s) from the end of the previous step
  for (int k = 0; k < n; ++k) {
    const int64_t s = k > 0 ? seq[k - 1] : -1, t = seq[k];
    const double aS = schedule.alphaBar(s), aT = schedule.alphaBar(t);
    // The network is never evaluated at t = -1: the first guess uses eps(x0, t).
    const at::Tensor guessEps = lastEps.defined() ? lastEps : evaluate(xs, t).eps;
    const at::Tensor guessX0 = (xs - std::sqrt(1.0 - aS) * guessEps) / std::sqrt(aS);
    at::Tensor xt = std::sqrt(aT) * guessX0 + std::sqrt(1.0 - aT) * guessEps;

    AndersonMixer mixer(/*window=*/options.maxIterations);  // full memory: GMRES-like on a
                                                            // linear map
    at::Tensor bestX, bestEps, bestX0;
    double best = std::numeric_limits<double>::infinity();
    int stalled = 0;  // iterations in a row that did not improve on the best
    for (int it = 0; it < options.maxIterations; ++it) {
      const EpsAndX0 p = evaluate(xt, t);
      const at::Tensor stepped = std::sqrt(aS) * p.x0 + std::sqrt(1.0 - aS) * p.eps;
      const at::Tensor gap = xs - stepped;
      const double residual = worstRms(gap);
      if (residual < 0.9 * best) {
        stalled = 0;
      } else {
        ++stalled;
      }
      if (residual < best) {
        best = residual;
        bestX = xt;
        bestEps = p.eps;
        bestX0 = p.x0;
      }
      // A step whose image the sampling step cannot reach exactly (the large last steps of a short
      // sequence project onto what the network can produce) stalls: stop spending calls on it.
      if (residual <= options.tolerance || it + 1 == options.maxIterations || stalled >= 2) break;
      xt = mixer.next(xt, xt + std::sqrt(aT / aS) * gap);
    }
    report.residuals.push_back(best);
    report.worstResidual = std::max(report.worstResidual, best);
    if (!(best <= options.tolerance)) ++report.stepsNotConverged;
    xs = bestX;
    lastEps = bestEps;
    if (trajectory) trajectory->push_back(xs);
    if (control.onStep) control.onStep(k + 1, n, bestX0);
  }
  return xs;
}

/// The paper's inversion (DDIM Eq. 13 run backwards, eta = 0, no clipping): one call a step.
at::Tensor invertPlain(const Denoiser& denoiser, const NoiseSchedule& schedule,
                       const at::Tensor& x0, const std::vector<int64_t>& seq,
                       const InvertOptions& options, const RunControl& control,
                       InversionReport& report, std::vector<at::Tensor>* trajectory) {
  const int n = static_cast<int>(seq.size());
  report.networkCalls = n;
  const auto batch = x0.size(0);

  at::Tensor x = x0.is_floating_point() ? x0 : x0.to(at::kFloat);
  for (int k = 0; k < n; ++k) {
    const int64_t cur = k > 0 ? seq[k - 1] : -1;
    const int64_t next = seq[k];
    // The network is never evaluated at t = -1: the first Euler step uses the sequence's first t.
    const int64_t evalT = (options.form == InversionForm::kEuler && cur >= 0) ? cur : next;
    const double aCur = schedule.alphaBar(cur), aNext = schedule.alphaBar(next);

    control.checkCancelled();
    const at::Tensor tt = at::full({batch}, static_cast<float>(evalT), x.options());
    const at::Tensor eps =
        toEpsAndX0(denoiser.net(x, tt), x, schedule.alphaBar(evalT), denoiser.prediction).eps;
    // DDIM Eq. 13 run backwards (eta = 0, no clipping).
    const at::Tensor predX0 = (x - std::sqrt(1.0 - aCur) * eps) / std::sqrt(aCur);
    x = std::sqrt(aNext) * predX0 + std::sqrt(1.0 - aNext) * eps;
    if (trajectory) trajectory->push_back(x);
    if (control.onStep) control.onStep(k + 1, n, predX0);
  }
  return x;
}

/// Both methods along `seq`, reporting in `report` when given.
at::Tensor walk(const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& x0,
                const std::vector<int64_t>& seq, const InvertOptions& options,
                const RunControl& control, InversionReport* report,
                std::vector<at::Tensor>* trajectory) {
  if (x0.dim() != 4)
    throw Error("invert: image must be [B, C, H, W], got " + std::to_string(x0.dim()) + " dims");
  InversionReport local;
  InversionReport& r = report ? *report : local;
  r = InversionReport();
  r.steps = static_cast<int>(seq.size());
  if (options.method == InversionMethod::kExact)
    return invertExact(denoiser, schedule, x0, seq, options, control, r, trajectory);
  return invertPlain(denoiser, schedule, x0, seq, options, control, r, trajectory);
}

}  // namespace

at::Tensor invert(const Denoiser& denoiser, const NoiseSchedule& schedule, const at::Tensor& x0,
                  const InvertOptions& options, const RunControl& control,
                  InversionReport* report) {
  const int T = schedule.numTimesteps();
  options.validate(T);
  return walk(denoiser, schedule, x0, makeTimesteps(options.skip, options.steps, schedule), options,
              control, report, nullptr);
}

std::vector<at::Tensor> invertTrajectory(const Denoiser& denoiser, const NoiseSchedule& schedule,
                                         const at::Tensor& x0,
                                         const std::vector<int64_t>& timesteps,
                                         const InvertOptions& options, const RunControl& control,
                                         InversionReport* report) {
  validateMethod(options);
  const int T = schedule.numTimesteps();
  for (size_t k = 0; k < timesteps.size(); ++k)
    if (timesteps[k] < 0 || timesteps[k] >= T || (k > 0 && timesteps[k] < timesteps[k - 1]))
      throw Error("invert: timesteps must ascend within 0.." + std::to_string(T - 1));
  std::vector<at::Tensor> trajectory;
  (void)walk(denoiser, schedule, x0, timesteps, options, control, report, &trajectory);
  return trajectory;
}

}  // namespace ddim
