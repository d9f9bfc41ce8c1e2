// SPDX-License-Identifier: Apache-2.0
//
// inherent._inherent: the Python face of inherent. Everything goes through the C ABI
// (inherent.h) and its RAII layer (inherent.hpp), never the internal classes, so Python
// users run exactly what C users get.
//
// Shapes: N samples, C channels, T frames, M = 128 mel bins. Mel outputs are float32
// [T, M] in C order, allocated once by numpy and written in place by the C ABI.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "inherent/inherent.h"
#include "inherent/inherent.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace {

// float32, C order. A float32 C-contiguous array passes through as the same object.
using Samples = py::array_t<float, py::array::c_style | py::array::forcecast>;
using Mel = py::array_t<float>;  // (T, M)

// ---------------------------------------------------------------------------------
// Head table, expanded from heads.inc (the one list every component shares).

struct Head {
  int index;
  const char* name;
  const char* key;
  float threshold;
};
constexpr Head kHeads[] = {
#define INHERENT_HEAD(index, name, key, threshold) {index, #name, #key, threshold},
#include "inherent/heads.inc"
#undef INHERENT_HEAD
};
static_assert(std::size(kHeads) == INHERENT_N_HEADS, "heads.inc must list INHERENT_N_HEADS heads");
constexpr bool heads_in_order() {
  for (size_t i = 0; i < std::size(kHeads); ++i)
    if (kHeads[i].index != static_cast<int>(i)) return false;
  return true;
}
static_assert(heads_in_order(), "heads.inc rows must be listed in index order");

// The shortest decimal that reads back as the same float: Python sees 0.57, not the
// float32 0.5699999928474426, and float32(value) is still the table's threshold.
double shortest_decimal(float f) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf) - 1, f);
  *r.ptr = '\0';
  return std::strtod(buf, nullptr);
}

// ---------------------------------------------------------------------------------
// Errors: inherent::Exception (status + the C ABI's message) -> a Python exception.

// Sets the Python error for a failed call; file is the path being read, if any, so
// that a missing file becomes FileNotFoundError. The status name is kept as `.status`.
void set_python_error(const inherent::Exception& e, const fs::path* file) {
  const py::str msg(e.what());
  py::object exc;
  switch (e.status()) {
    case INHERENT_STATUS_INVALID_ARGUMENT:
    case INHERENT_STATUS_INVALID_AUDIO:
      exc = py::handle(PyExc_ValueError)(msg);
      break;
    case INHERENT_STATUS_IO_ERROR: {
      std::error_code ec;
      const bool missing = file && !fs::exists(*file, ec) && !ec;
      exc = missing ? py::handle(PyExc_FileNotFoundError)(ENOENT, msg) : py::handle(PyExc_OSError)(msg);
      break;
    }
    case INHERENT_STATUS_OUT_OF_MEMORY:
      exc = py::handle(PyExc_MemoryError)(msg);
      break;
    default:
      exc = py::handle(PyExc_RuntimeError)(msg);
      break;
  }
  exc.attr("status") = inherent_status_string(e.status());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
}

// Decodes a file with the GIL released; errors name the file.
inherent::Audio read_file(const fs::path& path) {
  try {
    py::gil_scoped_release release;
    return inherent::Audio::read_file(path.string());
  } catch (const inherent::Exception& e) {
    set_python_error(e, &path);
    throw py::error_already_set();
  }
}

// ---------------------------------------------------------------------------------
// numpy input -> float32 samples.

// Any real array-like -> float32 C order. float32 C-contiguous input is not copied;
// other float dtypes and strides are converted; integer PCM is scaled to [-1, 1] the
// way libsndfile scales integer files (int16 / 32768, uint8 (x - 128) / 128, ...), so
// a clip gives the same frames whether it arrives as a file or as an array.
Samples as_samples(const py::object& audio) {
  py::array arr = py::array::ensure(audio);
  if (!arr) throw py::type_error("audio must be a numpy array or an array-like of numbers");
  const char kind = arr.dtype().kind();
  if (kind == 'f') return Samples::ensure(arr);
  if (kind != 'i' && kind != 'u')
    throw py::type_error("audio must be float or integer PCM, got dtype " +
                         py::str(arr.dtype()).cast<std::string>());
  // Through double: exact for every integer PCM width up to 32 bits.
  const auto wide = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
  if (!wide) throw py::error_already_set();
  const int bits = static_cast<int>(arr.dtype().itemsize()) * 8;
  const double full_scale = std::ldexp(1.0, bits - 1);
  const double offset = kind == 'u' ? full_scale : 0.0;
  Samples out(std::vector<py::ssize_t>(wide.shape(), wide.shape() + wide.ndim()));
  const double* src = wide.data();
  float* dst = out.mutable_data();
  for (py::ssize_t i = 0; i < wide.size(); ++i) dst[i] = static_cast<float>((src[i] - offset) / full_scale);
  return out;
}

std::string shape_string(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) s += (d ? ", " : "") + std::to_string(a.shape(d));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// ---------------------------------------------------------------------------------
// Batch frontend.

class AudioFrontend {
 public:
  explicit AudioFrontend(long long max_frames) : params_(inherent_frontend_default_params()) {
    if (max_frames < 0) throw py::value_error("max_frames must be >= 0 (0 = no limit)");
    params_.max_frames = static_cast<size_t>(max_frames);
  }

  size_t max_frames() const { return params_.max_frames; }

  size_t n_frames(long long n_samples) const {
    if (n_samples < 0) throw py::value_error("n_samples must be >= 0");
    size_t t = 0;
    inherent::check(inherent_mel_n_frames(static_cast<size_t>(n_samples), &params_, &t));
    return t;
  }

  Mel wav_to_mel(const fs::path& path) const {
    const inherent::Audio audio = read_file(path);
    return mel(audio.samples(), audio.n_samples());
  }

  Mel audio_to_mel(const py::object& audio, int sample_rate) const {
    const Samples x = as_samples(audio);
    if (x.ndim() != 1 && x.ndim() != 2)
      throw py::value_error("audio must be 1-D (n_samples,) or 2-D (n_samples, n_channels), got shape " +
                            shape_string(x));
    if (sample_rate <= 0) throw py::value_error("sample_rate must be > 0, got " + std::to_string(sample_rate));
    const size_t n = static_cast<size_t>(x.shape(0));
    const py::ssize_t channels = x.ndim() == 2 ? x.shape(1) : 1;
    if (channels < 1)
      throw py::value_error("audio must have at least one channel, got shape " + shape_string(x));
    // 16 kHz mono: straight from the caller's buffer.
    if (x.ndim() == 1 && sample_rate == INHERENT_SAMPLE_RATE) return mel(x.data(), n);
    // Nothing to mix or resample: one floor frame, as for empty 16 kHz input.
    if (n == 0) return mel(nullptr, 0);
    // Mix down and resample in the C ABI, then read the 16 kHz samples in place.
    std::optional<inherent::Audio> pcm;
    try {
      py::gil_scoped_release release;
      const int c = static_cast<int>(std::min<py::ssize_t>(channels, INT_MAX));  // the C ABI range-checks it
      pcm.emplace(inherent::Audio::from_pcm(x.data(), n, c, sample_rate));
    } catch (const inherent::Exception& e) {
      if (x.ndim() != 2 || e.status() != INHERENT_STATUS_INVALID_ARGUMENT) throw;
      // The usual mistake is librosa's (channels, n) layout: say which one we read.
      throw inherent::Exception(e.status(), std::string(e.what()) + " (2-D audio is read as (n_samples, n_channels), got shape " +
                                                shape_string(x) + ")");
    }
    return mel(pcm->samples(), pcm->n_samples());
  }

  std::string repr() const { return "AudioFrontend(max_frames=" + std::to_string(params_.max_frames) + ")"; }

 private:
  // samples: (n,) at 16 kHz, kept alive by the caller. Called with the GIL held.
  Mel mel(const float* samples, size_t n) const {
    size_t t = 0;
    inherent::check(inherent_mel_n_frames(n, &params_, &t));
    Mel out({t, static_cast<size_t>(INHERENT_N_MELS)});
    float* dst = out.mutable_data();
    {
      py::gil_scoped_release release;
      inherent::check(inherent_mel_compute(samples, n, &params_, dst, t, &t));
    }
    return out;
  }

  inherent_frontend_params params_;
};

// ---------------------------------------------------------------------------------
// Streaming frontend.

// A C handle may be used by one thread at a time. accept() releases the GIL, so the
// mutex keeps two Python threads sharing one Frontend from racing. It is only ever
// waited for while holding the GIL by code that never needs the GIL under the lock,
// so the two cannot deadlock.
class Frontend {
 public:
  Frontend() = default;

  void accept(const py::object& audio) {
    const Samples x = as_samples(audio);
    if (x.ndim() != 1)
      throw py::value_error("Frontend.accept takes 1-D 16 kHz mono samples, got shape " + shape_string(x));
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    fe_.accept(x.data(), static_cast<size_t>(x.shape(0)));
  }

  void input_finished() {
    std::lock_guard<std::mutex> lock(mu_);
    fe_.input_finished();
  }

  size_t frames_ready() {
    std::lock_guard<std::mutex> lock(mu_);
    return fe_.frames_ready();
  }

  size_t frames_emitted() {
    std::lock_guard<std::mutex> lock(mu_);
    return fe_.frames_emitted();
  }

  // Pops into one numpy array, (n, M), oldest frame first.
  py::object pop_frames(std::optional<long long> max_frames) {
    if (max_frames && *max_frames < 0) throw py::value_error("max_frames must be >= 0");
    size_t n = frames_ready();
    if (max_frames) n = std::min(n, static_cast<size_t>(*max_frames));
    Mel out({n, static_cast<size_t>(INHERENT_N_MELS)});  // allocated outside the lock
    size_t got = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      inherent::check(inherent_frontend_pop_frames(fe_.get(), out.mutable_data(), n, &got));
    }
    if (got == n) return out;
    return out[py::slice(0, static_cast<py::ssize_t>(got), 1)];  // another thread popped first
  }

  void reset() {
    std::lock_guard<std::mutex> lock(mu_);
    fe_.reset();
  }

 private:
  inherent::Frontend fe_;
  std::mutex mu_;
};

py::array_t<float> load_audio(const fs::path& path) {
  const inherent::Audio audio = read_file(path);
  py::array_t<float> out(static_cast<py::ssize_t>(audio.n_samples()));
  if (audio.n_samples()) std::memcpy(out.mutable_data(), audio.samples(), audio.n_samples() * sizeof(float));
  return out;
}

}  // namespace

PYBIND11_MODULE(_inherent, m) {
  m.doc() = "inherent: a speech gate for voice assistants (native module; import `inherent`).";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const inherent::Exception& e) {
      set_python_error(e, nullptr);
    }
  });

  // Constants: the C header's macros and the heads.inc table, never retyped.
  m.attr("__version__") = inherent_version();
  m.attr("N_HEADS") = INHERENT_N_HEADS;
  m.attr("SAMPLE_RATE") = INHERENT_SAMPLE_RATE;
  m.attr("N_MELS") = INHERENT_N_MELS;
  m.attr("WIN_LENGTH") = INHERENT_WIN_LENGTH;
  m.attr("HOP_LENGTH") = INHERENT_HOP_LENGTH;
  m.attr("N_FFT") = INHERENT_N_FFT;
  m.attr("MAX_FRAMES") = INHERENT_MAX_FRAMES;
  py::list names, keys;
  py::dict thresholds;
  for (const Head& h : kHeads) {
    names.append(h.name);
    keys.append(h.key);
    thresholds[h.key] = shortest_decimal(h.threshold);
  }
  m.attr("HEAD_ORDER") = py::tuple(names);
  m.attr("THRESHOLD_KEYS") = py::tuple(keys);
  m.attr("DEFAULT_THRESHOLDS") = thresholds;

  py::class_<AudioFrontend>(m, "AudioFrontend",
                            "Batch log-mel frontend: audio -> float32 [T, 128] (the DESIGN.md spec).")
      .def(py::init<long long>(), py::arg("max_frames") = INHERENT_MAX_FRAMES,
           "max_frames: frames per call at most (default 3000 = 60 s); 0 = no limit.")
      .def_property_readonly("max_frames", &AudioFrontend::max_frames)
      .def("n_frames", &AudioFrontend::n_frames, py::arg("n_samples"),
           "Frames produced for n_samples 16 kHz samples: max(1, ceil(n / 320)), capped at max_frames.")
      .def("wav_to_mel", &AudioFrontend::wav_to_mel, py::arg("path"),
           "Decode any file libsndfile reads, mix to mono, resample to 16 kHz, return [T, 128].")
      .def("audio_to_mel", &AudioFrontend::audio_to_mel, py::arg("audio"),
           py::arg("sample_rate") = INHERENT_SAMPLE_RATE,
           "Log-mel of (n,) mono or (n, channels) audio at sample_rate, returned as [T, 128].")
      .def("__repr__", &AudioFrontend::repr);

  py::class_<Frontend>(m, "Frontend",
                       "Streaming log-mel frontend; frames equal AudioFrontend(max_frames=0) bit for bit.")
      .def(py::init<>())
      .def("accept", &Frontend::accept, py::arg("samples"), "Append 16 kHz mono samples (any length).")
      .def("input_finished", &Frontend::input_finished, "No more input: emit the zero-padded tail frames.")
      .def("pop_frames", &Frontend::pop_frames, py::arg("max_frames") = py::none(),
           "Remove and return ready frames as float32 [n, 128], oldest first.")
      .def_property_readonly("frames_ready", &Frontend::frames_ready)
      .def_property_readonly("frames_emitted", &Frontend::frames_emitted)
      .def("reset", &Frontend::reset, "Forget all samples and frames; start a new clip.");

  m.def("load_audio", &load_audio, py::arg("path"),
        "Decode an audio file to float32 16 kHz mono samples (mixed down and resampled).");
}
