#include "io/npy.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "errors.h"
#include "io/atomic_file.h"
#include "test_paths.h"

namespace ddim {
namespace {

std::string npyDir() { return testing::testDataDir() + "/npy/"; }

at::Tensor expected234() { return at::arange(24, at::kFloat).reshape({2, 3, 4}) / 8; }

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ddim_npy_test_" + name)).string();
}

// Files written by numpy.save (scripts/make_npy_fixtures.py).
TEST(NpyTest, ReadsNumpyFiles) {
  EXPECT_TRUE(at::equal(readNpy(npyDir() + "f32_2x3x4.npy"), expected234()));
  EXPECT_TRUE(at::equal(readNpy(npyDir() + "f64_fortran_2x3x4.npy"), expected234()));
  EXPECT_TRUE(at::equal(readNpy(npyDir() + "f16_2x3x4.npy"), expected234()));
  EXPECT_TRUE(at::equal(readNpy(npyDir() + "i32_2x3x4.npy"), expected234() * 8));
  const at::Tensor v = readNpy(npyDir() + "f32_vector5.npy");
  EXPECT_EQ(v.sizes(), (std::vector<int64_t>{5}));
  EXPECT_EQ(v[4].item<float>(), 4.0f);
}

TEST(NpyTest, RoundTripsAndWritesNumpyLayout) {
  at::manual_seed(0);
  const at::Tensor x = at::randn({1, 3, 5, 7});
  const std::string path = tempPath("rt.npy");
  writeNpy(path, x);
  EXPECT_TRUE(at::equal(readNpy(path), x));
  const std::string bytes = readFileBytes(path);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 5, 7), }"),
            std::string::npos);
  const size_t headerEnd = 10 + (static_cast<unsigned char>(bytes[8]) | (bytes[9] << 8));
  EXPECT_EQ(headerEnd % 64, 0u);  // numpy aligns the data to 64 bytes
  EXPECT_EQ(bytes.size(), headerEnd + 105 * 4);
  writeNpy(path, at::arange(3, at::kFloat));
  EXPECT_NE(readFileBytes(path).find("'shape': (3,)"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(NpyTest, ClearErrorsForBadFiles) {
  auto expectError = [](const std::string& path, const std::string& part) {
    try {
      (void)readNpy(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expectError(npyDir() + "big_endian.npy", "unsupported dtype");
  expectError(tempPath("missing.npy"), "cannot open");
  const std::string good = readFileBytes(npyDir() + "f32_2x3x4.npy");
  const std::string cut = tempPath("cut.npy");
  writeFileAtomic(cut, good.substr(0, good.size() - 5));
  expectError(cut, "truncated data");
  writeFileAtomic(cut, good.substr(0, 9));
  expectError(cut, "bad magic");
  writeFileAtomic(cut, "PK\x03\x04 not numpy at all");
  expectError(cut, "bad magic");
  std::filesystem::remove(cut);
}

}  // namespace
}  // namespace ddim
