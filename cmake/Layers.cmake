# The architecture's layers as build targets.
#
# ecsd_layer_headers(<target> <dir>...): the layer's headers are reachable only
# by the layer itself and by what links it. Each layer gets its own include
# root under the build tree holding links to just its own folders
# (src/dispatch -> "dispatch/...", include/ecsd/domain -> "ecsd/domain/...");
# no target is given src/ or include/ whole, so including a layer you do not
# depend on fails to compile.
function(ecsd_layer_headers target)
  set(root "${PROJECT_BINARY_DIR}/layers/${target}")
  foreach(dir IN LISTS ARGN)
    string(REGEX REPLACE "^(src|include)/" "" name "${dir}")
    get_filename_component(parent "${root}/${name}" DIRECTORY)
    file(MAKE_DIRECTORY "${parent}")
    file(REMOVE "${root}/${name}")
    file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${dir}" "${root}/${name}" SYMBOLIC)
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE "${root}")
  else()
    target_include_directories(${target} PUBLIC "${root}")
  endif()
endfunction()

# ecsd_plain_layer(<target>): the layer is plain C++. SQLite, Beast and Asio
# live in the store and the network layers only; in a plain layer their
# headers resolve to cmake/forbidden/, whose #error names the rule.
function(ecsd_plain_layer target)
  target_include_directories(${target} BEFORE PRIVATE "${PROJECT_SOURCE_DIR}/cmake/forbidden")
endfunction()
