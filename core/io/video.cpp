#include "io/video.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "errors.h"
#include "io/atomic_file.h"

namespace ddim {
namespace {

// Debian 12's OpenCV 4.6 writes through FFmpeg 5.1, whose libavcodec encodes 'avc1' (H.264)
// with libx264: small files that every player and browser plays. 'mp4v' (MPEG-4 Part 2) is the
// fallback for an FFmpeg built without an H.264 encoder.
constexpr const char* kCodecs[] = {"avc1", "mp4v"};

int evenUp(int n) { return n + (n % 2); }

cv::Mat toBgr(const Rgb8Image& frame, int scale, const cv::Size& size) {
  const cv::Mat rgb(frame.height, frame.width, CV_8UC3, const_cast<uint8_t*>(frame.pixels.data()));
  cv::Mat bgr, scaled, padded;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  cv::resize(bgr, scaled, cv::Size(), scale, scale, cv::INTER_NEAREST);
  cv::copyMakeBorder(scaled, padded, 0, size.height - scaled.rows, 0, size.width - scaled.cols,
                     cv::BORDER_REPLICATE);
  return padded;
}

// OpenCV logs a failed encoder before the next one is tried; a fallback that works is no error.
class QuietOpenCvLog {
 public:
  QuietOpenCvLog() : previous_(cv::utils::logging::getLogLevel()) {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  }
  ~QuietOpenCvLog() { cv::utils::logging::setLogLevel(previous_); }
  QuietOpenCvLog(const QuietOpenCvLog&) = delete;
  QuietOpenCvLog& operator=(const QuietOpenCvLog&) = delete;

 private:
  cv::utils::logging::LogLevel previous_;
};

void encode(const std::string& path, const std::string& file, const std::vector<Rgb8Image>& frames,
            double fps, int scale, const cv::Size& size) {
  {
    std::ofstream probe(file, std::ios::binary | std::ios::trunc);
    if (!probe) throw Error("cannot write " + path + ": " + std::strerror(errno));
  }
  cv::VideoWriter writer;
  {
    const QuietOpenCvLog quiet;
    for (const char* c : kCodecs) {
      if (writer.open(file, cv::CAP_FFMPEG, cv::VideoWriter::fourcc(c[0], c[1], c[2], c[3]), fps,
                      size))
        break;
    }
  }
  struct statvfs fsInfo {};
  if (!writer.isOpened() && ::statvfs(file.c_str(), &fsInfo) == 0 && fsInfo.f_bavail == 0)
    throw Error("cannot write " + path + ": " + std::strerror(ENOSPC));
  if (!writer.isOpened())
    throw Error("cannot write " + path + ": OpenCV has no H.264 or MPEG-4 encoder for it");
  for (const Rgb8Image& frame : frames) writer.write(toBgr(frame, scale, size));
  writer.release();
  // The encoder reports no write error: on a full disk it leaves a truncated file. A filesystem
  // with no block left after the write is taken as that case.
  if (::statvfs(file.c_str(), &fsInfo) == 0 && fsInfo.f_bavail == 0)
    throw Error("cannot write " + path + ": " + std::strerror(ENOSPC));
}

}  // namespace

void writeVideo(const std::string& path, const std::vector<Rgb8Image>& frames, double fps,
                int scale) {
  if (frames.empty()) throw Error("cannot write " + path + ": no frames");
  if (!(fps > 0)) throw Error("cannot write " + path + ": fps must be > 0");
  if (scale < 1) throw Error("cannot write " + path + ": scale must be >= 1");
  const int width = frames[0].width, height = frames[0].height;
  for (const Rgb8Image& f : frames) {
    if (f.width <= 0 || f.height <= 0 || f.width != width || f.height != height ||
        f.pixels.size() != static_cast<size_t>(f.width) * f.height * 3)
      throw Error("cannot write " + path + ": frames must be non-empty and all the same size");
  }
  const cv::Size size(evenUp(width * scale), evenUp(height * scale));
  writeFileAtomicWith(path, [&](const std::string& tmp) {
    // FFmpeg picks the container from the file name, so the encoder writes to the temporary
    // name plus the real extension; that file is renamed onto the temporary name.
    const std::string file = tmp + std::filesystem::path(path).extension().string();
    try {
      encode(path, file, frames, fps, scale, size);
    } catch (...) {
      std::remove(file.c_str());
      throw;
    }
    if (std::rename(file.c_str(), tmp.c_str()) != 0) {
      const std::string reason = std::strerror(errno);
      std::remove(file.c_str());
      throw Error("cannot write " + path + ": " + reason);
    }
  });
}

}  // namespace ddim
