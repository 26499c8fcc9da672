// Writes the seeds of fuzz_image_header: one small image in each format the header reader knows,
// drawn here (a gradient with a disc), encoded by OpenCV; GIF, which OpenCV does not write, as a
// 1 x 1 image spelled out byte by byte. Usage: make_image_seeds DIR
#include <cstdio>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_image_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  cv::Mat bgr(12, 16, CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 16, y * 20, 128);
  }
  cv::circle(bgr, cv::Point(8, 6), 4, cv::Scalar(255, 255, 255), cv::FILLED);
  cv::Mat gray, gray16, bgra;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  gray.convertTo(gray16, CV_16U, 257.0);
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);

  struct Seed {
    const char* name;
    const cv::Mat& image;
    std::vector<int> params;
  };
  const std::vector<Seed> seeds = {
      {"rgb.png", bgr, {}},
      {"rgba.png", bgra, {}},
      {"gray16.png", gray16, {}},
      {"rgb.jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 80}},
      {"progressive.jpg", bgr, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"gray.jpg", gray, {}},
      {"rgb.bmp", bgr, {}},
      {"rgb.tif", bgr, {cv::IMWRITE_TIFF_COMPRESSION, 1}},
      {"gray16.tif", gray16, {}},
      {"lossy.webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 50}},
      {"lossless.webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 101}},
      {"rgb.ppm", bgr, {}},
      {"gray.pgm", gray, {}},
  };
  for (const Seed& s : seeds) {
    if (!cv::imwrite(dir + "/" + s.name, s.image, s.params)) {
      std::fprintf(stderr, "make_image_seeds: cannot write %s\n", s.name);
      return 1;
    }
  }
  // Header, screen 1 x 1 with a two-colour table (black, white), image descriptor, LZW data, end.
  const char gif[] =
      "GIF87a\x01\x00\x01\x00\x80\x00\x00"
      "\x00\x00\x00\xFF\xFF\xFF"
      ",\x00\x00\x00\x00\x01\x00\x01\x00\x00"
      "\x02\x02\x44\x01\x00"
      ";";
  std::ofstream(dir + "/pixel.gif", std::ios::binary).write(gif, sizeof gif - 1);
  return 0;
}
