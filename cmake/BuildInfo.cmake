# Version, commit and library versions baked into the binary for `pxclone version -o json`.
find_package(Git QUIET)
set(PXCLONE_GIT_SHA "unknown")
if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
        OUTPUT_VARIABLE _sha OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
    if(_rc EQUAL 0 AND _sha)
        set(PXCLONE_GIT_SHA ${_sha})
    endif()
    # Re-configure when HEAD moves (checkout, commit), so that `pxclone version` never reports
    # the commit an old configure saw. Works in linked worktrees too (--git-path).
    foreach(_ref HEAD refs/heads)
        execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${_ref}
            WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
            OUTPUT_VARIABLE _path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
        if(_ref STREQUAL "refs/heads")
            execute_process(COMMAND ${GIT_EXECUTABLE} symbolic-ref -q HEAD
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE _branch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
            if(NOT _branch)
                continue()
            endif()
            execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${_branch}
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE _path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                RESULT_VARIABLE _rc)
        endif()
        if(_rc EQUAL 0 AND _path)
            get_filename_component(_path ${_path} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
            if(EXISTS ${_path})
                set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY
                    CMAKE_CONFIGURE_DEPENDS ${_path})
            endif()
        endif()
    endforeach()
endif()
if(NOT CMAKE_BUILD_TYPE)
    set(PXCLONE_BUILD_TYPE "unspecified")
else()
    set(PXCLONE_BUILD_TYPE ${CMAKE_BUILD_TYPE})
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_info.hpp.in
    ${PROJECT_BINARY_DIR}/generated/pxclone/build_info.hpp @ONLY)

# The completion scripts, embedded for `pxclone completion SHELL` (re-configured when they change).
foreach(_shell bash zsh fish)
    set(_file ${PROJECT_SOURCE_DIR}/completions/pxclone.${_shell})
    if(_shell STREQUAL "zsh")
        set(_file ${PROJECT_SOURCE_DIR}/completions/_pxclone)
    endif()
    file(READ ${_file} _text)
    if(_text MATCHES "\\)pxclone_script\"")
        message(FATAL_ERROR "${_file} contains the raw-string delimiter )pxclone_script\"")
    endif()
    string(TOUPPER ${_shell} _upper)
    set(PXCLONE_COMPLETION_${_upper} "${_text}")
    set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_file})
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/completion_scripts.hpp.in
    ${PROJECT_BINARY_DIR}/generated/pxclone/completion_scripts.hpp @ONLY)
