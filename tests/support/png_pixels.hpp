#pragma once
// Reads a PNG screenshot (libpng's simplified API) and counts the pixels of a colour: what a browser test
// checks to see that a chart's lines, bounds and legend were actually painted, not only present in the DOM.

#include <png.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::testing {

struct Pixels {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // 3 bytes a pixel, row after row
};

inline Pixels ReadPng(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    throw std::runtime_error(path + ": not a PNG libpng can read: " + image.message);
  }
  image.format = PNG_FORMAT_RGB;
  Pixels pixels;
  pixels.width = static_cast<int>(image.width);
  pixels.height = static_cast<int>(image.height);
  pixels.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.rgb.data(), 0, nullptr)) {
    throw std::runtime_error(path + ": " + image.message);
  }
  return pixels;
}

// Pixels within `tolerance` of #rrggbb on every channel (anti-aliased edges fall outside; solid strokes do not).
inline int CountColour(const Pixels& pixels, const std::string& hex, int tolerance = 6) {
  long value = std::strtol(hex.c_str() + 1, nullptr, 16);
  int want[3] = {static_cast<int>((value >> 16) & 0xff), static_cast<int>((value >> 8) & 0xff),
                 static_cast<int>(value & 0xff)};
  int count = 0;
  for (std::size_t i = 0; i + 2 < pixels.rgb.size(); i += 3) {
    bool near = true;
    for (int c = 0; c < 3 && near; ++c) near = std::abs(pixels.rgb[i + static_cast<std::size_t>(c)] - want[c]) <= tolerance;
    count += near ? 1 : 0;
  }
  return count;
}

}  // namespace kiln::testing
