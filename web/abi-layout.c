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
_Static_assert(sizeof(void*) == 4, "inherent.mjs treats pointers as u32 offsets");
_Static_assert(sizeof(inherent_status) == 4, "inherent.mjs reads statuses as i32");

/* inherent.mjs writes max_frames as one u32 at offset 0 of a 4-byte block. A struct
 * with a single scalar field is also returned by value as that scalar in the wasm32
 * C ABI, which is how inherent.mjs reads inherent_frontend_default_params(); a second
 * field would switch that to a hidden result pointer, so the size is pinned too. */
_Static_assert(sizeof(inherent_frontend_params) == 4, "inherent.mjs: params are one u32");
_Static_assert(offsetof(inherent_frontend_params, max_frames) == 0, "inherent.mjs: max_frames at 0");

/* inherent_model_params: inherent.mjs writes kernels (left AUTO: the wasm build has one
 * kernel set) and precision as two 4-byte enums. inherent_session_params is passed as
 * NULL (defaults): no threads in the wasm build. */
_Static_assert(sizeof(inherent_model_params) == 8, "inherent.mjs: model params are two enums");
_Static_assert(offsetof(inherent_model_params, kernels) == 0, "inherent.mjs: kernels at 0");
_Static_assert(offsetof(inherent_model_params, precision) == 4, "inherent.mjs: precision at 4");

/* inherent_stream_params: inherent.mjs writes these eight 4-byte fields. Returned by
 * value, the struct comes back through a hidden result pointer (the first argument of
 * _inherent_stream_default_params), which inherent.mjs allocates. */
_Static_assert(sizeof(inherent_stream_params) == 32, "inherent.mjs: stream params are 32 bytes");
_Static_assert(offsetof(inherent_stream_params, window_ms) == 0, "inherent.mjs: window_ms at 0");
_Static_assert(offsetof(inherent_stream_params, hop_ms) == 4, "inherent.mjs: hop_ms at 4");
_Static_assert(offsetof(inherent_stream_params, smoothing) == 8, "inherent.mjs: smoothing at 8");
_Static_assert(offsetof(inherent_stream_params, hysteresis) == 12, "inherent.mjs: hysteresis (f32) at 12");
_Static_assert(offsetof(inherent_stream_params, max_pending) == 16, "inherent.mjs: max_pending at 16");
_Static_assert(offsetof(inherent_stream_params, partial) == 20, "inherent.mjs: partial at 20");
_Static_assert(offsetof(inherent_stream_params, n_threads) == 24,
               "inherent.mjs: n_threads at 24 (left at 1)");
_Static_assert(offsetof(inherent_stream_params, min_voiced_ms) == 28, "inherent.mjs: min_voiced_ms at 28");

/* inherent_stream_result: inherent.mjs reads it from a 128-byte block. */
_Static_assert(sizeof(inherent_stream_result) == 128, "inherent.mjs: results are 128 bytes");
_Static_assert(offsetof(inherent_stream_result, start_s) == 0, "inherent.mjs: start_s (f64) at 0");
_Static_assert(offsetof(inherent_stream_result, end_s) == 8, "inherent.mjs: end_s (f64) at 8");
_Static_assert(offsetof(inherent_stream_result, scores) == 16, "inherent.mjs: scores (13 f32) at 16");
_Static_assert(offsetof(inherent_stream_result, smoothed) == 68, "inherent.mjs: smoothed (13 f32) at 68");
_Static_assert(offsetof(inherent_stream_result, fired) == 120, "inherent.mjs: fired (u32) at 120");
_Static_assert(offsetof(inherent_stream_result, skipped) == 124, "inherent.mjs: skipped (u32) at 124");
_Static_assert(INHERENT_N_HEADS == 13, "inherent.mjs: N_HEADS");
/* inherent_model_n_params returns int64_t; emscripten legalizes it for JS into its low
 * 32 bits, which inherent.mjs reads (every model has fewer than 2^31 parameters). */
_Static_assert(sizeof(int64_t) == 8, "inherent.mjs: n_params is a legalized i64");

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
