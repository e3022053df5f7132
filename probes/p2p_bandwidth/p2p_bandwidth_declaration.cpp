#include "probes/p2p_bandwidth/p2p_bandwidth.hpp"

namespace kiln {

GpuProbeDeclaration P2pBandwidthDeclaration() {
  return {"p2p_bandwidth",
          "GPU-to-GPU matrix within a node: copy engine and SM copies, unidirectional and bidirectional, latency",
          Scope::kNode,
          {{"size", ParamType::kBytes, "512MiB", "bytes per copy (nvbandwidth: 512MiB)"},
           {"samples", ParamType::kInt, "3", "timed copies per cell (nvbandwidth: median of 3)"},
           {"slow_fraction", ParamType::kDouble, "0.8", "a cell below this share of the median cell is flagged"}},
          {{"p2p.ce_unidir_bw", "GB/s", true, "cudaMemcpyPeerAsync, one direction, per GPU pair"},
           {"p2p.ce_bidir_bw", "GB/s", true, "cudaMemcpyPeerAsync, both directions at once"},
           {"p2p.sm_read_bw", "GB/s", true, "SM copy kernel reading from the peer"},
           {"p2p.sm_write_bw", "GB/s", true, "SM copy kernel writing to the peer"},
           {"p2p.latency", "us", false, "peer access latency"},
           {"p2p.slow_cells", "count", false, "pairs below slow_fraction of the median pair"}},
          {.failure_category = "NVLink"}};
}

}  // namespace kiln
