#include "io/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "errors.h"

namespace ddim {
namespace {

TEST(AtomicFileTest, ReplacesWholeFileAndLeavesNoTemporary) {
  const auto dir = std::filesystem::temp_directory_path() / "ddim_atomic_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "f.txt").string();
  writeFileAtomic(path, "first");
  writeFileAtomic(path, "second");
  EXPECT_EQ(readFileBytes(path), "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, FailedWriteKeepsTheOldFile) {
  const auto dir = std::filesystem::temp_directory_path() / "ddim_atomic_test2";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "f.txt").string();
  writeFileAtomic(path, "precious");
  EXPECT_THROW(writeFileAtomicWith(path, [](const std::string&) { throw Error("disk on fire"); }),
               Error);
  EXPECT_EQ(readFileBytes(path), "precious");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_THROW(writeFileAtomic((dir / "no/such/dir/f").string(), "x"), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ddim
