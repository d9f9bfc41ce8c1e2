// SPDX-License-Identifier: Apache-2.0
// Kernel set "generic": the build target's 128-bit vectors (SSE2, NEON, WebAssembly SIMD128): a 6 x 8 tile.
// Compiled with this set's flags (src/engine/CMakeLists.txt); see kernels-impl.h.
#define KERNELS_NS generic
#define KERNELS_NAME "generic"
#define KERNELS_VBYTES 16
#define KERNELS_MR 6
#include "kernels-impl.h"
