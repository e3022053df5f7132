#pragma once
// The run's progress lines on stderr ("kiln: step 2/9: ..."): rank 0 speaks, unless --quiet. Callers escape what
// a node or a probe wrote (reports/printable): it must not drive the terminal.

#include <cstdio>
#include <string>

namespace kiln {

class RunProgress {
 public:
  explicit RunProgress(bool speaks) : speaks_(speaks) {}
  bool speaks() const { return speaks_; }
  void Say(const std::string& line) const {
    if (speaks_) std::fprintf(stderr, "kiln: %s\n", line.c_str());
  }

 private:
  bool speaks_;
};

}  // namespace kiln
