// SPDX-License-Identifier: Apache-2.0
//
// Running the external tools some backends need: Python with MLX (the exported MLX
// function) and litert-lm-builder (the .litertlm package). Nothing here downloads
// anything; a missing tool is reported with the environment variable that names it.
#pragma once

#include <string>
#include <vector>

namespace inherent::exporter {

struct ProcessResult {
  int exit_code = -1;  // -1: could not start
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (searched in PATH when it has no '/') with argv, waits, captures output.
ProcessResult run_process(const std::vector<std::string>& argv);

// An executable: $env_var when set (must exist), else `name` in PATH, else `name`
// beside each of `also_beside` (e.g. the Python in use). "" when none is found.
std::string find_program(const std::string& name, const char* env_var,
                         const std::vector<std::string>& also_beside = {});

// The Python to run tool modules with: $INHERENT_PYTHON, else python3 in PATH ("" if none).
std::string find_python();

}  // namespace inherent::exporter
