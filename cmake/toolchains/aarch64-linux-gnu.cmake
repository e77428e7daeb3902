# Cross-compiling for arm64 (aarch64) on Debian with g++-aarch64-linux-gnu and the :arm64 packages
# of Debian multiarch (scripts/install-deps.sh --release installs both).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Libraries come from /usr/lib/aarch64-linux-gnu (multiarch) and, for libyaml-cpp-dev, which is
# not co-installable with its amd64 twin, from the tree install-deps.sh --release unpacks it into.
set(PXCLONE_ARM64_DEPS "${CMAKE_CURRENT_LIST_DIR}/../../build/deps-arm64" CACHE PATH
    "Where scripts/install-deps.sh --release unpacked the arm64 -dev packages that multiarch cannot co-install")
list(APPEND CMAKE_FIND_ROOT_PATH / "${PXCLONE_ARM64_DEPS}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (FindCURL asks it first) must describe the arm64 libraries, not the machine's own:
# the amd64 libcurl.pc would add -I/usr/include/x86_64-linux-gnu, amd64's glibc headers.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
