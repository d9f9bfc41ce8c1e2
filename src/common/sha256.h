// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex. The metadata sidecar records
// the digest of every artifact so a runtime or a test can tell that the file it loads is
// the one the metadata describes.
#pragma once

#include <string>
#include <string_view>

namespace inherent {

std::string sha256_hex(std::string_view bytes);
// The same digest; portable = true keeps to the portable code even where the CPU has
// the x86 SHA extensions (tests compare the two).
std::string sha256_hex(std::string_view bytes, bool portable);

}  // namespace inherent
