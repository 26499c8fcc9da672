#include "io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

// What a writer killed mid-write leaves: its hidden temporary file, named with its process id.
TEST(AtomicFileTest, RemovesOnlyTheTemporariesOfProcessesThatAreGone) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ddim_atomic_stale_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // a process id that no longer runs
  const std::string dead = std::to_string(child), alive = std::to_string(::getpid());
  for (const std::string& name : {".state.safetensors.tmp-" + dead + "-7",
                                  ".config.yml.tmp-" + alive + "-8", "visible.tmp-" + dead + "-9",
                                  std::string(".other.tmp-x-1"), std::string("model.safetensors")})
    std::ofstream(dir / name) << "x";
  EXPECT_EQ(removeStaleTempFiles(dir.string()), 1);
  EXPECT_FALSE(fs::exists(dir / (".state.safetensors.tmp-" + dead + "-7")));
  EXPECT_TRUE(fs::exists(dir / (".config.yml.tmp-" + alive + "-8")));
  EXPECT_TRUE(fs::exists(dir / ("visible.tmp-" + dead + "-9")));
  EXPECT_TRUE(fs::exists(dir / ".other.tmp-x-1"));
  EXPECT_TRUE(fs::exists(dir / "model.safetensors"));
  EXPECT_EQ(removeStaleTempFiles((dir / "missing").string()), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ddim
