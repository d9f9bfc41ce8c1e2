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

}  // namespace inherent
