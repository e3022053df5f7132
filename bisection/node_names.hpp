#pragma once
// The cluster's node names, parsed once, so that the report can write many node lists of a large search as
// hostlists quickly: the same text as NodeListJson (core/hostlist.hpp) of those names, from node indices, without
// parsing every name again for every list (at 65,536 nodes the report's lists held four million names).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kiln {

class NodeNames {
 public:
  explicit NodeNames(const std::vector<std::string>& names);
  // NodeListJson of the names of `nodes` (indices into the names given), byte for byte.
  nlohmann::json List(const std::vector<int>& nodes) const;

 private:
  struct Parsed {
    int key = -1;                 // index into keys_: prefix and width; -1 for a name without a number
    unsigned long long number = 0;
  };
  struct Key {
    std::string prefix;
    std::size_t width = 0;
  };
  const std::vector<std::string>& names_;
  std::vector<Parsed> parsed_;
  std::vector<Key> keys_;
  std::vector<char> special_;  // names the hostlist notation cannot carry
};

}  // namespace kiln
