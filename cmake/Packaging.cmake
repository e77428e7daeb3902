# `cpack` in a build directory makes pxclone_<version>_<arch>.deb from what `cmake --install`
# installs: the binary, the kubectl-pxclone symlink, the man pages and the shell completions. Its
# Depends are computed by dpkg-shlibdeps from the libraries the binary links (libyaml-cpp0.7,
# libfmt9, libc6, libstdc++6, libgcc-s1 on Debian 12), so they cannot drift from the build (the
# portable build's are fixed below), plus libcurl4, named here because
# pxclone loads libcurl.so.4 with dlopen() (src/http/libcurl_api.hpp) and dpkg-shlibdeps cannot see
# it. 7.77.0 is the first libcurl with every option pxclone sets (CURLOPT_CAINFO_BLOB).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pxclone)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Production data into test pipelines, safely")
set(CPACK_PACKAGE_DESCRIPTION
    "pxclone takes labelled, traceable snapshots of a stateful application's production volumes
through the Portworx (OpenStorage SDK) REST API, clones them into a writable staging
environment on Kubernetes (namespace, volumes, manifests, data masking) and tears down again
what it made. A YAML pipeline profile drives it; see pxclone(1) and pxclone-profile(5).")
set(CPACK_PACKAGE_CONTACT "pxclone maintainers <pxclone@example.com>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/example/pxclone")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(PXCLONE_PORTABLE)
    # The release .deb (scripts/release.sh) is made from the portable binary, which links only
    # glibc (no symbol newer than 2.34, checked by scripts/release.sh --check): it installs on
    # Debian 12 and Ubuntu 22.04 alike, whatever their fmt and yaml-cpp packages are called.
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libcurl4 (>= 7.77.0)")
else()
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= 7.77.0)")
endif()
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
    # cpack would ask dpkg for the build machine's architecture.
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
endif()
# kubectl is not needed by pxclone itself, but the example hooks and most pipelines use it.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "kubectl, bash-completion")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)

if(PXCLONE_BUILD_TESTS)
    # `cmake --install` into a staging DESTDIR installs exactly the files the package ships.
    add_test(NAME package/install
        COMMAND bash ${PROJECT_SOURCE_DIR}/tests/docs/install.sh
            ${CMAKE_COMMAND} ${PROJECT_BINARY_DIR} $<BOOL:${PXCLONE_BUILD_DOCS}>
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
