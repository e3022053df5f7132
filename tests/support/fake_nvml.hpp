#pragma once
// Drives libkiln_fake_nvml.so (tests/support/fake_nvml.cpp) from a test: the GPUs and counters it reports, in the
// state file it reads at every call. Write() replaces the file whole (a rename), so the fake never reads half of it.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kiln::testing {

class FakeNvml {
 public:
  FakeNvml(std::filesystem::path state_file, int devices) : path_(std::move(state_file)), devices_(devices) {
    Write();
  }

  // The library to load (KILN_NVML_LIBRARY) and the environment that points kiln at both.
  static std::string Library() { return KILN_FAKE_NVML_LIBRARY; }
  std::vector<std::string> Env() const {
    return {"KILN_NVML_LIBRARY=" + Library(), "KILN_FAKE_NVML_STATE=" + path_.string()};
  }
  const std::filesystem::path& path() const { return path_; }

  // Changes take effect at Write(). Keys: see tests/support/fake_nvml.cpp.
  FakeNvml& Set(int gpu, const std::string& key, unsigned long long value) {
    values_[{gpu, key}] = value;
    return *this;
  }
  FakeNvml& AddXid(int gpu, unsigned long long xid) {
    xids_.emplace_back(gpu, xid);
    return *this;
  }
  void Write() const {
    std::filesystem::path temporary = path_.string() + ".new";
    {
      std::ofstream out(temporary);
      out << "devices " << devices_ << "\n";
      for (const auto& [key, value] : values_) out << "gpu " << key.first << " " << key.second << " " << value << "\n";
      for (const auto& [gpu, xid] : xids_) out << "gpu " << gpu << " xid " << xid << "\n";
    }
    std::filesystem::rename(temporary, path_);
  }

 private:
  std::filesystem::path path_;
  int devices_;
  std::map<std::pair<int, std::string>, unsigned long long> values_;
  std::vector<std::pair<int, unsigned long long>> xids_;
};

}  // namespace kiln::testing
