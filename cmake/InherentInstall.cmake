# SPDX-License-Identifier: Apache-2.0
# Installs the C ABI library and headers with a CMake package (find_package(inherent)).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
if(EMSCRIPTEN)
  return()
endif()
# libinherent links the engine and its dependency-free helpers statically.
set(_inherent_installed inherent inherent-frontend inherent-engine inherent-safetensors inherent-json inherent-sha256)
if(INHERENT_WITH_AUDIO_IO)
  list(APPEND _inherent_installed inherent-audio)
endif()
install(TARGETS ${_inherent_installed} EXPORT inherent-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/inherent DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT inherent-targets NAMESPACE inherent:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/inherent)
configure_package_config_file(cmake/inherent-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/inherent-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/inherent)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/inherent-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/inherent-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/inherent-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/inherent)
