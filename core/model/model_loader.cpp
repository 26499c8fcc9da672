#include "model/model_loader.h"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "errors.h"
#include "io/resources.h"
#include "model/diffusers_names.h"
#include "model/safetensors.h"
#include "model/torch_checkpoint.h"
#include "model/unet.h"
#include "model/unet_shapes.h"

namespace ddim {
namespace fs = std::filesystem;
namespace {

std::string lowerExt(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

bool isConfigFile(const fs::path& p) {
  const auto e = lowerExt(p);
  return e == ".yml" || e == ".yaml" || e == ".json";
}

bool isWeightsFile(const fs::path& p) {
  const auto e = lowerExt(p);
  return e == ".safetensors" || e == ".ckpt" || e == ".pt" || e == ".pth" || e == ".bin";
}

std::string shapeStr(at::IntArrayRef s) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << (s.size() == 1 ? ",)" : ")");
  return o.str();
}

/// A TorchScript archive holds compiled code next to its pickled data.
bool isTorchScriptArchive(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const auto& r : reader.getAllRecords())
      if (r == "constants.pkl" || r.rfind("code/", 0) == 0) return true;
  } catch (const std::exception&) {
  }
  return false;
}

std::string join(const std::vector<fs::path>& v) {
  std::string s;
  for (const auto& p : v) s += (s.empty() ? "" : ", ") + p.filename().string();
  return s;
}

std::string firstFive(const std::vector<std::string>& names) {
  std::string list;
  for (size_t i = 0; i < names.size() && i < 5; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 5) list += ", ... (" + std::to_string(names.size()) + " in all)";
  return list;
}

void throwIfMissingOrUnexpected(const std::vector<std::string>& missing,
                                const std::vector<std::string>& unexpected,
                                const std::string& source) {
  if (!missing.empty()) throw Error(source + ": missing weight " + firstFive(missing));
  if (!unexpected.empty())
    throw Error(source + ": unexpected weight " + firstFive(unexpected) +
                " (does the config match the checkpoint?)");
}

struct ResolvedSource {
  std::string configPath;  // official YAML/JSON (empty for diffusers)
  std::string weightsPath;
  std::string diffusersFolder;  // set for a diffusers UNet2DModel folder
};

bool isDiffusersConfig(const fs::path& p) {
  if (!fs::is_regular_file(p)) return false;
  std::ifstream in(p);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find("\"block_out_channels\"") != std::string::npos ||
         text.find("\"_class_name\": \"UNet2DModel\"") != std::string::npos;
}

ResolvedSource resolveFolder(const fs::path& folder) {
  ResolvedSource r;
  // Hugging Face diffusers: config.json (+ diffusion_pytorch_model.*), possibly under unet/.
  for (const fs::path& dir : {folder, folder / "unet"}) {
    if (!isDiffusersConfig(dir / "config.json")) continue;
    r.diffusersFolder = dir.string();
    for (const char* name : {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"})
      if (fs::is_regular_file(dir / name)) {
        r.weightsPath = (dir / name).string();
        return r;
      }
    throw Error(dir.string() +
                ": diffusers folder has no diffusion_pytorch_model.safetensors or .bin");
  }
  std::vector<fs::path> configs, weights;
  for (const auto& e : fs::directory_iterator(folder)) {
    if (!e.is_regular_file() || e.path().filename().string().front() == '.') continue;
    if (isConfigFile(e.path()) && e.path().filename() != "scheduler_config.json")
      configs.push_back(e.path());
    else if (isWeightsFile(e.path()))
      weights.push_back(e.path());
  }
  std::sort(configs.begin(), configs.end());
  std::sort(weights.begin(), weights.end());
  if (configs.size() != 1)
    throw Error(folder.string() +
                ": a model folder needs exactly one config (.yml/.yaml/.json), found " +
                (configs.empty() ? std::string("none") : join(configs)));
  if (weights.size() != 1)
    throw Error(folder.string() +
                ": a model folder needs exactly one weights file "
                "(.safetensors/.ckpt/.pt/.pth/.bin), found " +
                (weights.empty() ? std::string("none") : join(weights)));
  r.configPath = configs[0].string();
  r.weightsPath = weights[0].string();
  return r;
}

ResolvedSource resolve(const ModelSource& s) {
  if (!s.folder.empty()) {
    if (!s.configPath.empty() || !s.weightsPath.empty())
      throw Error("give either a model folder or a config and weights, not both");
    const fs::path p(s.folder);
    if (!fs::exists(p)) throw Error(s.folder + ": no such file or folder");
    if (fs::is_directory(p)) return resolveFolder(p);
    // A single file: a TorchScript model or weights, with a config beside it.
    ResolvedSource r;
    r.weightsPath = s.folder;
    std::vector<fs::path> configs;
    for (const char* ext : {".yml", ".yaml", ".json"})
      if (fs::is_regular_file(fs::path(p).replace_extension(ext)))
        configs.push_back(fs::path(p).replace_extension(ext));
    if (configs.empty()) {
      for (const auto& e : fs::directory_iterator(p.parent_path().empty() ? "." : p.parent_path()))
        if (e.is_regular_file() && isConfigFile(e.path())) configs.push_back(e.path());
    }
    if (configs.size() == 1) r.configPath = configs[0].string();
    return r;  // a TorchScript file may carry its config inside
  }
  if (s.configPath.empty() || s.weightsPath.empty())
    throw Error("a model needs a config and a weights file (or a model folder)");
  ResolvedSource r;
  if (fs::is_directory(s.configPath)) {
    if (!isDiffusersConfig(fs::path(s.configPath) / "config.json"))
      throw Error(s.configPath + ": is a folder, not a config file");
    r.diffusersFolder = s.configPath;
  } else if (isDiffusersConfig(s.configPath)) {
    r.diffusersFolder = fs::path(s.configPath).parent_path().string();
  } else {
    r.configPath = s.configPath;
  }
  r.weightsPath = s.weightsPath;
  return r;
}

StateDict readWeights(const std::string& path) {
  if (!fs::exists(path)) throw Error(path + ": no such file");
  if (lowerExt(path) == ".safetensors") return readSafetensors(path);
  return readTorchCheckpoint(path);
}

LoadedModel loadTorchScript(const ResolvedSource& r, const c10::Device& device) {
  torch::jit::ExtraFilesMap extra{{"config.yml", ""}};
  auto module = std::make_shared<torch::jit::Module>();
  try {
    *module = torch::jit::load(r.weightsPath, device, extra);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error(r.weightsPath +
                ": cannot load TorchScript module: " + msg.substr(0, msg.find('\n')));
  }
  LoadedModel m;
  if (!r.configPath.empty()) {
    m.config = loadModelConfig(r.configPath);
  } else if (!extra["config.yml"].empty()) {
    m.config = parseModelConfig(extra["config.yml"], r.weightsPath + ":config.yml");
  } else {
    throw Error(r.weightsPath +
                ": a TorchScript model needs a config (schedule and image size): put one .yml "
                "beside it with the same name, or embed it as extra file config.yml");
  }
  if (!module->find_method("forward"))
    throw Error(r.weightsPath + ": TorchScript module has no forward(x, t)");
  module->eval();
  m.format = ModelFormat::kTorchScript;
  for (const auto& p : module->parameters()) m.parameterCount += p.numel();
  m.holder = module;
  const std::string path = r.weightsPath;
  m.denoiser.net = [module, path](const at::Tensor& x, const at::Tensor& t) {
    c10::InferenceMode guard;
    c10::IValue out = module->forward({x, t});
    if (!out.isTensor()) throw Error(path + ": TorchScript forward did not return a tensor");
    at::Tensor y = out.toTensor();
    if (!y.sizes().equals(x.sizes()))
      throw Error(path + ": TorchScript forward returned shape " + shapeStr(y.sizes()) +
                  ", expected " + shapeStr(x.sizes()));
    return y;
  };
  return m;
}

}  // namespace

void loadStateDictInto(torch::nn::Module& module, const StateDict& weights,
                       const std::string& source) {
  std::map<std::string, const at::Tensor*> given;
  for (const auto& [name, t] : weights) given[name] = &t;
  auto params = module.named_parameters(/*recurse=*/true);
  auto buffers = module.named_buffers(/*recurse=*/true);
  std::set<std::string> expected;
  std::vector<std::string> missing;
  c10::NoGradGuard noGrad;
  auto copyOne = [&](const std::string& name, at::Tensor& dst) {
    expected.insert(name);
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
      return;
    }
    const at::Tensor& src = *it->second;
    if (!src.sizes().equals(dst.sizes()))
      throw Error(source + ": weight '" + name + "' has shape " + shapeStr(src.sizes()) +
                  ", the model expects " + shapeStr(dst.sizes()));
    if (!at::isFloatingType(src.scalar_type()))
      throw Error(source + ": weight '" + name + "' has dtype " +
                  std::string(c10::toString(src.scalar_type())) + ", expected a floating type");
    if (!at::isfinite(src).all().item<bool>())
      throw Error(source + ": weight '" + name + "' holds NaN or infinite values");
    dst.copy_(src.to(dst.scalar_type()));
  };
  for (auto& p : params) copyOne(p.key(), p.value());
  for (auto& b : buffers) copyOne(b.key(), b.value());
  std::vector<std::string> unexpected;
  for (const auto& [name, t] : weights)
    if (!expected.count(name)) unexpected.push_back(printable(name) + " " + shapeStr(t.sizes()));
  throwIfMissingOrUnexpected(missing, unexpected, source);
}

void checkWeightsFitConfig(const UNetConfig& config, const StateDict& weights,
                           const std::string& source) {
  config.validate();
  std::map<std::string, const at::Tensor*> given;
  for (const auto& [name, t] : weights) given[name] = &t;
  std::set<std::string> expected;
  std::vector<std::string> missing;
  for (const auto& [name, shape] : unetWeightShapes(config)) {
    expected.insert(name);
    const auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
      continue;
    }
    if (!it->second->sizes().equals(shape))
      throw Error(source + ": weight '" + name + "' has shape " + shapeStr(it->second->sizes()) +
                  ", the model expects " + shapeStr(shape));
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, t] : weights)
    if (!expected.count(name)) unexpected.push_back(printable(name) + " " + shapeStr(t.sizes()));
  throwIfMissingOrUnexpected(missing, unexpected, source);
}

StateDict stateDictOf(const torch::nn::Module& module) {
  StateDict out;
  for (const auto& p : module.named_parameters(true))
    out.emplace_back(p.key(), p.value().detach().to(at::kCPU).contiguous().clone());
  for (const auto& b : module.named_buffers(true))
    out.emplace_back(b.key(), b.value().detach().to(at::kCPU).contiguous().clone());
  return out;
}

namespace {
LoadedModel loadOneModel(const ModelSource& source, const c10::Device& device);
std::string configFolderOf(const ModelSource& source) {
  if (!source.folder.empty())
    return fs::is_directory(source.folder) ? source.folder
                                           : fs::path(source.folder).parent_path().string();
  return fs::path(source.configPath).parent_path().string();
}
}  // namespace

Denoiser LoadedModel::sampling(double weight) const {
  if (weight == 1.0) return denoiser;
  if (!hasGuide())
    throw Error(name + " has no guide model, so guidance weight " + std::to_string(weight) +
                " cannot be used (only 1)");
  return guidedDenoiser(denoiser, guide, weight);
}

Denoiser LoadedModel::fullPrecision() const {
  if (!unet || precision.used == Precision::kFp32) return denoiser;
  Denoiser d;
  d.prediction = denoiser.prediction;
  d.net = [net = unet](const at::Tensor& x, const at::Tensor& t) {
    c10::InferenceMode guard;
    return net->forwardIn(x, t, Precision::kFp32);
  };
  return d;
}

void applyPrecision(LoadedModel& model, Precision requested) {
  const bool reducedPossible = model.unet && (!model.hasGuide() || model.guideUnet);
  model.precision = resolvePrecision(requested, model.device, reducedPossible);
  if (model.unet) model.unet->setPrecision(model.precision.used);
  if (model.guideUnet) model.guideUnet->setPrecision(model.precision.used);
}

void attachGuide(LoadedModel& model, const LoadedModel& guide, double weight) {
  if (guide.hasGuide() || !guide.config.guidance.model.empty())
    throw Error(guide.weightsPath + ": a guide model cannot have a guide of its own");
  const std::string who = guide.weightsPath + ": as guide of " + model.name + ": ";
  const ModelConfig &a = model.config, &b = guide.config;
  if (a.imageSize != b.imageSize || a.channels != b.channels)
    throw Error(who + "image size " + std::to_string(b.imageSize) + "x" +
                std::to_string(b.imageSize) + "x" + std::to_string(b.channels) + ", the model's " +
                std::to_string(a.imageSize) + "x" + std::to_string(a.imageSize) + "x" +
                std::to_string(a.channels));
  if (model.schedule.betas() != guide.schedule.betas())
    throw Error(who + "its noise schedule differs from the model's");
  if (a.diffusion.predictionType != b.diffusion.predictionType)
    throw Error(who + "it predicts " + toString(b.diffusion.predictionType) + ", the model " +
                toString(a.diffusion.predictionType));
  if (!(std::isfinite(weight) && weight >= 0)) throw Error(who + "guidance weight must be >= 0");
  if (guide.device != model.device) throw Error(who + "it is on another device");
  model.guide = guide.denoiser;
  model.guideUnet = guide.unet;
  if (model.guideUnet) model.guideUnet->setPrecision(model.precision.used);
  model.guideName = guide.name;
  model.guideWeightsPath = guide.weightsPath;
  model.guideParameterCount = guide.parameterCount;
  model.guidance = weight;
}

LoadedModel loadModel(const ModelSource& source, const c10::Device& device) {
  LoadedModel m = loadOneModel(source, device);
  if (m.config.guidance.model.empty()) return m;
  fs::path folder = m.config.guidance.model;
  if (folder.is_relative()) folder = fs::path(configFolderOf(source)) / folder;
  if (!fs::exists(folder))
    throw Error(folder.string() + ": guide model of " + m.name +
                " (config section guidance.model) not found");
  ModelSource gs;
  gs.folder = folder.string();
  attachGuide(m, loadOneModel(gs, device), m.config.guidance.weight);
  return m;
}

namespace {
LoadedModel loadOneModel(const ModelSource& source, const c10::Device& device) {
  // Weights made under InferenceMode become inference tensors, which cannot be used where a
  // version counter is needed later; a caller's guard must not leak into loading.
  c10::InferenceMode notInference(/*enabled=*/false);
  const ResolvedSource r = resolve(source);
  if (!fs::exists(r.weightsPath)) throw Error(r.weightsPath + ": no such file");
  if (lowerExt(r.weightsPath) != ".safetensors" && isTorchScriptArchive(r.weightsPath)) {
    LoadedModel m = loadTorchScript(r, device);
    m.schedule = NoiseSchedule(m.config.diffusion);
    m.weightsPath = r.weightsPath;
    m.device = device;
    m.denoiser.prediction = m.config.diffusion.predictionType;
    if (m.config.name.empty() || m.config.name == fs::path(r.configPath).stem().string())
      m.config.name = fs::path(r.weightsPath).stem().string();
    m.name = m.config.name;
    return m;
  }
  if (r.configPath.empty() && r.diffusersFolder.empty())
    throw Error(r.weightsPath + ": no config found beside the weights (need one .yml/.yaml/.json)");

  LoadedModel m;
  StateDict weights;
  if (!r.diffusersFolder.empty()) {
    m.config = loadDiffusersConfig(r.diffusersFolder);
    m.format = ModelFormat::kDiffusers;
    if (m.config.name.empty()) m.config.name = fs::path(r.diffusersFolder).filename().string();
  } else {
    m.config = loadModelConfig(r.configPath);
    m.format = lowerExt(r.weightsPath) == ".safetensors" ? ModelFormat::kSafetensors
                                                         : ModelFormat::kTorchCheckpoint;
    if (!source.folder.empty() && fs::is_directory(source.folder) &&
        m.config.name == fs::path(r.configPath).stem().string())
      m.config.name = fs::path(source.folder).filename().string();
  }
  const auto officialNames = [&](const StateDict& w) {
    if (m.format != ModelFormat::kDiffusers) return w;
    return diffusersToOfficial(w, static_cast<int>(m.config.model.chMult.size()), r.weightsPath);
  };
  // Names and shapes are checked before any tensor data is read (safetensors: from the header)
  // and before the network is allocated, so neither a stray tensor nor a config asking for a far
  // bigger network than the weights costs memory.
  if (lowerExt(r.weightsPath) == ".safetensors")
    checkWeightsFitConfig(m.config.model, officialNames(readSafetensorsLayout(r.weightsPath)),
                          r.weightsPath);
  weights = officialNames(readWeights(r.weightsPath));
  checkWeightsFitConfig(m.config.model, weights, r.weightsPath);
  UNet net(m.config.model);
  loadStateDictInto(*net, weights, r.weightsPath);
  net->to(device);
  LoadedModel wrapped = modelFromNetwork(net.ptr(), m.config, device, m.config.name);
  wrapped.format = m.format;
  m = std::move(wrapped);
  m.weightsPath = r.weightsPath;
  m.device = device;
  m.name = m.config.name;
  return m;
}
}  // namespace

std::string defaultModelFolder() {
  if (const char* env = std::getenv("DDIM_DEFAULT_MODEL"); env && *env) return env;
  return (fs::path(resourceDir()) / "models" / "emoji32").string();
}

LoadedModel modelFromNetwork(const std::shared_ptr<UNetImpl>& net, const ModelConfig& config,
                             const c10::Device& device, const std::string& name) {
  LoadedModel m;
  net->eval();
  m.config = config;
  m.parameterCount = parameterCount(*net);
  m.schedule = NoiseSchedule(config.diffusion);
  m.denoiser.prediction = config.diffusion.predictionType;
  m.denoiser.net = [net](const at::Tensor& x, const at::Tensor& t) {
    c10::InferenceMode guard;
    return net->forward(x, t);
  };
  m.holder = net;
  m.unet = net;
  m.device = device;
  m.name = name;
  return m;
}

std::string toString(ModelFormat f) {
  switch (f) {
    case ModelFormat::kSafetensors:
      return "safetensors";
    case ModelFormat::kTorchCheckpoint:
      return "torch checkpoint";
    case ModelFormat::kDiffusers:
      return "diffusers";
    case ModelFormat::kTorchScript:
      return "TorchScript";
  }
  return "?";
}

}  // namespace ddim
