// SPDX-License-Identifier: Apache-2.0
//
// Serializes a tfl::Graph as a .tflite flatbuffer (schema version 3, identifier "TFL3")
// with the schema subset in tflite-schema.fbs: one subgraph, buffer 0 empty, one buffer
// per constant (16-byte aligned), a "serving_default" signature naming the contract
// tensors, and the graph's metadata entries. Also reads back what a file declares, so
// tests and the metadata can name the real tensor indices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "export/tflite-graph.h"

namespace inherent::exporter::tfl {

constexpr const char* kSignatureKey = "serving_default";

// Constants must be materialized (materialize_constants). Throws INTERNAL on a graph
// the format cannot hold.
std::string write_tflite(const Graph& g);

// What a written file declares (read back through the generated verifier).
struct FileSummary {
  struct Io {
    std::string name;
    int32_t tensor_index = -1;
    std::string type;
    std::vector<int32_t> shape, shape_signature;
  };
  std::vector<Io> inputs, outputs;
  std::vector<std::string> signature_keys;
  std::vector<std::string> op_names;  // one per operator, in order
  std::vector<std::string> metadata_names;
  size_t n_tensors = 0, n_buffers = 0;
};

// Verifies the flatbuffer and summarizes it; throws INVALID_MODEL when it does not verify.
FileSummary read_tflite_summary(const std::string& bytes);

}  // namespace inherent::exporter::tfl
