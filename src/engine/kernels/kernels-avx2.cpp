// SPDX-License-Identifier: Apache-2.0
// Kernel set "avx2": AVX2 + FMA: 16 ymm registers hold a 6 x 16 tile.
// Compiled with this set's flags (src/engine/CMakeLists.txt); see kernels-impl.h.
#define KERNELS_NS avx2
#define KERNELS_NAME "avx2"
#define KERNELS_VBYTES 32
#define KERNELS_MR 6
#include "kernels-impl.h"
