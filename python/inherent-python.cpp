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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

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
    if (sample_rate <= 0)
      throw py::value_error("sample_rate must be > 0, got " + std::to_string(sample_rate));
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
      throw inherent::Exception(e.status(), std::string(e.what()) +
                                                " (2-D audio is read as (n_samples, n_channels), got shape " +
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

// ---------------------------------------------------------------------------------
// Engine: a model package + one session (whole clips); Stream: one per audio source.

// float32 [T, M] (or [B, T, M]) log-mels, C order.
using MelIn = py::array_t<float, py::array::c_style | py::array::forcecast>;
using ScoresOut = py::array_t<float>;

// A real-valued float array from obj, or a TypeError naming the dtype: forcecast alone
// would drop a complex array's imaginary part and turn booleans or objects into numbers.
MelIn real_floats(const py::object& obj, const char* what) {
  const py::array arr = py::array::ensure(obj);
  if (!arr) throw py::type_error(std::string(what) + " must be a numpy array or an array-like of numbers");
  const char kind = arr.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw py::type_error(std::string(what) + " must hold real numbers (float or int), got dtype " +
                         py::str(arr.dtype()).cast<std::string>() +
                         (kind == 'c' ? " (pass the magnitude or the real part explicitly)" : ""));
  return MelIn::ensure(arr);
}

// The one name parser (inherent.hpp), with Python's error type.
inherent_model_params model_params(const std::string& kernels, const std::string& precision) {
  try {
    return inherent::model_params(kernels, precision);
  } catch (const inherent::Exception& e) {
    throw py::value_error(e.what());
  }
}

py::list fired_names(uint32_t fired) {
  py::list out;
  for (const Head& h : kHeads)
    if (fired & (1u << h.index)) out.append(h.name);
  return out;
}

ScoresOut scores_array(const float* s) {
  ScoresOut out(INHERENT_N_HEADS);
  std::memcpy(out.mutable_data(), s, sizeof(float) * INHERENT_N_HEADS);
  return out;
}

// The model is immutable and shared; the session (scratch memory) is used by one
// thread at a time, so calls take the mutex with the GIL released.
class Engine {
 public:
  Engine(inherent::Model model, const inherent_session_params& session)
      : model_(std::move(model)), session_(model_, session) {}

  // trim_to_speech None: as the model's metadata says (scoring.trim_to_speech).
  static inherent_session_params session_params(int n_threads, uint32_t min_voiced_ms,
                                                std::optional<bool> trim_to_speech) {
    inherent_session_params p = inherent_session_default_params();
    p.n_threads = n_threads;
    p.min_voiced_ms = min_voiced_ms;
    p.trim_to_speech = trim_to_speech ? (*trim_to_speech ? 1 : 0) : -1;
    return p;
  }

  static std::unique_ptr<Engine> from_path(const fs::path& package, const std::string& kernels, int n_threads,
                                           const std::string& precision, uint32_t min_voiced_ms,
                                           std::optional<bool> trim_to_speech) {
    const inherent_model_params p = model_params(kernels, precision);
    try {
      py::gil_scoped_release release;
      return std::make_unique<Engine>(inherent::Model::from_file(package.string(), p),
                                      session_params(n_threads, min_voiced_ms, trim_to_speech));
    } catch (const inherent::Exception& e) {
      set_python_error(e, &package);
      throw py::error_already_set();
    }
  }

  static std::unique_ptr<Engine> from_bytes(const py::bytes& weights, const py::object& metadata,
                                            const std::string& kernels, int n_threads,
                                            const std::string& precision, uint32_t min_voiced_ms,
                                            std::optional<bool> trim_to_speech) {
    const inherent_model_params p = model_params(kernels, precision);
    std::string meta;
    if (!metadata.is_none())
      meta = py::isinstance<py::str>(metadata) ? metadata.cast<std::string>()
                                               : std::string(metadata.cast<py::bytes>());
    const std::string w = weights;
    py::gil_scoped_release release;
    return std::make_unique<Engine>(inherent::Model::from_memory(w.data(), w.size(), meta, p),
                                    session_params(n_threads, min_voiced_ms, trim_to_speech));
  }

  // mel [T, 128] -> (13,); [B, T, 128] -> (B, 13) (each clip scored alone, so clips
  // zero-padded to a common length score as they would alone).
  ScoresOut score_mel(const py::object& mel_in) {
    const MelIn mel = real_floats(mel_in, "mel");
    if ((mel.ndim() != 2 && mel.ndim() != 3) || mel.shape(mel.ndim() - 1) != INHERENT_N_MELS)
      throw py::value_error("mel must have shape (T, 128) or (B, T, 128), got " + shape_string(mel));
    const size_t t = static_cast<size_t>(mel.shape(mel.ndim() - 2));
    if (mel.ndim() == 2) {
      float s[INHERENT_N_HEADS];
      run([&] { inherent::check(inherent_session_score_mel(session_.get(), mel.data(), t, s)); });
      return scores_array(s);
    }
    const size_t b = static_cast<size_t>(mel.shape(0));
    ScoresOut out({b, static_cast<size_t>(INHERENT_N_HEADS)});
    float* dst = out.mutable_data();
    run([&] {
      for (size_t i = 0; i < b; ++i)
        inherent::check(inherent_session_score_mel(session_.get(), mel.data() + i * t * INHERENT_N_MELS, t,
                                                   dst + i * INHERENT_N_HEADS));
    });
    return out;
  }

  ScoresOut score_audio(const py::object& audio, int sample_rate) {
    const Samples x = as_samples(audio);
    if (x.ndim() != 1 && x.ndim() != 2)
      throw py::value_error("audio must be 1-D (n_samples,) or 2-D (n_samples, n_channels), got shape " +
                            shape_string(x));
    if (sample_rate <= 0)
      throw py::value_error("sample_rate must be > 0, got " + std::to_string(sample_rate));
    float s[INHERENT_N_HEADS];
    const size_t n = static_cast<size_t>(x.shape(0));
    if (x.ndim() == 1 && sample_rate == INHERENT_SAMPLE_RATE) {
      run([&] { inherent::check(inherent_session_score_audio(session_.get(), x.data(), n, s)); });
      return scores_array(s);
    }
    const int channels = x.ndim() == 2 ? static_cast<int>(x.shape(1)) : 1;
    run([&] {
      const inherent::Audio pcm = inherent::Audio::from_pcm(x.data(), n, channels, sample_rate);
      inherent::check(inherent_session_score_audio(session_.get(), pcm.samples(), pcm.n_samples(), s));
    });
    return scores_array(s);
  }

  ScoresOut score_file(const fs::path& path) {
    const inherent::Audio audio = read_file(path);
    float s[INHERENT_N_HEADS];
    run([&] {
      inherent::check(inherent_session_score_audio(session_.get(), audio.samples(), audio.n_samples(), s));
    });
    return scores_array(s);
  }

  py::list decide(const py::object& scores_in) const {
    const MelIn s = real_floats(scores_in, "scores");
    if (s.ndim() != 1 || s.shape(0) != INHERENT_N_HEADS)
      throw py::value_error("scores must have shape (13,)");
    uint32_t fired = 0;
    inherent::check(inherent_model_decide(model_.get(), s.data(), &fired));
    return fired_names(fired);
  }

  py::dict thresholds() const {
    py::dict d;
    for (const Head& h : kHeads) d[h.key] = shortest_decimal(model_.threshold(h.index));
    return d;
  }
  std::string metadata_json() const { return model_.metadata(); }
  std::string version() const { return model_.version(); }
  std::string kernels() const { return model_.kernels_name(); }
  std::string precision() const { return model_.precision() == INHERENT_PRECISION_INT8 ? "int8" : "float32"; }
  int64_t n_params() const { return model_.n_params(); }
  size_t voiced_frames() { return inherent_session_voiced_frames(session_.get()); }
  const inherent::Model& model() const { return model_; }

 private:
  template <typename F>
  void run(F&& f) {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    f();
  }

  inherent::Model model_;
  inherent::Session session_;
  std::mutex mu_;
};

struct StreamResult {
  double start_s, end_s;
  ScoresOut scores, smoothed;
  uint32_t fired_mask, skipped;

  py::list fired() const { return fired_names(fired_mask); }
  std::string repr() const {
    char buf[96];
    std::snprintf(buf, sizeof buf, "StreamResult(%.2f-%.2f s, fired=", start_s, end_s);
    return buf + py::str(fired()).cast<std::string>() + ")";
  }
};

class Stream {
 public:
  Stream(const Engine& engine, uint32_t window_ms, uint32_t hop_ms, uint32_t smoothing, float hysteresis,
         uint32_t max_pending, bool partial, int n_threads, uint32_t min_voiced_ms)
      : stream_(engine.model(), [&] {
          inherent_stream_params p = inherent_stream_default_params();
          p.window_ms = window_ms, p.hop_ms = hop_ms, p.smoothing = smoothing, p.hysteresis = hysteresis;
          p.max_pending = max_pending, p.partial = partial ? 1 : 0, p.n_threads = n_threads;
          p.min_voiced_ms = min_voiced_ms;
          return p;
        }()) {}

  void accept(const py::object& audio) {
    const Samples x = as_samples(audio);
    if (x.ndim() != 1)
      throw py::value_error("Stream.accept takes 1-D 16 kHz mono samples, got shape " + shape_string(x));
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    stream_.accept(x.data(), static_cast<size_t>(x.shape(0)));
  }
  void input_finished() {
    std::lock_guard<std::mutex> lock(mu_);
    stream_.input_finished();
  }
  size_t ready() {
    std::lock_guard<std::mutex> lock(mu_);
    return stream_.ready();
  }
  // Computes and returns every ready result, oldest first.
  py::list results() {
    std::vector<inherent_stream_result> rs;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);
      rs = stream_.results();
    }
    py::list out;
    for (const auto& r : rs)
      out.append(StreamResult{r.start_s, r.end_s, scores_array(r.scores), scores_array(r.smoothed), r.fired,
                              r.skipped});
    return out;
  }
  void reset() {
    std::lock_guard<std::mutex> lock(mu_);
    stream_.reset();
  }

 private:
  inherent::Stream stream_;
  std::mutex mu_;
};

py::array_t<float> load_audio(const fs::path& path) {
  const inherent::Audio audio = read_file(path);
  py::array_t<float> out(static_cast<py::ssize_t>(audio.n_samples()));
  if (audio.n_samples()) std::memcpy(out.mutable_data(), audio.samples(), audio.n_samples() * sizeof(float));
  return out;
}

// The frames [start, end) of mel (T, 128) that hold its speech.
py::tuple mel_speech_span(const py::object& mel_in) {
  const MelIn mel = real_floats(mel_in, "mel");
  if (mel.ndim() != 2 || mel.shape(1) != INHERENT_N_MELS)
    throw py::value_error("mel must have shape (T, 128), got " + shape_string(mel));
  size_t start = 0, end = 0;
  inherent::check(inherent_mel_speech_span(mel.data(), static_cast<size_t>(mel.shape(0)), &start, &end));
  return py::make_tuple(start, end);
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
                            "Batch log-mel frontend: audio -> float32 [T, 128] (docs/frontend.md).")
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

  py::class_<Engine>(m, "Engine",
                     "A model package loaded by the native engine: scores of log-mels, audio or files.")
      .def(py::init(&Engine::from_path), py::arg("package"), py::arg("kernels") = "auto",
           py::arg("n_threads") = 1, py::arg("precision") = "float32",
           py::arg("min_voiced_ms") = INHERENT_DEFAULT_MIN_VOICED_MS, py::arg("trim_to_speech") = py::none(),
           "Load a package directory (model.safetensors + inherent.metadata.json) or a single-file package.\n"
           "min_voiced_ms: inputs with less voiced sound score 0 on every head (0 turns the rule off).\n"
           "trim_to_speech: True scores only each input's speech span (mel_speech_span), False every frame;\n"
           "None (default) as the model's metadata says (scoring.trim_to_speech).")
      .def_static(
          "from_bytes", &Engine::from_bytes, py::arg("weights"), py::arg("metadata") = py::none(),
          py::arg("kernels") = "auto", py::arg("n_threads") = 1, py::arg("precision") = "float32",
          py::arg("min_voiced_ms") = INHERENT_DEFAULT_MIN_VOICED_MS, py::arg("trim_to_speech") = py::none(),
          "Load from memory: safetensors bytes and the metadata JSON (None: embedded in the weights).")
      .def("score_mel", &Engine::score_mel, py::arg("mel"),
           "Scores of log-mels (T, 128) -> (13,), or (B, T, 128) -> (B, 13). All-zero frames are padding.")
      .def("score_audio", &Engine::score_audio, py::arg("audio"),
           py::arg("sample_rate") = INHERENT_SAMPLE_RATE,
           "Scores of audio (n,) or (n, channels) at sample_rate (the first 60 s) -> (13,).")
      .def("score_file", &Engine::score_file, py::arg("path"),
           "Scores of an audio file (the first 60 s) -> (13,).")
      .def("decide", &Engine::decide, py::arg("scores"),
           "Names of the heads that fire for scores (13,) with the package thresholds (intents need the "
           "gate).")
      .def_property_readonly("thresholds", &Engine::thresholds, "Package thresholds by threshold key.")
      .def_property_readonly("metadata_json", &Engine::metadata_json,
                             "The package's inherent.metadata.json text.")
      .def_property_readonly("version", &Engine::version, "The package's model_version.")
      .def_property_readonly("kernels", &Engine::kernels,
                             "Kernel set in use: avx512vnni, avx512, avx2 or generic.")
      .def_property_readonly("precision", &Engine::precision, "float32 or int8 (see Engine()).")
      .def_property_readonly("n_params", &Engine::n_params, "Trained parameters.")
      .def_property_readonly(
          "voiced_frames", &Engine::voiced_frames,
          "Voiced 20 ms frames of the last input scored; below min_voiced_ms / 20 every score "
          "was 0 (too short or silent).");

  py::class_<StreamResult>(m, "StreamResult", "One window's result from a Stream.")
      .def_readonly("start_s", &StreamResult::start_s, "Window start, seconds since the stream began.")
      .def_readonly("end_s", &StreamResult::end_s, "Window end (the hop boundary), seconds.")
      .def_readonly("scores", &StreamResult::scores, "Model scores of the window, float32 (13,).")
      .def_readonly("smoothed", &StreamResult::smoothed, "The scores decisions used (moving average), (13,).")
      .def_readonly("fired_mask", &StreamResult::fired_mask, "Bit i set: head i fires.")
      .def_readonly("skipped", &StreamResult::skipped,
                    "Results dropped just before this one (reader too slow).")
      .def_property_readonly("fired", &StreamResult::fired, "Names of the heads that fire.")
      .def("__repr__", &StreamResult::repr);

  py::class_<Stream>(m, "Stream", "Scores every hop over a sliding window of live 16 kHz audio.")
      .def(py::init<const Engine&, uint32_t, uint32_t, uint32_t, float, uint32_t, bool, int, uint32_t>(),
           py::arg("engine"), py::arg("window_ms") = 2000, py::arg("hop_ms") = 100, py::arg("smoothing") = 1,
           py::arg("hysteresis") = 0.0f, py::arg("max_pending") = 64, py::arg("partial") = true,
           py::arg("n_threads") = 1, py::arg("min_voiced_ms") = INHERENT_DEFAULT_MIN_VOICED_MS,
           py::keep_alive<1, 2>())
      .def("accept", &Stream::accept, py::arg("samples"), "Append 16 kHz mono samples (any length).")
      .def("input_finished", &Stream::input_finished, "No more audio: the last result becomes ready.")
      .def_property_readonly("ready", &Stream::ready, "Results ready to compute.")
      .def("results", &Stream::results, "Compute and return every ready result, oldest first.")
      .def("reset", &Stream::reset, "Forget all audio, results and decision state.");

  m.def("mel_speech_span", &mel_speech_span, py::arg("mel"),
        "(start, end): the frames of a log-mel (T, 128) that hold its speech, 240 ms margin included; "
        "every frame for silence or steady noise (docs/engine.md, \"Speech span\").");
  m.def("load_audio", &load_audio, py::arg("path"),
        "Decode an audio file to float32 16 kHz mono samples (mixed down and resampled).");
}
