# Header-only libraries installed on the build host (nlohmann/json, Catch2) for the wasm
# builds. Their compilers must not search the host's /usr/include (glibc would leak in), so
# each library's folder is copied into a staging directory that holds nothing else.

function(edgepost_stage_host_headers out_dir)
  set(stage "${CMAKE_BINARY_DIR}/host-headers")
  foreach(header IN LISTS ARGN)  # e.g. nlohmann/json.hpp
    string(MAKE_C_IDENTIFIER "${header}" var)
    find_path(EDGEPOST_HEADER_${var} "${header}" PATHS /usr/include /usr/local/include
              NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH REQUIRED)
    get_filename_component(folder "${header}" DIRECTORY)
    file(COPY "${EDGEPOST_HEADER_${var}}/${folder}" DESTINATION "${stage}")
  endforeach()
  set(${out_dir} "${stage}" PARENT_SCOPE)
endfunction()
