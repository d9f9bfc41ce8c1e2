// SPDX-License-Identifier: Apache-2.0
// `inherent mel IN -o OUT.npy`: log-mel features of one audio file.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

void add_mel(CLI::App& app) {
  struct Opts {
    std::string input, output;
    size_t max_frames = INHERENT_MAX_FRAMES;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("mel", "Compute the log-mel features [T, 128] of an audio file");
  cmd->add_option("input", o->input, "Audio file (WAV/FLAC/OGG, any rate and channel count)")->required();
  cmd->add_option("-o,--output", o->output, "Output .npy (float32 [T, 128])")->required();
  cmd->add_option("--max-frames", o->max_frames,
                  "Keep at most this many 20 ms frames (0 = all; default 3000 = 60 s)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing on success");
  cmd->callback([o] {
    const Audio audio = Audio::read_file(o->input);
    inherent_frontend_params p = inherent_frontend_default_params();
    p.max_frames = o->max_frames;
    const Mel m = mel(audio.samples(), audio.n_samples(), p);
    write_npy(o->output, m.data.data(), {m.n_frames, INHERENT_N_MELS});
    const size_t all = (audio.n_samples() + INHERENT_HOP_LENGTH - 1) / INHERENT_HOP_LENGTH;
    if (m.n_frames < all)
      std::fprintf(stderr, "inherent mel: warning: %s lasts %.2f s; kept the first %zu frames (%.2f s)\n",
                   o->input.c_str(), audio.duration_s(), m.n_frames, m.n_frames * 0.02);
    if (!o->quiet)
      std::printf("%s: %.3f s (%d Hz, %d ch) -> %zu frames -> %s\n", o->input.c_str(), audio.duration_s(),
                  audio.source_rate(), audio.source_channels(), m.n_frames, o->output.c_str());
  });
}

}  // namespace inherent::cli
