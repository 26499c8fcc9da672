#include "model/cpu_memory.h"

#include <c10/core/CPUAllocator.h>

#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace ddim {

bool transparentHugePagesAvailable() {
#ifdef __linux__
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(in, line);
  return line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos;
#else
  return false;
#endif
}

#ifdef __linux__
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

constexpr std::uintptr_t roundUpToHugePage(std::uintptr_t n) {
  return (n + kHugePage - 1) / kHugePage * kHugePage;
}

// The blocks this allocator mapped, by start, with their lengths: some callers free through the
// allocator's raw deleter, which gets only the pointer, so every free looks here first.
std::mutex mappingsMutex;
std::unordered_map<void*, std::size_t>& mappings() {
  static auto* m = new std::unordered_map<void*, std::size_t>();  // outlives static destruction
  return *m;
}
c10::DeleterFnPtr smallDeleter = nullptr;  // LibTorch's own allocator's raw deleter

void freeAny(void* data) {
  if (data == nullptr) return;
  std::size_t length = 0;
  {
    const std::lock_guard<std::mutex> lock(mappingsMutex);
    const auto it = mappings().find(data);
    if (it != mappings().end()) {
      length = it->second;
      mappings().erase(it);
    }
  }
  if (length > 0) {
    munmap(data, length);
  } else {
    smallDeleter(data);
  }
}

class HugePageAllocator final : public c10::Allocator {
 public:
  explicit HugePageAllocator(c10::Allocator* small) : small_(small) {}

  c10::DataPtr allocate(std::size_t bytes) const override {
    if (bytes < kLargeTensorBytes) return small_->allocate(bytes);
    const std::size_t length = roundUpToHugePage(bytes);
    // Over-map by one huge page and trim both ends so the block starts on a 2 MiB boundary
    // (a huge page can only back an aligned 2 MiB range).
    void* raw = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return small_->allocate(bytes);  // it reports the failure its own way
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = roundUpToHugePage(start);
    if (aligned > start) munmap(raw, aligned - start);
    if (start + kHugePage > aligned)  // what is left after the block: kHugePage - (aligned - start)
      munmap(reinterpret_cast<void*>(aligned + length), start + kHugePage - aligned);
    void* data = reinterpret_cast<void*>(aligned);
    madvise(data, length, MADV_HUGEPAGE);  // advice only: without it the pages are small
    {
      const std::lock_guard<std::mutex> lock(mappingsMutex);
      mappings().emplace(data, length);
    }
    return {data, data, &freeAny, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &freeAny; }

 private:
  c10::Allocator* small_;
};

}  // namespace
#endif

bool useHugePagesForLargeTensors() {
#ifdef __linux__
  static std::once_flag once;
  static bool installed = false;
  std::call_once(once, [] {
    if (!transparentHugePagesAvailable()) return;
    // Never destroyed: tensors may outlive static destruction.
    c10::Allocator* small = c10::GetCPUAllocator();
    smallDeleter = small->raw_deleter();
    if (smallDeleter == nullptr) return;  // its blocks could not be told from ours when freed
    static auto* allocator = new HugePageAllocator(small);
    c10::SetCPUAllocator(allocator, /*priority=*/1);
    installed = c10::GetCPUAllocator() == allocator;
  });
  return installed;
#else
  return false;
#endif
}

}  // namespace ddim
