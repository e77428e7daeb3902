# Every dependency is a Debian 12 package. When one is missing we stop at configure time with the
# exact command that installs it, instead of a page of find_package() text.
set(PXCLONE_APT_PACKAGES "")

macro(pxclone_require_package name debian_package)
    find_package(${name} ${ARGN} QUIET)
    if(NOT ${name}_FOUND)
        list(APPEND PXCLONE_APT_PACKAGES ${debian_package})
    endif()
endmacro()

pxclone_require_package(CLI11 libcli11-dev CONFIG)
pxclone_require_package(CURL libcurl4-openssl-dev)
pxclone_require_package(yaml-cpp libyaml-cpp-dev CONFIG)
pxclone_require_package(fmt libfmt-dev CONFIG)
pxclone_require_package(nlohmann_json nlohmann-json3-dev CONFIG)
pxclone_require_package(Threads libc6-dev)
if(PXCLONE_BUILD_TESTS)
    pxclone_require_package(doctest doctest-dev CONFIG)
endif()

if(PXCLONE_BUILD_SIM)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
    endif()
    if(NOT HTTPLIB_FOUND)
        list(APPEND PXCLONE_APT_PACKAGES pkg-config libcpp-httplib-dev)
    endif()
endif()

if(PXCLONE_APT_PACKAGES)
    list(REMOVE_DUPLICATES PXCLONE_APT_PACKAGES)
    list(JOIN PXCLONE_APT_PACKAGES " " _missing)
    message(FATAL_ERROR
        "pxclone: missing build dependencies: ${_missing}\n"
        "Install them with:\n"
        "    sudo apt-get install -y ${_missing}\n"
        "or run scripts/install-deps.sh")
endif()
