# PXCLONE_PORTABLE: the release build (presets dist-amd64 and dist-arm64, scripts/release.sh).
#
# One binary that runs on any Linux with glibc >= 2.34 (Amazon Linux 2023, Ubuntu 22.04+, Debian 12+,
# RHEL 9+) whatever its C++ libraries: libstdc++, libgcc, fmt and yaml-cpp are linked statically;
# glibc stays dynamic (a static glibc cannot dlopen() libcurl, and getaddrinfo/NSS need it), and so
# does libcurl, which src/http/libcurl_api.cpp dlopen()s at run time as in every build.
# scripts/release.sh --check proves the result: NEEDED only libc/libm/ld-linux, no GLIBC_ symbol
# newer than 2.34.
option(PXCLONE_PORTABLE "Link everything but glibc and libcurl statically (release tarballs)" OFF)

# The fmt and yaml-cpp targets pxclone_core links.
set(PXCLONE_FMT_TARGET fmt::fmt)
set(PXCLONE_YAML_CPP_TARGET yaml-cpp)

if(PXCLONE_PORTABLE)
    # fmt: its header-only form (FMT_HEADER_ONLY), so no libfmt.so.9 and no libfmt.a is needed.
    set(PXCLONE_FMT_TARGET fmt::fmt-header-only)

    # yaml-cpp: Debian's libyaml-cpp-dev ships libyaml-cpp.a next to the .so its CMake package
    # imports; take the archive from the same directory, so the headers and the code match.
    get_target_property(_yaml_so yaml-cpp IMPORTED_LOCATION_NONE)
    if(NOT _yaml_so)
        get_target_property(_yaml_so yaml-cpp LOCATION)
    endif()
    get_filename_component(_yaml_dir "${_yaml_so}" DIRECTORY)
    find_library(PXCLONE_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a HINTS "${_yaml_dir}" NO_DEFAULT_PATH)
    if(NOT PXCLONE_YAML_CPP_ARCHIVE)
        message(FATAL_ERROR "pxclone: PXCLONE_PORTABLE needs libyaml-cpp.a in ${_yaml_dir}\n"
                            "Run scripts/install-deps.sh --release")
    endif()
    add_library(pxclone_yaml_cpp_static STATIC IMPORTED)
    set_target_properties(pxclone_yaml_cpp_static PROPERTIES
        IMPORTED_LOCATION "${PXCLONE_YAML_CPP_ARCHIVE}"
        INTERFACE_INCLUDE_DIRECTORIES "$<TARGET_PROPERTY:yaml-cpp,INTERFACE_INCLUDE_DIRECTORIES>"
        INTERFACE_COMPILE_DEFINITIONS YAML_CPP_STATIC_DEFINE)
    set(PXCLONE_YAML_CPP_TARGET pxclone_yaml_cpp_static)
    message(STATUS "pxclone: portable build, yaml-cpp from ${PXCLONE_YAML_CPP_ARCHIVE}")
endif()

# Makes `target` (an executable) portable: static libstdc++ and libgcc, and the two glibc symbols
# newer than 2.34 that GCC 12's static runtime references replaced by hidden definitions of the
# same contract: _dl_find_object (2.35, the unwinder) and arc4random (2.36, std::random_device);
# each file says why and how. scripts/release.sh --check fails if another one appears.
function(pxclone_make_portable target)
    if(NOT PXCLONE_PORTABLE)
        return()
    endif()
    target_sources(${target} PRIVATE
        ${PROJECT_SOURCE_DIR}/cmake/portable/dl_find_object.cpp
        ${PROJECT_SOURCE_DIR}/cmake/portable/arc4random.cpp)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc
        # A link that still needs a shared C++ library fails here rather than at a user's site.
        -Wl,--as-needed)
endfunction()
