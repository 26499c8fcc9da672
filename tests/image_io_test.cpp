#include "io/image_io.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "errors.h"
#include "io/atomic_file.h"

namespace ddim {
namespace {

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ddim_img_test_" + name)).string();
}

TEST(ImageIoTest, ReadsColourGrayAlphaAnd16Bit) {
  // BGR on disk: pixel (0,0) is pure red, (0,1) pure blue.
  cv::Mat bgr(1, 2, CV_8UC3);
  bgr.at<cv::Vec3b>(0, 0) = {0, 0, 255};
  bgr.at<cv::Vec3b>(0, 1) = {255, 0, 0};
  const std::string p = tempPath("c.png");
  cv::imwrite(p, bgr);
  const at::Tensor rgb = readImage(p);
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(rgb[0][0][0].item<float>(), 1.0f);
  EXPECT_EQ(rgb[2][0][0].item<float>(), 0.0f);
  EXPECT_EQ(rgb[2][0][1].item<float>(), 1.0f);

  cv::Mat gray(2, 2, CV_16UC1, cv::Scalar(65535 / 5));  // 16-bit gray = 0.2
  const std::string pg = tempPath("g16.png");
  cv::imwrite(pg, gray);
  const at::Tensor g = readImage(pg);
  EXPECT_NEAR(g.min().item<float>(), 0.2, 1e-4);
  EXPECT_NEAR(g.max().item<float>(), 0.2, 1e-4);

  cv::Mat bgra(1, 1, CV_8UC4, cv::Scalar(0, 0, 0, 51));  // black at alpha 0.2 over white -> 0.8
  const std::string pa = tempPath("a.png");
  cv::imwrite(pa, bgra);
  EXPECT_NEAR(readImage(pa).mean().item<float>(), 0.8, 1e-6);
  for (const auto& f : {p, pg, pa}) std::filesystem::remove(f);
}

TEST(ImageIoTest, CentreCropAndAreaResize) {
  // 4x8 image: left quarter 0, middle half 1, right quarter 0 -> centre crop 4x4 is all ones.
  at::Tensor img = at::zeros({3, 4, 8});
  img.slice(2, 2, 6).fill_(1.0);
  const at::Tensor c = cropAndResize(img, 2);
  EXPECT_EQ(c.sizes(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_TRUE(at::allclose(c, at::ones({3, 2, 2})));
  // Area resize averages: a 2x2 checker of 0/1 at 4x4 -> 2x2 of 0.5.
  at::Tensor checker = at::zeros({3, 4, 4});
  checker.index_put_({at::indexing::Slice(), at::indexing::Slice(0, at::indexing::None, 2),
                      at::indexing::Slice(0, at::indexing::None, 2)},
                     1.0);
  checker.index_put_({at::indexing::Slice(), at::indexing::Slice(1, at::indexing::None, 2),
                      at::indexing::Slice(1, at::indexing::None, 2)},
                     1.0);
  EXPECT_TRUE(at::allclose(cropAndResize(checker, 2), at::full({3, 2, 2}, 0.5)));
}

TEST(ImageIoTest, PngRoundTripThroughModelSpace) {
  at::Tensor x = at::linspace(-1, 1, 3 * 4 * 4).reshape({1, 3, 4, 4});
  const std::string p = tempPath("rt.png");
  writeModelImagePng(p, x);
  const at::Tensor back = loadImageForModel(p, 4);
  EXPECT_LT((back - x).abs().max().item<float>(), 1.0 / 255 + 1e-6);  // 8-bit quantisation
  std::filesystem::remove(p);
}

TEST(ImageIoTest, ErrorsNameTheFile) {
  const std::string p = tempPath("bad.png");
  writeFileAtomic(p, "this is not an image");
  try {
    (void)readImage(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
  }
  EXPECT_THROW((void)readImage(tempPath("missing.png")), Error);
  std::filesystem::remove(p);
}

TEST(ImageIoTest, ErrorMetricsClosedForm) {
  const at::Tensor a = at::zeros({1, 3, 2, 2}, at::kDouble);      // pixels 0.5
  const at::Tensor b = at::full({1, 3, 2, 2}, 0.2, at::kDouble);  // pixels 0.6
  const ImageError e = imageError(a, b);
  EXPECT_NEAR(e.mse, 0.01, 1e-12);
  EXPECT_NEAR(e.psnr, 20.0, 1e-9);
  EXPECT_TRUE(std::isinf(imageError(a, a).psnr));
}

TEST(ImageIoTest, GridLaysOutTilesWithScale) {
  Rgb8Image tile{2, 2, std::vector<uint8_t>(12, 0)};
  const Rgb8Image g = makeLabelledGrid({tile, tile, tile}, {}, 3, 2);
  EXPECT_EQ(g.height, 4 + 2 * 4);
  EXPECT_EQ(g.width, 3 * 4 + 4 * 4);
  EXPECT_EQ(g.pixels.size(), static_cast<size_t>(g.width * g.height * 3));
  EXPECT_EQ(g.pixels[(4 * g.width + 4) * 3], 0);  // inside the first tile
  EXPECT_EQ(g.pixels[0], 255);                    // padding is white
}

}  // namespace
}  // namespace ddim
