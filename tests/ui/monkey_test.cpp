// The real main window driven offscreen by a seeded random stream of clicks, keys, drags, wheel
// turns, file drops (bad files among them) and menu commands while jobs run. Whatever happens,
// nothing crashes, no job is left running, and every job handed to the worker (WorkerHost::jobSent,
// whoever asked: the test, a menu, a drop, the window's own model reloads) ends exactly once:
// finished, failed or cancelled (a job cancelled before it starts ends without starting).
#include <gtest/gtest.h>

#include <QAbstractButton>
#include <QAbstractSlider>
#include <QApplication>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QTabBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QWheelEvent>
#include <array>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <type_traits>

#include "app_settings.h"
#include "main_window.h"
#include "test_util.h"
#include "tiny_model.h"
#include "window_test_util.h"
#include "worker.h"
#include "worker_host.h"

namespace {

constexpr int kEvents = 1000;
constexpr int kJobKinds = static_cast<int>(JobKind::kEdit) + 1;

// Counts per job kind, on the window's thread (the worker's signals arrive queued). `sent` counts
// every job the host hands the worker, whoever asked for it (the test, a menu, a drop, the
// window itself); an end that no sent job accounts for is counted in `extraEnds`.
struct JobLedger {
  std::array<int, kJobKinds> sent{}, started{}, finished{}, failed{}, cancelled{};
  int extraEnds = 0;
  [[nodiscard]] int ended(int k) const { return finished.at(k) + failed.at(k) + cancelled.at(k); }
  void end(std::array<int, kJobKinds>& outcome, int k) {
    ++outcome.at(k);
    if (ended(k) > sent.at(k)) ++extraEnds;
  }
};

int kindIndex(JobKind kind) { return static_cast<int>(kind); }

class MonkeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    ddim_test::writeTinyModel(file("tiny").toStdString());
    ddim_test::makePicture(48, 40).save(file("good.png"));
    ddim_test::makePicture(20, 60).save(file("tall.jpg"));
    writeBytes("garbage.png", QByteArray(300, 'x'));
    QFile good(file("good.png"));
    ASSERT_TRUE(good.open(QIODevice::ReadOnly));
    writeBytes("truncated.png", good.read(60));
    writeBytes("empty.png", {});
    writeBytes("bad.npy", QByteArray("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'", 26));
    writeBytes("notes.txt", "not an image");
    QDir(dir_.path()).mkpath(QStringLiteral("folder.png"));
    openChoices_ = {file("good.png"),      file("tall.jpg"),   file("garbage.png"),
                    file("truncated.png"), file("empty.png"),  file("bad.npy"),
                    file("notes.txt"),     file("folder.png"), file("missing.png"),
                    file("tiny"),          QString()};
    saveChoices_ = {file("out/a.png"), file("out/b.npy"), file("out/c.gif"), file("nodir/x/y.png"),
                    QString()};
    QDir(dir_.path()).mkpath(QStringLiteral("out"));
    AppSettings settings(file("settings.ini"));  // small jobs on the tiny model
    settings.setValue(QStringLiteral("invert/steps"), 4);
    settings.setValue(QStringLiteral("sample/steps"), 4);
    settings.setValue(QStringLiteral("compare/steps"), QStringLiteral("2, 4"));
    settings.setValue(QStringLiteral("interp/steps"), 3);
    settings.setValue(QStringLiteral("interp/cacheFrames"), 3);
    settings.setValue(QStringLiteral("interp/filmstripFrames"), 3);
    settings.sync();
  }

  QString file(const QString& name) const { return dir_.filePath(name); }
  void writeBytes(const QString& name, const QByteArray& bytes) const {
    QFile f(file(name));
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(bytes);
  }

  QTemporaryDir dir_;
  QStringList openChoices_, saveChoices_;
};

TEST_F(MonkeyTest, RandomEventsNeverCrashOrLeaveAJobUnfinished) {
  const unsigned seed = qEnvironmentVariableIsSet("DDIM_MONKEY_SEED")
                            ? qEnvironmentVariableIntValue("DDIM_MONKEY_SEED")
                            : 20261202u;
  std::mt19937 rng(seed);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };

  auto window = std::make_unique<MainWindow>(
      ddim_test::tinyWindowOptions(file("settings.ini"), file("tiny")));
  FileDialogs dialogs;
  dialogs.openFile = [&](QWidget*, const QString&, const QString&) {
    return openChoices_[pick(openChoices_.size())];
  };
  dialogs.openFolder = [&](QWidget*, const QString&) {
    return openChoices_[pick(openChoices_.size())];
  };
  dialogs.saveFile = [&](QWidget*, const QString&, const QString&, const QString&) {
    return saveChoices_[pick(saveChoices_.size())];
  };
  dialogs.confirmOverwrite = [&](QWidget*, const QString&) { return pick(2) == 0; };
  window->setFileDialogs(dialogs);
  window->resize(1200, 800);
  window->show();

  // The startup model load ends before the ledger opens.
  ASSERT_TRUE(ddim_test::waitFor([&] { return window->modelLoaded() && !window->busy(); }));

  JobLedger ledger;
  WorkerHost* host = window->host();
  QObject context;
  QObject::connect(host, &WorkerHost::jobSent, &context,
                   [&](JobKind k) { ++ledger.sent.at(kindIndex(k)); });
  Worker* worker = host->worker();
  QObject::connect(worker, &Worker::started, &context,
                   [&](JobKind k) { ++ledger.started.at(kindIndex(k)); });
  QObject::connect(worker, &Worker::finished, &context,
                   [&](JobKind k) { ledger.end(ledger.finished, kindIndex(k)); });
  QObject::connect(worker, &Worker::failed, &context,
                   [&](JobKind k, const QString&) { ledger.end(ledger.failed, kindIndex(k)); });
  QObject::connect(worker, &Worker::cancelled, &context,
                   [&](JobKind k) { ledger.end(ledger.cancelled, kindIndex(k)); });
  // A modal dialog (About, a message box) would wait for a person: close it, as one would.
  QTimer closer;
  QObject::connect(&closer, &QTimer::timeout, [] {
    if (QWidget* modal = QApplication::activeModalWidget()) modal->close();
    if (QWidget* popup = QApplication::activePopupWidget()) popup->close();
  });
  closer.start(20);

  const auto visibleWidgets = [&](auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    QList<T*> out;
    for (T* w : window->findChildren<T*>())
      if (w->isVisible() && w->isEnabled() && w->width() > 0 && w->height() > 0) out.append(w);
    return out;
  };
  const auto randomPoint = [&](QWidget* w) {
    return QPoint(pick(std::max(1, w->width())), pick(std::max(1, w->height())));
  };
  const auto drop = [&](const QString& path) {
    QMimeData mime;
    if (pick(4) == 0)
      mime.setImageData(ddim_test::makePicture(8 + pick(40), 8 + pick(40)));
    else
      mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at = randomPoint(window.get());
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &enter);
    QDropEvent dropEvent(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &dropEvent);
  };
  static const std::array<int, 16> kKeys = {
      Qt::Key_Tab,   Qt::Key_Backtab, Qt::Key_Space, Qt::Key_Return, Qt::Key_Escape, Qt::Key_Left,
      Qt::Key_Right, Qt::Key_Up,      Qt::Key_Down,  Qt::Key_PageUp, Qt::Key_Home,   Qt::Key_End,
      Qt::Key_1,     Qt::Key_5,       Qt::Key_A,     Qt::Key_Minus};

  for (int event = 0; event < kEvents; ++event) {
    switch (pick(12)) {
      case 0:
      case 1:
      case 2: {  // click a button, check box or tab
        const auto buttons = visibleWidgets(static_cast<QAbstractButton*>(nullptr));
        if (!buttons.isEmpty()) {
          QAbstractButton* b = buttons[pick(buttons.size())];
          QTest::mouseClick(b, Qt::LeftButton, Qt::NoModifier, randomPoint(b));
        }
        break;
      }
      case 3: {  // switch tabs
        const auto bars = visibleWidgets(static_cast<QTabBar*>(nullptr));
        if (!bars.isEmpty()) {
          QTabBar* bar = bars[pick(bars.size())];
          bar->setCurrentIndex(pick(std::max(1, bar->count())));
        }
        break;
      }
      case 4: {  // drag a slider
        const auto sliders = visibleWidgets(static_cast<QAbstractSlider*>(nullptr));
        if (!sliders.isEmpty()) {
          QAbstractSlider* s = sliders[pick(sliders.size())];
          QTest::mousePress(s, Qt::LeftButton, Qt::NoModifier, randomPoint(s));
          for (int i = 0; i < 4; ++i) {
            QTest::mouseMove(s, randomPoint(s));
            QTest::qWait(pick(10));
          }
          QTest::mouseRelease(s, Qt::LeftButton, Qt::NoModifier, randomPoint(s));
        }
        break;
      }
      case 5: {  // a combo box choice
        const auto combos = visibleWidgets(static_cast<QComboBox*>(nullptr));
        if (!combos.isEmpty()) {
          QComboBox* c = combos[pick(combos.size())];
          if (c->count() > 0) c->setCurrentIndex(pick(c->count()));
        }
        break;
      }
      case 6: {  // keys to whatever has focus, sometimes with Ctrl (Ctrl+S exports, Ctrl+V pastes)
        QWidget* target = QApplication::focusWidget() ? QApplication::focusWidget() : window.get();
        const Qt::KeyboardModifiers mods = pick(4) == 0 ? Qt::ControlModifier : Qt::NoModifier;
        const int key = pick(5) == 0 ? (pick(2) ? Qt::Key_S : Qt::Key_V) : kKeys[pick(16)];
        QTest::keyClick(target, static_cast<Qt::Key>(key), mods);
        break;
      }
      case 7:  // a file dropped on the window: a good image, a bad file, a folder, pixels
        drop(openChoices_[pick(openChoices_.size())]);
        break;
      case 8: {  // a wheel turn or a click anywhere
        const auto all = visibleWidgets(static_cast<QWidget*>(nullptr));
        if (all.isEmpty()) break;
        QWidget* w = all[pick(all.size())];
        if (pick(2)) {
          QWheelEvent wheel(QPointF(randomPoint(w)), QPointF(w->mapToGlobal(randomPoint(w))),
                            QPoint(), QPoint(0, pick(2) ? 120 : -120), Qt::NoButton, Qt::NoModifier,
                            Qt::NoScrollPhase, false);
          QCoreApplication::sendEvent(w, &wheel);
        } else {
          QTest::mouseClick(w, Qt::LeftButton, Qt::NoModifier, randomPoint(w));
        }
        break;
      }
      case 9: {  // the window's commands, as its menus and shortcuts run them
        switch (pick(9)) {
          case 0:
            window->runInvert();
            break;
          case 1:
            window->runSample();
            break;
          case 2:
            window->runCompare();
            break;
          case 3:
            window->cancelJob();
            break;
          case 4:
            window->chooseImage();
            break;
          case 5:
            window->openLatent(pick(2) ? LatentSlot::kA : LatentSlot::kB);
            break;
          case 6:
            window->saveLatent(pick(2) ? LatentSlot::kA : LatentSlot::kB);
            break;
          case 7:
            window->exportCurrent();
            break;
          default:
            window->latentFromSeed(pick(2) ? LatentSlot::kA : LatentSlot::kB, rng());
            break;
        }
        break;
      }
      case 10:  // now and then a model switch: the same model, or a bad folder
        if (pick(8) == 0) {
          ModelRequest m;
          m.folder = pick(3) ? file("tiny") : file("out");
          window->openModel(m);
        }
        break;
      default:  // a resize: layouts reflow while jobs report
        window->resize(700 + pick(900), 500 + pick(500));
        break;
    }
    QTest::qWait(pick(25));
  }

  // No stuck job: within a bounded wait, every job sent has ended and the host is idle.
  const auto allEnded = [&] {
    for (int k = 0; k < kJobKinds; ++k)
      if (ledger.ended(k) < ledger.sent.at(k)) return false;
    return true;
  };
  EXPECT_TRUE(ddim_test::waitFor([&] { return !window->busy() && allEnded(); }, 60000))
      << "seed " << seed;
  QTest::qWait(50);  // a late, duplicate end would arrive here
  EXPECT_EQ(ledger.extraEnds, 0) << "a job ended twice or without being sent, seed " << seed;
  int total = 0;
  for (int k = 0; k < kJobKinds; ++k) {
    SCOPED_TRACE("job kind " + std::to_string(k) + ", seed " + std::to_string(seed));
    EXPECT_EQ(ledger.ended(k), ledger.sent[k]);
    EXPECT_LE(ledger.started[k], ledger.ended(k));
    // A job that started ended by finishing, failing or being cancelled once it ran.
    EXPECT_GE(ledger.finished[k] + ledger.failed[k], ledger.started[k] - ledger.cancelled[k]);
    total += ledger.sent[k];
  }
  EXPECT_GT(total, 20) << "the stream should have run jobs";
  std::cout << "monkey: seed " << seed << ", " << kEvents << " events, " << total << " jobs";
  for (int k = 0; k < kJobKinds; ++k)
    std::cout << " | kind " << k << ": " << ledger.sent[k] << " sent, " << ledger.finished[k]
              << " finished, " << ledger.failed[k] << " failed, " << ledger.cancelled[k]
              << " cancelled";
  std::cout << "\n";
  window->close();
  window.reset();
}

}  // namespace
