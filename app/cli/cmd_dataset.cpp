// ddim dataset emoji: the emoji dataset the bundled model is trained on (Qt Gui renders it).
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "errors.h"
#include "progress.h"

#ifdef DDIM_HAVE_DATASET
#include "emoji_dataset.h"
#endif

namespace ddim::cli {
namespace {

struct DatasetArgs {
  std::string kind;
  std::string out;
  int size = 32;
  int testEvery = 10;
  std::optional<std::string> font;
  bool noFlags = false;
  bool quiet = false;
};

int runDataset(const DatasetArgs& a) {
#ifdef DDIM_HAVE_DATASET
  EmojiDatasetOptions o;
  o.outDir = a.out;
  o.size = a.size;
  o.testEvery = a.testEvery;
  o.flags = !a.noFlags;
  if (a.font) o.fontPath = *a.font;
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  ensureGuiApplication();
  Progress progress("render", a.quiet);
  const EmojiDatasetSummary s =
      buildEmojiDataset(o, [&](int done, int total) { progress.update(done, total); });
  std::printf("emoji dataset: %d train + %d test images (%dx%d), font revision %s, manifest %s\n",
              s.train, s.test, o.size, o.size, s.fontRevision.c_str(), s.manifestPath.c_str());
  return 0;
#else
  (void)a;
  throw Error("dataset: this build has no Qt (configure with DDIM_BUILD_GUI=ON)");
#endif
}

}  // namespace

Command addDatasetCommand(CLI::App& ddim) {
  auto a = std::make_shared<DatasetArgs>();
  CLI::App* cmd = ddim.add_subcommand(
      "dataset", "build a training dataset: emoji rendered on white, train/ + test/ + manifest");
  cmd->add_option("kind", a->kind, "the dataset (only emoji so far)")
      ->type_name("emoji")
      ->check(CLI::IsMember({"emoji"}))
      ->required();
  cmd->add_option("--size", a->size, "image side in pixels (default 32)")->type_name("S");
  cmd->add_option("--out", a->out, "dataset folder (train/, test/, manifest)")
      ->type_name("DIR")
      ->required();
  cmd->add_option("--test-every", a->testEvery, "every N-th emoji is held out (default 10)")
      ->type_name("N");
  cmd->add_option("--font", a->font, "the emoji font (default: Noto Color Emoji)")
      ->type_name("FILE");
  cmd->add_flag("--no-flags", a->noFlags, "leave out the flag sequences");
  cmd->add_flag("--quiet", a->quiet, "no progress on stderr");
  return {cmd, [a] { return runDataset(*a); }};
}

}  // namespace ddim::cli
