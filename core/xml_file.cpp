#include "core/xml_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace kiln {
namespace {

// Suites, baselines and simulated clusters are hand-written files: 64 MiB is far beyond any of them.
constexpr std::size_t kMaxXmlBytes = std::size_t{64} << 20;

}  // namespace

XmlFile XmlFile::Load(const std::string& path) {
  XmlFile file;
  file.path_ = path;
  file.text_ = ReadFile(path, kMaxXmlBytes);
  // Where each line starts, once: a line number is then a binary search, not a count from the top (which made
  // loading a suite of n steps take n^2 time).
  file.line_starts_.push_back(0);
  for (std::size_t i = file.text_.find('\n'); i != std::string::npos; i = file.text_.find('\n', i + 1)) {
    file.line_starts_.push_back(i + 1);
  }
  pugi::xml_parse_result result = file.doc_.load_buffer(file.text_.data(), file.text_.size());
  if (!result) {
    throw InputError(path, file.LineAtOffset(result.offset),
                     fmt::format("malformed XML: {}", result.description()));
  }
  if (!file.root()) throw InputError(path, 0, "no root element");
  return file;
}

int XmlFile::LineAtOffset(std::ptrdiff_t offset) const {
  if (offset < 0) return 0;
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), static_cast<std::size_t>(offset));
  return static_cast<int>(after - line_starts_.begin());
}

int XmlFile::LineOf(pugi::xml_node node) const { return LineAtOffset(node.offset_debug()); }

std::string XmlFile::Where(pugi::xml_node node) const {
  return fmt::format("{}:{}", path_, LineOf(node));
}

void XmlFile::Fail(pugi::xml_node node, const std::string& message) const {
  throw InputError(path_, LineOf(node), message);
}

void XmlFile::RequireAttributes(pugi::xml_node node,
                                std::initializer_list<std::string_view> allowed) const {
  for (pugi::xml_attribute attribute : node.attributes()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(attribute.name())) == allowed.end()) {
      std::string names;
      for (auto name : allowed) names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
      Fail(node, fmt::format("unknown attribute '{}' on <{}> (allowed: {})", attribute.name(),
                             node.name(), names));
    }
  }
}

std::string XmlFile::Required(pugi::xml_node node, const char* attribute) const {
  pugi::xml_attribute a = node.attribute(attribute);
  if (!a) Fail(node, fmt::format("<{}> needs attribute '{}'", node.name(), attribute));
  return a.value();
}

std::string XmlFile::RequireRoot(std::string_view name, std::initializer_list<std::string_view> versions) const {
  pugi::xml_node node = root();
  if (std::string_view(node.name()) != name) {
    Fail(node, fmt::format("root element is <{}>, expected <{}>", node.name(), name));
  }
  if (versions.size() == 0) return "";
  std::string_view version = node.attribute("version").as_string("1");
  for (std::string_view known : versions) {
    if (version == known) return std::string(version);
  }
  Fail(node, fmt::format("unsupported {} version '{}' (this Kiln reads {})", name, version, fmt::join(versions, ", ")));
}

}  // namespace kiln
