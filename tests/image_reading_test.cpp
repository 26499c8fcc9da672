// Reading images as a user hands them over: headers read before decoding, huge declared sizes
// refused, 16-bit scaled by its range, multi-page TIFFs, truncated files, the fallback decoder,
// and one message naming the file and the cause with nothing else on stderr. Every test image is
// made here.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "errors.h"
#include "io/atomic_file.h"
#include "io/image_header.h"
#include "io/image_io.h"

namespace ddim {
namespace {

namespace fs = std::filesystem;

std::string tempPath(const std::string& name) {
  return (fs::temp_directory_path() / ("ddim_read_test_" + name)).string();
}

std::string encode(const std::string& ext, const cv::Mat& image) {
  std::vector<uchar> buffer;
  EXPECT_TRUE(cv::imencode(ext, image, buffer));
  return std::string(buffer.begin(), buffer.end());
}

/// The message readImage throws for `path`, or "" when it reads the file.
std::string readError(const std::string& path) {
  try {
    (void)readImage(path);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

void putBe32(std::string& s, size_t pos, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[pos + i] = static_cast<char>(v >> (24 - 8 * i));
}

void putLe32(std::string& s, size_t pos, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[pos + i] = static_cast<char>(v >> (8 * i));
}

// A 1 x 1 GIF whose one pixel is colour 0 of a two-colour table: red. LZW with 2-bit codes:
// clear (4), index 0, end (5) at 3 bits each, LSB first: 0x144.
const std::string kRedGif(
    "GIF89a\x01\x00\x01\x00\x80\x00\x00\xFF\x00\x00\x00\x00\x00"
    ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
    34);

TEST(ImageHeaderTest, ReadsTheSizeEachFormatDeclares) {
  const cv::Mat image(23, 37, CV_8UC3, cv::Scalar(10, 200, 30));
  for (const auto& [ext, format] :
       std::vector<std::pair<std::string, std::string>>{{".png", "PNG"},
                                                        {".jpg", "JPEG"},
                                                        {".bmp", "BMP"},
                                                        {".tif", "TIFF"},
                                                        {".webp", "WebP"},
                                                        {".ppm", "PNM"}}) {
    const ImageHeader h = readImageHeader(encode(ext, image));
    EXPECT_EQ(h.format, format) << ext;
    EXPECT_EQ(h.width, 37) << ext;
    EXPECT_EQ(h.height, 23) << ext;
    EXPECT_TRUE(h.problem.empty()) << ext << ": " << h.problem;
  }
  const ImageHeader gif = readImageHeader(kRedGif);
  EXPECT_EQ(gif.format, "GIF");
  EXPECT_EQ(gif.width, 1);
  EXPECT_EQ(gif.height, 1);
  EXPECT_EQ(readImageHeader("hello, world").format, "");
  EXPECT_EQ(readImageHeader("").format, "");
}

TEST(ImageHeaderTest, CountsTiffPagesAndNamesSixtyFourBitSamples) {
  const std::string path = tempPath("pages.tif");
  ASSERT_TRUE(cv::imwritemulti(path, std::vector<cv::Mat>{cv::Mat(4, 5, CV_64FC1, cv::Scalar(0.5)),
                                                          cv::Mat(4, 5, CV_64FC1, 0.25)}));
  const ImageHeader h = readImageHeader(readFileBytes(path));
  EXPECT_EQ(h.pages, 2);
  EXPECT_EQ(h.bitsPerSample, 64);
  EXPECT_NE(h.unusual.find("64-bit floating-point"), std::string::npos) << h.unusual;
  fs::remove(path);
}

TEST(ImageReadingTest, RefusesAHugeDeclaredSizeBeforeDecoding) {
  // A valid PNG whose header says 100000 x 100000 (its pixel data would be 30 GB): refused from
  // the header alone, naming the size and the policy.
  std::string png = encode(".png", cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0)));
  putBe32(png, 16, 100000);
  putBe32(png, 20, 100000);
  const std::string path = tempPath("huge.png");
  writeFileAtomic(path, png);
  const std::string error = readError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("100000 x 100000"), std::string::npos) << error;
  EXPECT_NE(error.find("50 megapixels"), std::string::npos) << error;
  fs::remove(path);
}

TEST(ImageReadingTest, SixteenBitIsScaledByItsRangeAndANearlyBlackImageGetsANote) {
  // 12-bit data in a 16-bit TIFF: values up to 4000 of 65535.
  cv::Mat dark(3, 4, CV_16UC3, cv::Scalar(1000, 2000, 4000));
  const std::string path = tempPath("dark16.tif");
  ASSERT_TRUE(cv::imwrite(path, dark));
  std::string note;
  const at::Tensor rgb = readImage(path, &note);
  EXPECT_NEAR(rgb[0][0][0].item<float>(), 4000.0 / 65535, 1e-6);  // BGR on disk: R = 4000
  EXPECT_NEAR(rgb[2][0][0].item<float>(), 1000.0 / 65535, 1e-6);
  EXPECT_NE(note.find("nearly black"), std::string::npos) << note;
  EXPECT_NE(note.find("4000 of 65535"), std::string::npos) << note;
  EXPECT_NE(note.find(path), std::string::npos) << note;

  cv::Mat bright(3, 4, CV_16UC3, cv::Scalar(0, 30000, 65535));
  ASSERT_TRUE(cv::imwrite(path, bright));
  (void)readImage(path, &note);
  EXPECT_TRUE(note.empty()) << note;
  fs::remove(path);
}

TEST(ImageReadingTest, AMultiPageTiffOpensAtItsFirstPage) {
  const std::string path = tempPath("two.tif");
  ASSERT_TRUE(
      cv::imwritemulti(path, std::vector<cv::Mat>{cv::Mat(4, 5, CV_8UC3, cv::Scalar(0, 0, 255)),
                                                  cv::Mat(6, 7, CV_8UC3, cv::Scalar(255, 0, 0))}));
  const at::Tensor rgb = readImage(path);
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(rgb[0][0][0].item<float>(), 1.0f);  // red
  EXPECT_EQ(rgb[2][0][0].item<float>(), 0.0f);
  fs::remove(path);
}

TEST(ImageReadingTest, SixtyFourBitTiffOpensOrNamesTheRealCause) {
  const std::string path = tempPath("double.tif");
  ASSERT_TRUE(cv::imwritemulti(
      path, std::vector<cv::Mat>{cv::Mat(4, 5, CV_64FC1, 0.5), cv::Mat(4, 5, CV_64FC1, 0.1)}));
  const at::Tensor rgb = readImage(path);  // OpenCV reads 64-bit gray: its first page
  EXPECT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_NEAR(rgb.mean().item<float>(), 0.5, 1e-6);

  // 64-bit samples in a layout OpenCV does not read (two samples a pixel): the message names the
  // depth rather than a generic failure.
  std::string tiff = readFileBytes(path);
  fs::remove(path);
  ASSERT_EQ(readImageHeader(tiff).bitsPerSample, 64);
  const size_t ifd = static_cast<unsigned char>(tiff[4]) | static_cast<unsigned char>(tiff[5]) << 8;
  const size_t entries = static_cast<unsigned char>(tiff[ifd]);
  for (size_t i = 0; i < entries; ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (tiff[e] == 0x15 && tiff[e + 1] == 0x01) tiff[e + 8] = 2;  // SamplesPerPixel (277) = 2
  }
  writeFileAtomic(path, tiff);
  const std::string error = readError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("64-bit floating-point samples"), std::string::npos) << error;
  fs::remove(path);
}

TEST(ImageReadingTest, TruncatedOrCorruptFilesSaySoInOneLineAndNothingElseReachesStderr) {
  const cv::Mat image(64, 64, CV_8UC3, cv::Scalar(40, 120, 200));
  const std::string jpeg = encode(".jpg", image);
  const std::string png = encode(".png", image);
  std::string corruptPng = png;
  const size_t idat = corruptPng.find("IDAT");  // garble the pixel data, keep the chunk frame
  const size_t length = static_cast<unsigned char>(corruptPng[idat - 2]) << 8 |
                        static_cast<unsigned char>(corruptPng[idat - 1]);
  for (size_t i = idat + 4; i < idat + 4 + length; ++i) corruptPng[i] ^= 0x5A;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {jpeg.substr(0, jpeg.size() / 2), "JPEG data is truncated"},
      {png.substr(0, png.size() - 30), "PNG data is truncated"},
      {corruptPng, "PNG data is corrupt"},
      {"plain text, not a picture", "not an image in a format this program reads"},
  };
  for (const auto& [bytes, expected] : cases) {
    const std::string path = tempPath("broken.img");
    writeFileAtomic(path, bytes);
    ::testing::internal::CaptureStderr();
    const std::string error = readError(path);
    const std::string chatter = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find(expected), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_TRUE(chatter.empty()) << chatter;
    fs::remove(path);
  }
}

// Found by fuzz_image_header: OpenCV reads "8888Z88888" as 8888 x 88888, where the header reader
// saw a width and no height, so the size check passed and OpenCV allocated 1.5 GB for a 24-byte
// file. A PNM whose width and height are not whitespace-separated numbers is refused unread.
TEST(ImageReadingTest, APnmSizeThatIsNotTwoWhitespaceSeparatedNumbersIsRefusedBeforeDecoding) {
  const std::string fuzzed("P5\r\r\r8888Z88888\f8887\x0e\xa7\xa7\xa7", 24);
  for (const std::string& bytes :
       {fuzzed, std::string("P6 12"), std::string("P5 3 #\n"), std::string("P5\n 7x9\n255\n")}) {
    const ImageHeader h = readImageHeader(bytes);
    EXPECT_EQ(h.format, "PNM");
    EXPECT_NE(h.problem.find("PNM header is corrupt or truncated"), std::string::npos) << bytes;
    try {
      (void)decodeImage(bytes, "f.pgm");
      ADD_FAILURE() << "decoded " << bytes;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cannot read image f.pgm: the PNM header is corrupt"),
                std::string::npos)
          << e.what();
    }
  }
  // Comments and any whitespace between the numbers are still read.
  const std::string pgm = std::string("P5\n# made by hand\n3\t# width\n 2\r\n255\n") +
                          std::string("\x00\x40\x80\xc0\xff\x10", 6);
  const ImageHeader h = readImageHeader(pgm);
  EXPECT_EQ(h.problem, "");
  EXPECT_EQ(h.width, 3);
  EXPECT_EQ(h.height, 2);
  const at::Tensor rgb = decodeImage(pgm, "hand.pgm");
  EXPECT_EQ(rgb.sizes(), (at::IntArrayRef{3, 2, 3}));
  EXPECT_NEAR(rgb[0][0][2].item<float>(), 128.0F / 255.0F, 1e-6);
}

/// Whether OpenCV has a decoder whose signature check takes `bytes`, judged on their first 128
/// bytes: only the formats that declare themselves at the start of a file, not its DICOM reader
/// (which looks for "DICM" at byte 128).
bool openCvTakesFromTheStart(const std::string& bytes, const std::string& name) {
  const std::string path = tempPath("signature_" + name);
  writeFileAtomic(path, bytes.substr(0, 128));
  const bool taken = cv::haveImageReader(path);
  fs::remove(path);
  return taken;
}

/// A lossless WebP header of 16 x 16 pixels with the given version bits (libwebp takes only 0),
/// its file ending in the DICOM marker at byte 128.
std::string webpEndingInDicomMarker(uint32_t version) {
  std::string s = "RIFF....WEBPVP8L....";
  s.resize(132, '\0');
  putLe32(s, 4, static_cast<uint32_t>(s.size() - 8));
  putLe32(s, 16, static_cast<uint32_t>(s.size() - 20));
  s[20] = '\x2F';
  putLe32(s, 21, 15U | 15U << 14 | version << 29);
  s.replace(128, 4, "DICM");
  return s;
}

// Found by fuzz_image_header (a CI run that ended with no report: the crash happened while the
// decoder's stderr was captured). OpenCV picks a decoder by signature alone, trying each in turn;
// its WebP decoder's signature check is libwebp's WebPGetFeatures, which refuses a lossless header
// whose version bits are not 0. The next decoder to match was the DICOM reader, which looks for
// "DICM" at byte 128, and GDCM asserted on the truncated data after it: the process ended. A
// header here is now corrupt wherever OpenCV's decoder for its format refuses the signature.
TEST(ImageReadingTest, AFileGoesToOpenCvOnlyWhenItsFormatsDecoderTakesItsSignature) {
  std::string pnm("P6#made by hand\n4 4\n255\n");
  pnm.resize(128, '\0');
  pnm += "DICM";
  const std::vector<std::pair<std::string, std::string>> refused{
      {"webp", webpEndingInDicomMarker(6)}, {"pnm", pnm}};
  for (const auto& [name, bytes] : refused) {
    ASSERT_FALSE(openCvTakesFromTheStart(bytes, name)) << name;
    const ImageHeader h = readImageHeader(bytes);
    EXPECT_NE(h.problem.find("header is corrupt"), std::string::npos) << name << ": " << h.problem;
    try {
      (void)decodeImage(bytes, "f." + name);
      ADD_FAILURE() << "decoded " << name;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cannot read image f." + name + ": the "),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("header is corrupt"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(readImageHeader(pnm).problem,
            "the PNM header is corrupt (its magic number P6 is not followed by whitespace)");

  // Every header read without a problem is one that a decoder takes from the file's start.
  const cv::Mat image(23, 37, CV_8UC3, cv::Scalar(10, 200, 30));
  std::vector<std::pair<std::string, std::string>> accepted;
  for (const std::string ext : {".png", ".jpg", ".bmp", ".tif", ".webp", ".ppm", ".pgm"}) {
    const cv::Mat in = ext == ".pgm" ? cv::Mat(23, 37, CV_8UC1, cv::Scalar(99)) : image;
    accepted.emplace_back(ext, encode(ext, in));
  }
  accepted.emplace_back("bigtiff", std::string("II+\0\x08\0\0\0", 8) + std::string(120, '\0'));
  accepted.emplace_back("webp version 0", webpEndingInDicomMarker(0));
  for (const auto& [name, bytes] : accepted) {
    const ImageHeader h = readImageHeader(bytes);
    EXPECT_EQ(h.problem, "") << name;
    EXPECT_TRUE(openCvTakesFromTheStart(bytes, "accepted")) << name;
  }
  EXPECT_EQ(readImageHeader(webpEndingInDicomMarker(0)).width, 16);
  // The WebP decoder takes that one (its data is not a picture): an error, not the DICOM reader.
  EXPECT_THROW((void)decodeImage(webpEndingInDicomMarker(0), "v0.webp"), Error);
}

TEST(ImageReadingTest, GifGoesToTheRegisteredFallbackDecoder) {
  const std::string path = tempPath("red.gif");
  writeFileAtomic(path, kRedGif);
  EXPECT_NE(readError(path).find("read through Qt"), std::string::npos) << readError(path);

  std::string seen;
  setFallbackImageDecoder(
      [&](std::string_view bytes) {
        seen = std::string(bytes);
        return at::full({3, 1, 1}, 0.25f);
      },
      "GIF");
  const at::Tensor rgb = readImage(path);
  EXPECT_EQ(seen, kRedGif);
  EXPECT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 1, 1}));
  EXPECT_EQ(rgb[0][0][0].item<float>(), 0.25f);

  // A fallback that cannot decode either: its cause reaches the one message.
  setFallbackImageDecoder([](std::string_view) -> at::Tensor { throw Error("bad LZW code"); },
                          "GIF");
  const std::string error = readError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("GIF data is corrupt (bad LZW code)"), std::string::npos) << error;
  setFallbackImageDecoder(nullptr, "");
  fs::remove(path);
}

}  // namespace
}  // namespace ddim
