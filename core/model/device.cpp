#include "model/device.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <thread>

#include "errors.h"

namespace ddim {

c10::Device parseDevice(const std::string& name) {
  if (name == "auto")
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw Error("--device " + name + ": this LibTorch has no CUDA or no GPU is present");
    try {
      c10::Device d(name);
      if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
        throw Error("--device " + name + ": only " + std::to_string(torch::cuda::device_count()) +
                    " GPU(s)");
      return d;
    } catch (const c10::Error&) {
      throw Error("--device " + name + ": not a device name");
    }
  }
  throw Error("unknown device '" + name + "' (expected auto, cpu, cuda or cuda:N)");
}

void setCpuThreads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
}

std::string describeDevice(const c10::Device& device) {
  if (device.is_cpu()) {
    const int n = at::get_num_threads();
    return "CPU (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
  }
  return device.str();
}

}  // namespace ddim
