// ddim export: any loadable model as a model folder, config.yml + model.safetensors.
#include <ATen/ATen.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "model/model_config.h"
#include "model/safetensors.h"
#include "model/unet.h"

namespace ddim::cli {
namespace {

struct ExportArgs {
  ModelArgs model;
  std::string out;
  std::optional<std::string> name;
  bool half = false;
};

int runExport(const ExportArgs& a) {
  namespace fs = std::filesystem;
  const fs::path out = a.out;
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw Error(out.string() + ": exists and is not an empty folder (export never overwrites)");
  const LoadedModel model = loadModelFromArgs(a.model);
  if (model.format == ModelFormat::kTorchScript)
    throw Error(model.weightsPath + ": a TorchScript module has no named weights to export");
  if (!model.unet) throw Error(model.weightsPath + ": the model has no U-Net weights to export");
  StateDict weights = stateDictOf(*model.unet);
  if (a.half)
    for (auto& entry : weights)
      if (at::isFloatingType(entry.second.scalar_type())) entry.second = entry.second.to(at::kHalf);
  ModelConfig config = model.config;
  config.guidance = {};  // the model alone: a guide is exported separately
  if (a.name) config.name = *a.name;
  // Written into a hidden sibling folder that is renamed into place at the end: a failed export
  // (read-only folder, full disk) leaves no half-written model behind.
  fs::path target = out.lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path tmp =
      parent / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (!ec) fs::create_directory(tmp, ec);
  if (ec) throw Error("cannot write " + out.string() + ": " + ec.message());
  try {
    saveModelConfig(config, (tmp / "config.yml").string());
    writeSafetensors((tmp / "model.safetensors").string(), weights);
    fs::rename(tmp, target, ec);
    if (ec) throw Error("cannot write " + out.string() + ": " + ec.message());
  } catch (const Error& e) {
    fs::remove_all(tmp, ec);
    // The message names the file the user asked for, not the hidden folder.
    std::string msg = e.what();
    for (size_t at = msg.find(tmp.string()); at != std::string::npos; at = msg.find(tmp.string()))
      msg.replace(at, tmp.string().size(), target.string());
    throw Error(msg);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  if (!a.model.quiet)
    std::cerr << "wrote " << (out / "config.yml").string() << " and "
              << (out / "model.safetensors").string() << " (" << weights.size() << " tensors, "
              << (a.half ? "float16" : "float32") << ")\n";
  return 0;
}

}  // namespace

Command addExportCommand(CLI::App& ddim) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "export",
      "write the model (not TorchScript) as config.yml + model.safetensors in a new folder");
  cmd->add_option("--out", a->out, "the new model folder")->type_name("DIR")->required();
  cmd->add_option("--name", a->name, "the exported model's name (default: the model's)");
  cmd->add_flag("--half", a->half, "float16 weights");
  addModelOptions(*cmd, a->model);
  return {cmd, [a] { return runExport(*a); }};
}

}  // namespace ddim::cli
