/* SPDX-License-Identifier: Apache-2.0
 *
 * Pins what web/inherent.mjs assumes about the C ABI on wasm32. JS reads and writes
 * these bytes directly, so a change to inherent.h that moves them must stop the build
 * here instead of corrupting memory in a browser. This file defines no symbols: the
 * module exports exactly the functions listed in web/exports.txt.
 */
#include <stddef.h>

#include "inherent/inherent.h"

/* Out-parameters (n_frames, n_popped) and handles are read as 32-bit words. */
_Static_assert(sizeof(size_t) == 4, "inherent.mjs reads size_t as a u32");
_Static_assert(sizeof(void *) == 4, "inherent.mjs treats pointers as u32 offsets");
_Static_assert(sizeof(inherent_status) == 4, "inherent.mjs reads statuses as i32");

/* inherent.mjs writes max_frames as one u32 at offset 0 of a 4-byte block. A struct
 * with a single scalar field is also returned by value as that scalar in the wasm32
 * C ABI, which is how inherent.mjs reads inherent_frontend_default_params(); a second
 * field would switch that to a hidden result pointer, so the size is pinned too. */
_Static_assert(sizeof(inherent_frontend_params) == 4, "inherent.mjs: params are one u32");
_Static_assert(offsetof(inherent_frontend_params, max_frames) == 0, "inherent.mjs: max_frames at 0");

/* Frame rows are INHERENT_N_MELS floats; inherent.mjs sizes its buffers with these. */
_Static_assert(INHERENT_N_MELS == 128, "inherent.mjs: N_MELS");
_Static_assert(INHERENT_SAMPLE_RATE == 16000, "inherent.mjs: SAMPLE_RATE");
_Static_assert(INHERENT_HOP_LENGTH == 320, "inherent.mjs: HOP_LENGTH");
_Static_assert(INHERENT_WIN_LENGTH == 400, "inherent.mjs: WIN_LENGTH");
_Static_assert(INHERENT_MAX_FRAMES == 3000, "inherent.mjs: MAX_FRAMES");
_Static_assert(sizeof(float) == 4, "inherent.mjs: frames are Float32Array");

/* inherent.mjs's Status table. */
_Static_assert(INHERENT_STATUS_OK == 0 && INHERENT_STATUS_INVALID_ARGUMENT == 1 &&
                   INHERENT_STATUS_INVALID_AUDIO == 2 && INHERENT_STATUS_IO_ERROR == 3 &&
                   INHERENT_STATUS_UNSUPPORTED == 4 && INHERENT_STATUS_INVALID_STATE == 5 &&
                   INHERENT_STATUS_BUFFER_TOO_SMALL == 6 && INHERENT_STATUS_OUT_OF_MEMORY == 7 &&
                   INHERENT_STATUS_INVALID_MODEL == 8 && INHERENT_STATUS_INTERNAL == 9,
               "inherent.mjs: Status");

/* ISO C wants at least one declaration in a translation unit. */
typedef int inherent_abi_layout_checked;
