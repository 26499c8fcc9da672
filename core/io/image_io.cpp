#include "io/image_io.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <regex>

#include "errors.h"
#include "io/atomic_file.h"
#include "io/image_header.h"

namespace ddim {
namespace {

// cv::Mat (H, W, 3) float32 RGB -> tensor [3, H, W] (copy).
at::Tensor matToTensor(const cv::Mat& rgb) {
  cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
  at::Tensor t = at::from_blob(c.data, {c.rows, c.cols, 3}, at::kFloat).clone();
  return t.permute({2, 0, 1}).contiguous();
}

cv::Mat tensorToMat(const at::Tensor& chw) {
  at::Tensor hwc = chw.detach().to(at::kCPU).to(at::kFloat).permute({1, 2, 0}).contiguous();
  cv::Mat m(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32FC3);
  std::memcpy(m.data, hwc.data_ptr<float>(), hwc.numel() * sizeof(float));
  return m;
}

at::Tensor firstImage(const at::Tensor& t, const char* what) {
  at::Tensor x = t.dim() == 4 ? t[0] : t;
  if (x.dim() != 3 || x.size(0) != 3)
    throw Error(std::string(what) + ": expected an RGB image tensor [3, H, W] or [B, 3, H, W]");
  return x;
}

constexpr uint64_t kMaxImageFileBytes = uint64_t{1} << 30;
/// Below this share of the 16-bit range at its brightest, a 16-bit image gets a note.
constexpr double kNearlyBlack = 0.1;

struct Fallback {
  ImageDecoder decode;
  std::string formats;
};

std::atomic<bool>& decoderMessagesCaptured() {
  static std::atomic<bool> captured{true};
  return captured;
}

Fallback& fallback() {
  static Fallback f;
  return f;
}

/// Why an image of w x h pixels is refused (empty: it is not); `verb`: "declares" or "holds".
std::string sizeRefusal(int64_t w, int64_t h, const char* verb) {
  if (w <= kMaxImageSide && h <= kMaxImageSide && w * h <= kMaxImagePixels) return {};
  return "it " + std::string(verb) + " " + std::to_string(w) + " x " + std::to_string(h) +
         " pixels; the largest image this program opens has " +
         std::to_string(kMaxImagePixels / 1000000) + " megapixels and " +
         std::to_string(kMaxImageSide) + " pixels a side";
}

/// Sends what the process writes to stderr into a temporary file while it lives, so that the
/// decoders' warnings (libpng, libjpeg, libtiff, OpenCV) become part of one message rather than
/// terminal chatter. stderr is process-wide: one capture runs at a time, and what another thread
/// writes to stderr meanwhile is captured (and dropped) with it.
class StderrCapture {
 public:
  StderrCapture() : lock_(mutex()) {
    std::fflush(stderr);
    file_ = std::tmpfile();
    if (file_) saved_ = ::dup(STDERR_FILENO);
    if (saved_ >= 0 && ::dup2(::fileno(file_), STDERR_FILENO) < 0) {
      ::close(saved_);
      saved_ = -1;
    }
  }
  ~StderrCapture() { (void)finish(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  /// Restores stderr and returns what was written to it meanwhile (at most 64 kB).
  std::string finish() {
    std::string text;
    if (saved_ >= 0) {
      std::cerr.flush();
      std::fflush(stderr);
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
      saved_ = -1;
      std::rewind(file_);
      char buffer[4096];
      size_t n = 0;
      while (text.size() < 65536 && (n = std::fread(buffer, 1, sizeof buffer, file_)) > 0)
        text.append(buffer, n);
    }
    if (file_) std::fclose(file_);
    file_ = nullptr;
    return text;
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  std::lock_guard<std::mutex> lock_;
  FILE* file_ = nullptr;
  int saved_ = -1;
};

/// The last line a decoder printed, without OpenCV's log prefix ("[ WARN:0@0.1] global
/// /path/grfmt_tiff.cpp (629) readHeader ").
std::string lastDecoderLine(const std::string& chatter) {
  std::string last;
  size_t start = 0;
  while (start < chatter.size()) {
    size_t end = chatter.find('\n', start);
    if (end == std::string::npos) end = chatter.size();
    std::string line = chatter.substr(start, end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) last = line;
    start = end + 1;
  }
  static const std::regex openCvPrefix(R"(^\[[^\]]*\]\s*(global\s+\S+\s+\(\d+\)\s+\S+\s+)?)");
  return std::regex_replace(last, openCvPrefix, "");
}

/// OpenCV's decoder at the file's own depth; empty with `cause` set to what it said on failure.
cv::Mat decodeWithOpenCv(const std::string& bytes, std::string* cause) {
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  cv::Mat img;
  std::optional<StderrCapture> capture;
  if (decoderMessagesCaptured()) capture.emplace();
  try {
    img = cv::imdecode(raw, cv::IMREAD_UNCHANGED | cv::IMREAD_ANYDEPTH);
  } catch (const cv::Exception& e) {
    *cause = e.err;
  }
  const std::string said = capture ? lastDecoderLine(capture->finish()) : std::string();
  if (img.empty() && cause->empty() && !said.empty()) *cause = "the decoder says: " + said;
  return img;
}

/// OpenCV's BGR(A) or gray image at 8, 16 or 32 bits -> RGB [3, H, W] in [0, 1].
at::Tensor matToRgb01(const cv::Mat& img, const std::string& name, const std::string& prefix,
                      std::string* note) {
  double scale = 1.0;
  switch (img.depth()) {
    case CV_8U:
      scale = 1.0 / 255;
      break;
    case CV_16U:
      scale = 1.0 / 65535;
      break;
    case CV_32F:
    case CV_64F:  // floating point: [0, 1] by convention
      scale = 1.0;
      break;
    default:
      throw Error(prefix + "its samples are of a depth this program does not read (OpenCV depth " +
                  std::to_string(img.depth()) + ")");
  }
  if (img.channels() != 1 && img.channels() != 3 && img.channels() != 4)
    throw Error(prefix + "unsupported channel count " + std::to_string(img.channels()));
  if (img.depth() == CV_16U && note) {
    std::vector<cv::Mat> planes;
    cv::split(img, planes);
    double brightest = 0;
    for (int c = 0; c < std::min(3, img.channels()); ++c) {
      double lo = 0, hi = 0;
      cv::minMaxLoc(planes[c], &lo, &hi);
      brightest = std::max(brightest, hi);
    }
    if (brightest < kNearlyBlack * 65535) {
      *note = name + ": a 16-bit image whose brightest sample is " +
              std::to_string(static_cast<int>(brightest)) +
              " of 65535; scaled by the 16-bit range it is nearly black";
    }
  }
  cv::Mat f;
  img.convertTo(f, CV_32F, scale);
  cv::Mat rgb;
  switch (f.channels()) {
    case 1:
      cv::cvtColor(f, rgb, cv::COLOR_GRAY2RGB);
      break;
    case 3:
      cv::cvtColor(f, rgb, cv::COLOR_BGR2RGB);
      break;
    default: {  // 4: composite on white, c * a + (1 - a)
      std::vector<cv::Mat> ch;
      cv::split(f, ch);
      for (int i = 0; i < 3; ++i) ch[i] = ch[i].mul(ch[3]) + (1.0 - ch[3]);
      ch.pop_back();
      cv::Mat bgr;
      cv::merge(ch, bgr);
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      break;
    }
  }
  cv::min(cv::max(rgb, 0.0), 1.0, rgb);
  return matToTensor(rgb);
}

}  // namespace

at::Tensor decodeImage(const std::string& bytes, const std::string& name, std::string* note) {
  if (note) note->clear();
  const std::string prefix = "cannot read image " + name + ": ";
  if (bytes.empty()) throw Error(prefix + "the file is empty");
  const ImageHeader header = readImageHeader(bytes);
  if (const std::string why = sizeRefusal(header.width, header.height, "declares"); !why.empty())
    throw Error(prefix + why);
  if (!header.problem.empty()) throw Error(prefix + header.problem);

  std::string cause;
  if (!header.format.empty() && header.format != "GIF") {
    const cv::Mat img = decodeWithOpenCv(bytes, &cause);
    if (!img.empty()) {
      if (const std::string why = sizeRefusal(img.cols, img.rows, "holds"); !why.empty())
        throw Error(prefix + why);
      return matToRgb01(img, name, prefix, note);
    }
  }
  const Fallback& f = fallback();
  if (f.decode) {
    try {
      return f.decode(bytes);
    } catch (const Error& e) {
      if (cause.empty() && !header.format.empty()) cause = e.what();
    }
  }
  if (!header.unusual.empty()) throw Error(prefix + header.unusual);
  const std::string formats =
      "PNG, JPEG, BMP, TIFF, WebP, PNM" + (f.decode ? ", " + f.formats : std::string());
  if (header.format.empty())
    throw Error(prefix + "not an image in a format this program reads (" + formats + ")");
  if (header.format == "GIF" && !f.decode)
    throw Error(prefix + "GIF images are read through Qt, which this program was built without");
  throw Error(prefix + "the " + header.format + " data is corrupt" +
              (cause.empty() ? std::string() : " (" + cause + ")"));
}

void setDecoderMessagesCaptured(bool captured) { decoderMessagesCaptured() = captured; }

void setFallbackImageDecoder(ImageDecoder decoder, std::string formats) {
  fallback() = Fallback{std::move(decoder), std::move(formats)};
}

at::Tensor readImage(const std::string& path, std::string* note) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (!ec && bytes > kMaxImageFileBytes)
    throw Error("cannot read image " + path + ": the file holds " + std::to_string(bytes >> 20) +
                " MB, more than the " + std::to_string(kMaxImageFileBytes >> 20) +
                " MB this program opens");
  return decodeImage(readFileBytes(path), path, note);
}

at::Tensor cropAndResize(const at::Tensor& rgb01, int size) {
  if (size <= 0) throw Error("image size must be > 0");
  cv::Mat m = tensorToMat(firstImage(rgb01, "cropAndResize"));
  const int side = std::min(m.rows, m.cols);
  cv::Mat square = m(cv::Rect((m.cols - side) / 2, (m.rows - side) / 2, side, side));
  cv::Mat out;
  if (side == size)
    out = square.clone();
  else
    cv::resize(square, out, cv::Size(size, size), 0, 0,
               side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::min(cv::max(out, 0.0), 1.0, out);
  return matToTensor(out);
}

at::Tensor loadImageForModel(const std::string& path, int size, std::string* note) {
  return (cropAndResize(readImage(path, note), size) * 2.0 - 1.0).unsqueeze(0);
}

Rgb8Image toRgb8From01(const at::Tensor& rgb01) {
  at::Tensor x = firstImage(rgb01, "toRgb8").detach().to(at::kCPU).to(at::kFloat);
  at::Tensor hwc = (x.clamp(0, 1) * 255.0).round().to(at::kByte).permute({1, 2, 0}).contiguous();
  Rgb8Image img;
  img.height = static_cast<int>(hwc.size(0));
  img.width = static_cast<int>(hwc.size(1));
  img.pixels.assign(hwc.data_ptr<uint8_t>(), hwc.data_ptr<uint8_t>() + hwc.numel());
  return img;
}

Rgb8Image toRgb8(const at::Tensor& modelSpace) {
  return toRgb8From01((firstImage(modelSpace, "toRgb8").to(at::kFloat) + 1.0) / 2.0);
}

void writePng(const std::string& path, const Rgb8Image& image) {
  if (image.width <= 0 || image.height <= 0) throw Error("cannot write " + path + ": empty image");
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> buf;
  if (!cv::imencode(".png", bgr, buf)) throw Error("cannot encode PNG for " + path);
  writeFileAtomic(path, std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

void writeModelImagePng(const std::string& path, const at::Tensor& modelSpace) {
  writePng(path, toRgb8(modelSpace));
}

Rgb8Image makeLabelledGrid(const std::vector<Rgb8Image>& tiles,
                           const std::vector<std::string>& labels, int columns, int scale) {
  if (tiles.empty()) throw Error("grid: no images");
  columns = std::max(1, std::min<int>(columns, static_cast<int>(tiles.size())));
  scale = std::max(1, scale);
  const int tw = tiles[0].width * scale, th = tiles[0].height * scale;
  const int pad = 4;
  const bool hasLabels = !labels.empty();
  // Label lines are split on '\n'; each gets a text row.
  int lines = 0;
  for (const auto& l : labels)
    lines = std::max<int>(lines, 1 + std::count(l.begin(), l.end(), '\n'));
  const double fontScale = std::clamp(tw / 160.0, 0.35, 0.6);
  const int lineH = static_cast<int>(22 * fontScale / 0.5);
  const int labelH = hasLabels ? lines * lineH + pad : 0;
  const int rows = static_cast<int>((tiles.size() + columns - 1) / columns);
  cv::Mat canvas(rows * (th + labelH + pad) + pad, columns * (tw + pad) + pad, CV_8UC3,
                 cv::Scalar(255, 255, 255));
  for (size_t i = 0; i < tiles.size(); ++i) {
    const auto& t = tiles[i];
    if (t.width * scale != tw || t.height * scale != th) throw Error("grid: tiles differ in size");
    cv::Mat src(t.height, t.width, CV_8UC3, const_cast<uint8_t*>(t.pixels.data()));
    cv::Mat big;
    cv::resize(src, big, cv::Size(tw, th), 0, 0, cv::INTER_NEAREST);
    const int x = pad + static_cast<int>(i % columns) * (tw + pad);
    const int y = pad + static_cast<int>(i / columns) * (th + labelH + pad);
    big.copyTo(canvas(cv::Rect(x, y, tw, th)));
    if (hasLabels && i < labels.size()) {
      size_t start = 0;
      for (int line = 0; start <= labels[i].size(); ++line) {
        const size_t end = labels[i].find('\n', start);
        const std::string text =
            labels[i].substr(start, end == std::string::npos ? end : end - start);
        cv::putText(canvas, text, cv::Point(x + 2, y + th + (line + 1) * lineH - 4),
                    cv::FONT_HERSHEY_SIMPLEX, fontScale, cv::Scalar(20, 20, 20), 1, cv::LINE_AA);
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
  }
  Rgb8Image out;
  out.width = canvas.cols;
  out.height = canvas.rows;
  out.pixels.assign(canvas.data, canvas.data + canvas.total() * 3);
  return out;
}

Rgb8Image visualiseLatent(const at::Tensor& latent) {
  at::Tensor x = firstImage(latent, "visualiseLatent").to(at::kFloat);
  return toRgb8From01((x.clamp(-3, 3) + 3.0) / 6.0);
}

ImageError imageError(const at::Tensor& a, const at::Tensor& b) {
  if (!a.sizes().equals(b.sizes())) throw Error("imageError: images differ in shape");
  const at::Tensor pa = ((a.to(at::kCPU).to(at::kDouble) + 1) / 2).clamp(0, 1);
  const at::Tensor pb = ((b.to(at::kCPU).to(at::kDouble) + 1) / 2).clamp(0, 1);
  ImageError e;
  e.mse = (pa - pb).pow(2).mean().item<double>();
  e.psnr = psnrFromMse(e.mse);
  return e;
}

double psnrFromMse(double mse) {
  return mse > 0 ? 10.0 * std::log10(1.0 / mse) : std::numeric_limits<double>::infinity();
}

}  // namespace ddim
