# wasm32-wasi (WASI preview1) command modules with clang.
#
# With WASI_SDK_PATH set, the wasi-sdk there is used (its clang and sysroot). Without it,
# Debian's clang-19 with the wasi-libc and libc++-19-dev-wasm32 packages is used; that is the
# combination tested on this project's machines (see ../shared/TOOLCHAIN.md).

# CMake 3.25 ships no WASI platform module; Generic with our own settings is enough.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(EDGEPOST_PLATFORM wasi)
set(_wasi_target wasm32-wasi)

if(DEFINED ENV{WASI_SDK_PATH})
  set(_sdk "$ENV{WASI_SDK_PATH}")
  set(CMAKE_C_COMPILER "${_sdk}/bin/clang")
  set(CMAKE_CXX_COMPILER "${_sdk}/bin/clang++")
  set(CMAKE_AR "${_sdk}/bin/llvm-ar" CACHE FILEPATH "")
  set(CMAKE_RANLIB "${_sdk}/bin/llvm-ranlib" CACHE FILEPATH "")
  set(CMAKE_SYSROOT "${_sdk}/share/wasi-sysroot")
  set(_system_includes "")
else()
  find_program(_clangxx NAMES clang++-19 REQUIRED)
  find_program(_clang NAMES clang-19 REQUIRED)
  find_program(_llvm_ar NAMES llvm-ar-19 REQUIRED)
  find_program(_llvm_ranlib NAMES llvm-ranlib-19 REQUIRED)
  set(CMAKE_C_COMPILER "${_clang}")
  set(CMAKE_CXX_COMPILER "${_clangxx}")
  set(CMAKE_AR "${_llvm_ar}" CACHE FILEPATH "")
  set(CMAKE_RANLIB "${_llvm_ranlib}" CACHE FILEPATH "")
  # clang's default search path ends with the host's /usr/include, whose glibc headers would
  # leak into the wasm build; name the wasm32-wasi ones explicitly instead.
  set(_system_includes
      "-nostdlibinc -isystem /usr/include/wasm32-wasi/c++/v1 -isystem /usr/include/wasm32-wasi")
endif()

set(CMAKE_C_COMPILER_TARGET ${_wasi_target})
set(CMAKE_CXX_COMPILER_TARGET ${_wasi_target})
set(CMAKE_C_FLAGS_INIT "${_system_includes}")
# Debian's wasm libc++abi has no __cxa_throw: exceptions cannot exist in this build.
set(CMAKE_CXX_FLAGS_INIT "${_system_includes} -fno-exceptions -DJSON_NOEXCEPTION")

# clang-19 runs wasm-opt by itself whenever -O* reaches the link line, and cannot be told not
# to. Linking without the compile flags keeps optimisation a separate, explicit post-link step
# (edgepost_optimize_wasm in functions/CMakeLists.txt).
set(CMAKE_CXX_LINK_EXECUTABLE
    "<CMAKE_CXX_COMPILER> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
