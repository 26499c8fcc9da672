// End to end: `ddim dataset emoji` builds the data, `ddim evaluate --quick` runs on the bundled
// default model (resources/models/emoji32) and reproduces Table 2's trend.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"

namespace {

int run(const std::string& command) { return std::system(command.c_str()); }

// The numbers of the Markdown row that starts with `label`.
std::vector<double> rowValues(const std::string& table, const std::string& label) {
  std::vector<double> out;
  const auto at = table.find("| " + label + " |");
  if (at == std::string::npos) return out;
  std::istringstream row(
      table.substr(at + label.size() + 4, table.find('\n', at) - at - label.size() - 4));
  std::string cell;
  while (std::getline(row, cell, '|')) {
    if (cell.find_first_not_of(" ") != std::string::npos) out.push_back(std::stod(cell));
  }
  return out;
}

TEST(EvaluateCliTest, QuickEvaluationOfTheDefaultModelShowsErrorFallingWithSteps) {
  const std::string model = ddim::testing::bundledModelDir();
  if (!QFile::exists(QString::fromStdString(model + "/model.safetensors")))
    GTEST_SKIP() << "no default model at " << model;
  if (!QFile::exists("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"))
    GTEST_SKIP() << "fonts-noto-color-emoji missing";
  QTemporaryDir dir;
  const std::string data = dir.filePath("emoji").toStdString();
  const std::string cli = ddim::testing::cliPath();
  ASSERT_EQ(run(cli + " dataset emoji --size 32 --quiet --out " + data), 0);
  EXPECT_GT(QDir(QString::fromStdString(data + "/test")).entryList(QDir::Files).size(), 100);

  const std::string report = dir.filePath("report.md").toStdString();
  ASSERT_EQ(run(cli + " evaluate --quick --quiet --threads 1 --fd-steps 10 --samples 50 --model " +
                model + " --data " + data + " --out " + report + " > " +
                dir.filePath("stdout").toStdString()),
            0);
  QFile f(QString::fromStdString(report));
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  const std::string text = f.readAll().toStdString();
  EXPECT_NE(text.find("| S | 10 | 100 |"), std::string::npos) << text;
  const std::vector<double> mse = rowValues(text, "MSE (pixels in [0, 1])");
  ASSERT_EQ(mse.size(), 2u) << text;
  EXPECT_LT(mse[1], mse[0]) << text;  // S = 100 reconstructs better than S = 10
  // Exact inversion's rows (quick: S = 10) on the same images: far better than the plain
  // inversion's 10 steps (about 19 against 42 dB on the bundled model), at a few calls a step.
  const auto exactAt = text.find("Exact inversion");
  ASSERT_NE(exactAt, std::string::npos) << text;
  const std::string exact = text.substr(exactAt);
  const std::vector<double> plainPsnr = rowValues(text, "PSNR (dB)");
  const std::vector<double> exactPsnr = rowValues(exact, "PSNR (dB)");
  const std::vector<double> calls = rowValues(exact, "inversion calls a step");
  ASSERT_EQ(plainPsnr.size(), 2u) << text;
  ASSERT_EQ(exactPsnr.size(), 1u) << text;
  ASSERT_EQ(calls.size(), 1u) << text;
  EXPECT_GT(exactPsnr[0], plainPsnr[0] + 10) << text;
  EXPECT_GT(calls[0], 1.0) << text;
  EXPECT_LE(calls[0], 5.0) << text;  // the default cap
  EXPECT_NE(text.find("| eta = 0 (DDIM) |"), std::string::npos) << text;
  EXPECT_NE(text.find("| sigma-hat |"), std::string::npos) << text;
}

}  // namespace
