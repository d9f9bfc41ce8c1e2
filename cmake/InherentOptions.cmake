# SPDX-License-Identifier: Apache-2.0
# Namespaced options. Everything beyond the core library defaults to ON only when
# inherent is the top-level project, so add_subdirectory(inherent) stays light.
if(CMAKE_CURRENT_SOURCE_DIR STREQUAL CMAKE_SOURCE_DIR)
  set(INHERENT_STANDALONE ON)
else()
  set(INHERENT_STANDALONE OFF)
endif()

if(EMSCRIPTEN)
  set(_inherent_host OFF)
else()
  set(_inherent_host ${INHERENT_STANDALONE})
endif()

option(INHERENT_BUILD_TESTS "Build the tests" ${_inherent_host})
option(INHERENT_BUILD_TOOLS "Build the inherent CLI" ${_inherent_host})
option(INHERENT_BUILD_BENCH "Build the benchmarks" OFF)
option(INHERENT_BUILD_PYTHON "Build the Python module (normally built by pip via scikit-build-core)" OFF)
option(INHERENT_BUILD_WASM "Build the WebAssembly module (emscripten toolchain only)" ${EMSCRIPTEN})
option(INHERENT_BUILD_TRAIN "Build the LibTorch trainer" OFF)
option(INHERENT_BUILD_EXPORT "Build the exporters (ONNX, TFLite, MLX)" OFF)
option(INHERENT_BUILD_FUZZERS "Build libFuzzer targets (clang only)" OFF)
option(INHERENT_WITH_AUDIO_IO "Audio files via libsndfile and resampling via libsoxr" ${_inherent_host})
option(INHERENT_SANITIZE_ADDRESS "Build with AddressSanitizer" OFF)
option(INHERENT_SANITIZE_UNDEFINED "Build with UndefinedBehaviorSanitizer" OFF)
option(INHERENT_SANITIZE_THREAD "Build with ThreadSanitizer" OFF)
option(INHERENT_WERROR "Treat warnings as errors" OFF)
option(INHERENT_SHARED "Build libinherent as a shared library" OFF)
