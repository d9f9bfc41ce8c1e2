// SPDX-License-Identifier: Apache-2.0
//
// Checkpoint directories that a kill at any moment cannot leave half written. A
// checkpoint (last/, best/) is a directory of files written under a temporary name
// beside it, each file fsynced, then swapped with the previous one in a single
// renameat2(RENAME_EXCHANGE) (where the file system lacks it: two renames, and
// find_checkpoint repairs the window between them). So the directory name always
// holds one complete checkpoint: the old one or the new one.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace inherent::train {

// Files are (name, bytes); `complete_marker` names the file written last (its presence
// marks a complete checkpoint).
void write_checkpoint_dir(const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& files,
                          const std::string& complete_marker);

// The complete checkpoint at path, repairing an interrupted swap first; nullopt when
// there is none. Removes stale temporaries of earlier runs.
std::optional<std::string> find_checkpoint_dir(const std::string& path, const std::string& complete_marker);

}  // namespace inherent::train
