// ddim eps: the network's noise prediction at given timesteps.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "diffusion/denoiser.h"
#include "io/npy.h"
#include "tasks/latents.h"

namespace ddim::cli {
namespace {

struct EpsArgs {
  ModelArgs model;
  std::string input;
  std::vector<int> t;
  std::string out;
};

int runEps(const EpsArgs& a) {
  const LoadedModel model = loadModelFromArgs(a.model);
  const at::Tensor x = readLatentFor(model, a.input, LatentCount::kBatch);
  const int64_t batch = x.size(0);
  if (a.t.size() != 1 && static_cast<int64_t>(a.t.size()) != batch)
    throw UsageError("--t needs one timestep, or one per batch item (" + std::to_string(batch) +
                     "), got " + std::to_string(a.t.size()));
  std::vector<float> tv(batch);
  for (int64_t i = 0; i < batch; ++i) {
    const int t = a.t.size() == 1 ? a.t[0] : a.t[i];
    if (t < 0 || t >= model.schedule.numTimesteps())
      throw UsageError("--t " + std::to_string(t) + " outside 0.." +
                       std::to_string(model.schedule.numTimesteps() - 1));
    tv[i] = static_cast<float>(t);
  }
  at::Tensor output = model.denoiser.net(x, at::tensor(tv).to(model.device));
  if (model.denoiser.prediction != PredictionType::kEps) {
    std::vector<at::Tensor> eps;
    for (int64_t i = 0; i < batch; ++i)
      eps.push_back(toEpsAndX0(output.slice(0, i, i + 1), x.slice(0, i, i + 1),
                               model.schedule.alphaBar(static_cast<int64_t>(tv[i])),
                               model.denoiser.prediction)
                        .eps);
    output = at::cat(eps);
  }
  writeNpy(a.out, output);
  return 0;
}

}  // namespace

Command addEpsCommand(CLI::App& ddim) {
  auto a = std::make_shared<EpsArgs>();
  CLI::App* cmd =
      ddim.add_subcommand("eps", "the network's noise prediction (as eps) at timesteps t");
  cmd->add_option("--input", a->input, "x_t, [B, C, H, W] or [C, H, W]")
      ->type_name("X.npy")
      ->required();
  cmd->add_option("--t", a->t, "timesteps: one for every item, or one per item")
      ->type_name("T1[,T2,...]")
      ->delimiter(',')
      ->check(atLeast(0))
      ->required();
  cmd->add_option("--out", a->out, "the prediction")->type_name("E.npy")->required();
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runEps(*a); }};
}

}  // namespace ddim::cli
