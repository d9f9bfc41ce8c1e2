// SPDX-License-Identifier: Apache-2.0
// Kernel set "avx512": AVX-512 (F, VL, DQ) + FMA: 32 zmm registers hold a 14 x 32 tile.
// Compiled with this set's flags (src/engine/CMakeLists.txt); see kernels-impl.h.
#define KERNELS_NS avx512
#define KERNELS_NAME "avx512"
#define KERNELS_VBYTES 64
#define KERNELS_MR 14
#include "kernels-impl.h"
