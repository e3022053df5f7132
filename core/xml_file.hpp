#pragma once
// An XML input file read with pugixml, with the line numbers that error messages need.

#include <pugixml.hpp>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

class XmlFile {
 public:
  // Throws InputError naming the file (and the line, for a parse error) when unreadable or malformed.
  static XmlFile Load(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  pugi::xml_node root() const { return doc_.document_element(); }
  int LineOf(pugi::xml_node node) const;  // 1-based; 0 when unknown. O(log lines)
  std::string Where(pugi::xml_node node) const;  // "file:line"

  // The root element, which must be <name>; its version attribute (absent: "1") must be one of `versions`
  // (empty: no version attribute is read). Returns the version. Throws InputError naming file and line.
  std::string RequireRoot(std::string_view name, std::initializer_list<std::string_view> versions) const;
  // Throws InputError at `node` if it has an attribute not in `allowed` or a child element at all
  // when `allow_children` is false.
  void RequireAttributes(pugi::xml_node node, std::initializer_list<std::string_view> allowed) const;
  // The value of a required attribute, or InputError naming it.
  std::string Required(pugi::xml_node node, const char* attribute) const;
  [[noreturn]] void Fail(pugi::xml_node node, const std::string& message) const;

 private:
  int LineAtOffset(std::ptrdiff_t offset) const;
  std::string path_;
  std::string text_;
  std::vector<std::size_t> line_starts_;  // offset of each line's first byte
  pugi::xml_document doc_;
};

}  // namespace kiln
