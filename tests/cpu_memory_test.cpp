#include "model/cpu_memory.h"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace ddim {
namespace {

// What /proc/self/smaps says of the mapping holding `address`; found = false where none does.
struct MappingInfo {
  bool found = false;
  std::string flags;        // the VmFlags line's two-letter flags, e.g. "rd wr mr mw me ac hg"
  int64_t hugePagesKb = 0;  // AnonHugePages
};

MappingInfo mappingOf(const void* address) {
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream in("/proc/self/smaps");
  MappingInfo info;
  bool inside = false;
  std::string line;
  while (std::getline(in, line)) {
    std::uintptr_t start = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> start >> dash >> end && dash == '-') {  // a new mapping
      if (inside) break;
      inside = a >= start && a < end;
      info.found = inside;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("VmFlags:", 0) == 0) info.flags = line.substr(8);
    if (line.rfind("AnonHugePages:", 0) == 0) info.hugePagesKb = std::stoll(line.substr(14));
  }
  return info;
}

bool advisedHuge(const MappingInfo& m) { return m.flags.find(" hg") != std::string::npos; }

// Each test runs with the allocator installed, where the kernel offers huge pages at all.
class CpuMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!transparentHugePagesAvailable())
      GTEST_SKIP() << "the kernel's transparent huge pages are off";
    ASSERT_TRUE(useHugePagesForLargeTensors());
  }
};

TEST_F(CpuMemoryTest, LargeTensorsGetAlignedHugePageMemoryThatIsReturnedWhenFreed) {
  EXPECT_TRUE(useHugePagesForLargeTensors());  // a second call changes nothing

  const int64_t n = static_cast<int64_t>(kLargeTensorBytes / sizeof(float)) + 5;
  torch::Tensor large = torch::arange(n, torch::kDouble).to(torch::kFloat);
  const void* data = large.data_ptr();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(data) % (std::uintptr_t{2} << 20), 0U);
  // The values are what was written: the sum of 0..n-1 in double, n(n-1)/2.
  EXPECT_EQ(large.sum(torch::kDouble).item<double>(),
            static_cast<double>(n) * static_cast<double>(n - 1) / 2);
  const MappingInfo m = mappingOf(data);
  ASSERT_TRUE(m.found);
  EXPECT_TRUE(advisedHuge(m)) << "VmFlags:" << m.flags;
  std::cout << "AnonHugePages of the tensor's mapping: " << m.hugePagesKb << " kB\n";

  large.reset();  // unmapped, not kept
  EXPECT_FALSE(advisedHuge(mappingOf(data)));
}

// oneDNN's scratch memory comes through the allocator's raw interface, freed by pointer alone.
TEST_F(CpuMemoryTest, RawAllocationsOfEitherSizeAreFreedByTheirPointer) {
  c10::Allocator* allocator = c10::GetCPUAllocator();
  for (const std::size_t bytes :
       {std::size_t{4096}, kLargeTensorBytes, kLargeTensorBytes * 2 + 1}) {
    void* p = allocator->raw_allocate(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(advisedHuge(mappingOf(p)), bytes >= kLargeTensorBytes) << bytes;
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0x5a);
    allocator->raw_deallocate(p);
    EXPECT_FALSE(advisedHuge(mappingOf(p))) << bytes;
  }
}

TEST_F(CpuMemoryTest, SmallTensorsKeepLibTorchsAllocator) {
  const torch::Tensor small = torch::ones({1024});
  const MappingInfo m = mappingOf(small.data_ptr());
  ASSERT_TRUE(m.found);
  EXPECT_FALSE(advisedHuge(m)) << "VmFlags:" << m.flags;
  EXPECT_EQ(small.sum().item<float>(), 1024.0F);
  // Just under the threshold: LibTorch's allocator too.
  const torch::Tensor under =
      torch::empty({static_cast<int64_t>(kLargeTensorBytes) - 64}, torch::kUInt8);
  EXPECT_FALSE(advisedHuge(mappingOf(under.data_ptr())));
}

}  // namespace
}  // namespace ddim
