# pxclone_add_doctest_files(TARGET PREFIX SOURCES...): one ctest test per doctest source file,
# named PREFIX<file stem>, running only that file's cases (doctest's --source-file filter).
#
# Why per file and not per case (doctest_discover_tests): under ASan+UBSan at -O0 every process
# start of a test binary costs ~0.6–1 s of CPU (UBSan's check-site data, ASan's global
# registration, LeakSanitizer's scan at exit), so ~350 single-case processes spent minutes of CI
# starting up. A failing file's output still names the failing case and its assertion.
function(pxclone_add_doctest_files target prefix)
    foreach(source ${ARGN})
        get_filename_component(stem ${source} NAME_WE)
        file(STRINGS ${source} cases REGEX "TEST_CASE" LIMIT_COUNT 1)
        if(NOT cases)
            continue() # doctest's main() and support files: no cases of their own
        endif()
        add_test(NAME ${prefix}${stem}
            COMMAND $<TARGET_FILE:${target}> --source-file=*/${stem}.cpp --no-version
            WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
        # A file whose cases all vanished (renamed, filtered) must not pass silently: doctest
        # prints "test cases: 0 | 0 passed" when nothing ran.
        set_tests_properties(${prefix}${stem} PROPERTIES FAIL_REGULAR_EXPRESSION "test cases: +0 \\|")
    endforeach()
endfunction()
