// SPDX-License-Identifier: Apache-2.0
// Kernel set "avx512vnni": the "avx512" set plus AVX-512 BW and VNNI, whose vpdpwssd
// runs the integer GEMM (int16 pairs into int32) in one instruction.
// Compiled with this set's flags (src/engine/CMakeLists.txt); see kernels-impl.h.
#define KERNELS_NS avx512vnni
#define KERNELS_NAME "avx512vnni"
#define KERNELS_VBYTES 64
#define KERNELS_MR 14
#include "kernels-impl.h"
