# SPDX-License-Identifier: Apache-2.0
# inherent_target_warnings(target): the project's warning set on one target.
function(inherent_target_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wfloat-conversion)
    if(INHERENT_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
