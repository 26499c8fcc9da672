#pragma once
// Helpers shared by the weight-file tests: fixture paths, the expected-values files written by
// scripts/make_weight_fixtures.py, and a per-test scratch folder.

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/state_dict.h"
#include "test_paths.h"

namespace ddim::testing {

inline std::string weightsFixture(const std::string& name) {
  return testing::testDataDir() + "/weights/" + name;
}

struct ExpectedTensor {
  std::string name;
  at::ScalarType dtype = at::kFloat;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

inline at::ScalarType dtypeFromPython(const std::string& s) {
  static const std::pair<const char*, at::ScalarType> kNames[] = {
      {"float32", at::kFloat},     {"float64", at::kDouble}, {"float16", at::kHalf},
      {"bfloat16", at::kBFloat16}, {"int64", at::kLong},     {"int32", at::kInt},
      {"int16", at::kShort},       {"int8", at::kChar},      {"uint8", at::kByte},
      {"bool", at::kBool}};
  for (const auto& [name, type] : kNames) {
    if (s == name) return type;
  }
  ADD_FAILURE() << "unknown dtype in expected file: " << s;
  return at::kFloat;
}

/// Lines `name dtype d0,d1,.. v0 v1 ...` (shape `-` for 0-dim), values in C order.
inline std::vector<ExpectedTensor> readExpected(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<ExpectedTensor> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    ExpectedTensor e;
    std::string dtype, shape, value;
    words >> e.name >> dtype >> shape;
    e.dtype = dtypeFromPython(dtype);
    if (shape != "-") {
      std::istringstream dims(shape);
      std::string d;
      while (std::getline(dims, d, ',')) e.shape.push_back(std::stoll(d));
    }
    while (words >> value) e.values.push_back(std::strtod(value.c_str(), nullptr));
    out.push_back(std::move(e));
  }
  return out;
}

/// Names in order, dtypes, shapes and every value exactly (all values are exact in double).
inline void expectStateDictEquals(const StateDict& got, const std::vector<ExpectedTensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].name);
    const at::Tensor& t = got[i].second;
    EXPECT_EQ(got[i].first, want[i].name);
    EXPECT_EQ(t.scalar_type(), want[i].dtype);
    EXPECT_EQ(t.sizes().vec(), want[i].shape);
    EXPECT_TRUE(t.is_contiguous());
    EXPECT_EQ(t.device().type(), at::kCPU);
    const at::Tensor flat = t.to(at::kDouble).reshape({-1});
    ASSERT_EQ(flat.numel(), static_cast<int64_t>(want[i].values.size()));
    for (int64_t k = 0; k < flat.numel(); ++k) {
      EXPECT_EQ(flat[k].item<double>(), want[i].values[static_cast<size_t>(k)]) << "index " << k;
    }
  }
}

/// Same names, dtypes, shapes and bitwise-equal values.
inline void expectSameStateDict(const StateDict& got, const StateDict& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].first);
    EXPECT_EQ(got[i].first, want[i].first);
    EXPECT_EQ(got[i].second.scalar_type(), want[i].second.scalar_type());
    EXPECT_EQ(got[i].second.sizes(), want[i].second.sizes());
    EXPECT_TRUE(got[i].second.is_contiguous());
    EXPECT_TRUE(at::equal(got[i].second, want[i].second.contiguous()));
  }
}

/// One tensor of every supported dtype with seeded values, one of them non-contiguous.
inline StateDict everyDtypeStateDict() {
  at::manual_seed(42);
  const at::Tensor f = at::randn({3, 4}, at::kFloat);
  return {
      {"f32.transposed", f.t()},
      {"f64", at::randn({2, 2}, at::kDouble)},
      {"f16", at::randn({5}, at::kFloat).to(at::kHalf)},
      {"bf16", at::randn({2, 3}, at::kFloat).to(at::kBFloat16)},
      {"i64", at::randint(-(int64_t{1} << 40), int64_t{1} << 40, {3}, at::kLong)},
      {"i32", at::randint(-100000, 100000, {2, 1}, at::kInt)},
      {"i16", at::randint(-300, 300, {4}, at::kShort)},
      {"i8", at::randint(-128, 127, {3}, at::kChar)},
      {"u8", at::randint(0, 255, {3}, at::kByte)},
      {"bool", at::randint(0, 2, {2, 2}, at::kByte).to(at::kBool)},
      {"scalar", at::scalar_tensor(1.5, at::kFloat)},
      {"empty", at::zeros({0, 2}, at::kFloat)},
  };
}

inline std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A fresh folder for one test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("ddim_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ddim::testing
