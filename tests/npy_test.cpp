#include "io/npy.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
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

// A version-1.0 (or `version`) .npy file with this header text and the float32 values 0..n-1.
std::string npyBytes(const std::string& header, int n,
                     const std::string& version = std::string("\x01\x00", 2)) {
  std::string out = "\x93NUMPY" + version;
  const std::string h = header + "\n";
  if (version[0] == 1) {
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>((h.size() >> 8) & 0xff);
  } else {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((h.size() >> (8 * i)) & 0xff);
  }
  out += h;
  for (int i = 0; i < n; ++i) {
    const float f = static_cast<float>(i);
    out.append(reinterpret_cast<const char*>(&f), 4);
  }
  return out;
}

std::string npyError(const std::string& bytes) {
  try {
    (void)parseNpy(bytes, "x.npy");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("x.npy: ", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(NpyTest, HeaderFollowsNumpyRules) {
  // Accepted as numpy accepts them: spacing, double quotes, no trailing comma, version 2.0 and 3.0.
  EXPECT_EQ(
      parseNpy(npyBytes("{\"descr\":'<f4','shape':(2,3),'fortran_order':False}", 6), "x").sizes(),
      (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1,
                              std::string("\x02\x00", 2)),
                     "x")
                .dim(),
            0);
  EXPECT_EQ(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 4,
                              std::string("\x03\x00", 2)),
                     "x")[3]
                .item<float>(),
            3.0f);
  // A repeated key takes the last value, as Python's dict literal does.
  const at::Tensor dup = parseNpy(
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (6,), }", 6),
      "x");
  EXPECT_EQ(dup.sizes(), (std::vector<int64_t>{6}));
  EXPECT_EQ(dup[5].item<float>(), 5.0f);
  // Refused as numpy refuses them.
  const std::string start = "{'descr': '<f4', 'fortran_order': False, 'shape': ";
  EXPECT_NE(npyError(npyBytes(start + "(-2, -3), }", 6)).find("negative dimension -2"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + "(6), }", 6)).find("'shape' is not a tuple"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + "('2', 3), }", 6)).find("'shape' is not a tuple"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + "(2 3), }", 6)).find("expected ',' or ')'"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + "((2, 3),), }", 6)).find("nested tuple"), std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + "(6,), 'x': 1}", 6)).find("exactly the keys"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes("{'descr': '<f4', 'shape': (6,)}", 6)).find("exactly the keys"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", 6))
                .find("'fortran_order' is not a bool"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + std::string("(6,)\0, }", 9), 6)).find("NUL byte"),
            std::string::npos);
  EXPECT_NE(npyError(npyBytes(start + "(6,), } x", 6)).find("after the dict"), std::string::npos);
  for (const std::string& version : {std::string("\x01\x09", 2), std::string("\xff\xff", 2),
                                     std::string("\x04\x00", 2), std::string("\x00\x00", 2)})
    EXPECT_NE(npyError(npyBytes(start + "(6,), }", 6, version)).find("unsupported format version"),
              std::string::npos);
}

TEST(NpyTest, NonFiniteValuesAreRefused) {
  std::string bytes = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 4);
  const float nan = std::nanf("");
  bytes.replace(bytes.size() - 4, 4, reinterpret_cast<const char*>(&nan), 4);
  EXPECT_NE(npyError(bytes).find("holds NaN or infinite values"), std::string::npos);
  const float inf = INFINITY;
  bytes.replace(bytes.size() - 4, 4, reinterpret_cast<const char*>(&inf), 4);
  EXPECT_NE(npyError(bytes).find("holds NaN or infinite values"), std::string::npos);
}

// A long shape tuple once overflowed the stack in std::regex (a 40 KB header crashed).
TEST(NpyTest, LongHeadersFailCleanly) {
  std::string dims;
  for (int i = 0; i < 30000; ++i) dims += "1, ";
  EXPECT_NE(npyError(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }",
                              1, std::string("\x02\x00", 2)))
                .find("dimensions"),
            std::string::npos);
  // Padding makes a long header that is valid.
  const std::string padded =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + std::string(200000, ' ');
  EXPECT_EQ(parseNpy(npyBytes(padded, 3, std::string("\x02\x00", 2)), "x").numel(), 3);
}

}  // namespace
}  // namespace ddim
