#include "io/video.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
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

// Writes one block of zeros to `file` (created or truncated) and syncs it: 0 when the folder
// takes it, else the errno of the first failure (read-only, full, no permission). The encoder
// replaces the block.
int probeWrite(const std::string& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return errno;
  const std::vector<char> block(4096, 0);
  int err = 0;
  for (size_t done = 0; done < block.size() && err == 0;) {
    const ssize_t n = ::write(fd, block.data() + done, block.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      err = n < 0 ? errno : ENOSPC;
    else
      done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

// Why the video in `file` could not be written, as far as the folder tells: a probe write's
// errno, or a full filesystem; empty when the folder takes writes.
std::string folderFault(const std::string& file) {
  const std::string probe = file + ".probe";
  const int err = probeWrite(probe);
  std::remove(probe.c_str());
  if (err != 0) return std::strerror(err);
  struct statvfs fsInfo {};
  if (::statvfs(file.c_str(), &fsInfo) == 0 && fsInfo.f_bavail == 0) return std::strerror(ENOSPC);
  return {};
}

bool openWriter(cv::VideoWriter& writer, const std::string& file, double fps,
                const cv::Size& size) {
  const QuietOpenCvLog quiet;
  for (const char* c : kCodecs) {
    if (writer.open(file, cv::CAP_FFMPEG, cv::VideoWriter::fourcc(c[0], c[1], c[2], c[3]), fps,
                    size))
      return true;
  }
  return false;
}

// Whether OpenCV can encode this video at all: a writer opened on a scratch file in the system's
// temporary folder, away from the destination.
bool encoderAvailable(const std::string& extension, double fps, const cv::Size& size) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) return false;
  const std::string scratch =
      (dir / ("ddim-encoder-check-" + std::to_string(::getpid()) + extension)).string();
  cv::VideoWriter writer;
  const bool ok = openWriter(writer, scratch, fps, size);
  writer.release();
  std::remove(scratch.c_str());
  return ok;
}

// Whether an ISO media file (.mp4) is whole: its top-level boxes span the file exactly and
// include the index ('moov'), which the muxer writes last. A file cut short by a full disk fails
// this without a decoder being asked (FFmpeg would print its own complaint).
bool isoMediaComplete(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const auto fileSize = static_cast<uint64_t>(in.tellg());
  bool index = false;
  uint64_t at = 0;
  while (at < fileSize) {
    unsigned char head[16];
    in.seekg(static_cast<std::streamoff>(at));
    if (fileSize - at < 8 || !in.read(reinterpret_cast<char*>(head), 8)) return false;
    uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size = (size << 8) | head[i];
    if (std::memcmp(head + 4, "moov", 4) == 0) index = true;
    if (size == 1) {  // a 64-bit size follows the type
      if (fileSize - at < 16 || !in.read(reinterpret_cast<char*>(head + 8), 8)) return false;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | head[i];
    } else if (size == 0) {  // the box runs to the end of the file
      size = fileSize - at;
    }
    if (size < 8 || size > fileSize - at) return false;
    at += size;
  }
  return index;
}

// How many frames of `file` decode: OpenCV's writer reports no write error, and a video cut
// short by a full disk lacks its index and reads back with fewer frames or none.
size_t framesReadBack(const std::string& file) {
  const std::string extension = std::filesystem::path(file).extension().string();
  if ((extension == ".mp4" || extension == ".mov" || extension == ".m4v") &&
      !isoMediaComplete(file))
    return 0;
  const QuietOpenCvLog quiet;
  cv::VideoCapture capture(file, cv::CAP_FFMPEG);
  size_t n = 0;
  cv::Mat frame;
  while (capture.isOpened() && capture.read(frame)) ++n;
  return n;
}

void encode(const std::string& path, const std::string& file, const std::vector<Rgb8Image>& frames,
            double fps, int scale, const cv::Size& size) {
  if (const int err = probeWrite(file))
    throw Error("cannot write " + path + ": " + std::strerror(err));
  cv::VideoWriter writer;
  if (!openWriter(writer, file, fps, size)) {
    std::string cause = folderFault(file);
    if (cause.empty())
      cause = encoderAvailable(std::filesystem::path(path).extension().string(), fps, size)
                  ? "OpenCV's video writer cannot create it"
                  : "OpenCV has no H.264 or MPEG-4 encoder for it";
    throw Error("cannot write " + path + ": " + cause);
  }
  for (const Rgb8Image& frame : frames) writer.write(toBgr(frame, scale, size));
  writer.release();
  if (framesReadBack(file) != frames.size()) {
    const std::string cause = folderFault(file);
    throw Error(
        "cannot write " + path + ": " +
        (cause.empty() ? std::string("the written video does not read back whole") : cause));
  }
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
