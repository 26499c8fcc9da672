// How the window writes a rendered filmstrip: the path's extension picks a PNG strip, an
// animated GIF or an MP4 video, each read back by an independent reader.
#include "exporter.h"

#include <gtest/gtest.h>

#include <QFileInfo>
#include <QImageReader>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QWidget>
#include <opencv2/videoio.hpp>

#include "app_settings.h"

namespace {

/// `n` frames of 16 x 16 pixels, a red square moving across blue.
QVector<QImage> movingSquare(int n) {
  QVector<QImage> frames;
  for (int i = 0; i < n; ++i) {
    QImage frame(16, 16, QImage::Format_RGB888);
    frame.fill(QColor(20, 40, 200));
    for (int y = 4; y < 12; ++y) {
      for (int x = 0; x < 6; ++x) frame.setPixelColor((2 * i + x) % 16, y, QColor(230, 30, 20));
    }
    frames << frame;
  }
  return frames;
}

class ExporterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.isValid()); }

  /// Writes `frames` as a filmstrip to `name` in the test folder; returns whether it was written.
  bool write(const QString& name, const QVector<QImage>& frames) {
    QWidget parent;
    AppSettings settings(dir_.filePath(QStringLiteral("settings.ini")));
    Exporter exporter(&parent, settings);
    QSignalSpy written(&exporter, &Exporter::written);
    QSignalSpy failed(&exporter, &Exporter::failed);
    FilmstripResult result;
    result.frames = frames;
    result.path = dir_.filePath(name);
    const bool ok = exporter.writeFilmstrip(result);
    if (!failed.isEmpty()) failure_ = failed.front().front().toString();
    EXPECT_EQ(ok, written.size() == 1);
    return ok;
  }

  QTemporaryDir dir_;
  QString failure_;
};

TEST_F(ExporterTest, Mp4IsAVideoOfEveryFrameEnlarged) {
  ASSERT_TRUE(write(QStringLiteral("strip.mp4"), movingSquare(6))) << failure_.toStdString();
  const QString path = dir_.filePath(QStringLiteral("strip.mp4"));
  EXPECT_GT(QFileInfo(path).size(), 100);
  cv::VideoCapture video(path.toStdString(), cv::CAP_FFMPEG);
  ASSERT_TRUE(video.isOpened());
  int frames = 0;
  cv::Mat frame;
  cv::Mat first;
  while (video.read(frame)) {
    if (frames++ == 0) first = frame.clone();
    EXPECT_EQ(frame.cols, 128);  // 16 px enlarged 8 times, as for the GIF
    EXPECT_EQ(frame.rows, 128);
  }
  EXPECT_EQ(frames, 6);
  ASSERT_FALSE(first.empty());
  // Lossy, but the colours survive: blue background at a corner, red square at its centre (BGR).
  const cv::Vec3b corner = first.at<cv::Vec3b>(120, 120);
  const cv::Vec3b square = first.at<cv::Vec3b>(64, 24);
  EXPECT_GT(corner[0], 150);
  EXPECT_LT(corner[2], 80);
  EXPECT_GT(square[2], 150);
  EXPECT_LT(square[0], 80);
}

TEST_F(ExporterTest, GifAndPngByExtension) {
  ASSERT_TRUE(write(QStringLiteral("strip.gif"), movingSquare(4))) << failure_.toStdString();
  QImageReader gif(dir_.filePath(QStringLiteral("strip.gif")));
  EXPECT_EQ(gif.format(), QByteArray("gif"));
  EXPECT_EQ(gif.imageCount(), 4);
  EXPECT_EQ(gif.size(), QSize(128, 128));

  ASSERT_TRUE(write(QStringLiteral("strip.png"), movingSquare(4))) << failure_.toStdString();
  QImageReader png(dir_.filePath(QStringLiteral("strip.png")));
  EXPECT_EQ(png.format(), QByteArray("png"));
  EXPECT_EQ(png.size(), QSize(4 * 16 + 3 * 2, 16));
}

TEST_F(ExporterTest, AVideoThatCannotBeWrittenSaysWhy) {
  EXPECT_FALSE(write(QStringLiteral("no/such/folder/strip.mp4"), movingSquare(2)));
  EXPECT_TRUE(failure_.contains(QStringLiteral("strip.mp4"))) << failure_.toStdString();
  EXPECT_FALSE(write(QStringLiteral("empty.mp4"), {}));
  EXPECT_FALSE(QFileInfo::exists(dir_.filePath(QStringLiteral("empty.mp4"))));
}

}  // namespace
