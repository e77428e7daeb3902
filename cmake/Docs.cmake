# Man pages (man/*.scd → build/man/*.{1,5} with scdoc), shell completions (completions/) and the
# JSON Schemas of the output (docs/schema/), their installation, and the tests that keep them true
# to the binary.
option(PXCLONE_BUILD_DOCS "Build the man pages with scdoc" ON)
include(GNUInstallDirs)

set(PXCLONE_MAN_PAGES pxclone.1 pxclone-profile.5)
set(PXCLONE_MAN_DIR ${PROJECT_BINARY_DIR}/man)

if(PXCLONE_BUILD_DOCS)
    find_program(SCDOC_EXECUTABLE scdoc)
    if(NOT SCDOC_EXECUTABLE)
        message(FATAL_ERROR
            "pxclone: scdoc is needed to build the man pages\n"
            "Install it with:\n"
            "    sudo apt-get install -y scdoc\n"
            "or configure with -DPXCLONE_BUILD_DOCS=OFF")
    endif()
    set(_outputs "")
    foreach(page ${PXCLONE_MAN_PAGES})
        set(_source ${PROJECT_SOURCE_DIR}/man/${page}.scd)
        set(_output ${PXCLONE_MAN_DIR}/${page})
        # scdoc reads stdin and writes stdout; sh does the redirections.
        add_custom_command(OUTPUT ${_output}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${PXCLONE_MAN_DIR}
            COMMAND sh -c "\"$0\" < \"$1\" > \"$2\"" ${SCDOC_EXECUTABLE} ${_source} ${_output}
            DEPENDS ${_source}
            COMMENT "scdoc ${page}"
            VERBATIM)
        # Installed compressed, as Debian policy (12.1) and man-db expect; -n keeps the archive
        # free of the build's time stamp and file name, so builds are reproducible.
        add_custom_command(OUTPUT ${_output}.gz
            COMMAND sh -c "gzip -9nc \"$0\" > \"$1\"" ${_output} ${_output}.gz
            DEPENDS ${_output}
            COMMENT "gzip ${page}"
            VERBATIM)
        list(APPEND _outputs ${_output} ${_output}.gz)
        string(REGEX MATCH "[0-9]$" _section ${page})
        install(FILES ${_output}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
    endforeach()
    add_custom_target(man ALL DEPENDS ${_outputs})
endif()

install(FILES ${PROJECT_SOURCE_DIR}/completions/pxclone.bash
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME pxclone)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_pxclone
    DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${PROJECT_SOURCE_DIR}/completions/pxclone.fish
    DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
# The JSON Schemas of the -o json|yaml documents (pxclone(1), OUTPUT FORMATS), one per kind.
file(GLOB PXCLONE_SCHEMAS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/schema/*.schema.json)
install(FILES ${PXCLONE_SCHEMAS} DESTINATION ${CMAKE_INSTALL_DATADIR}/pxclone/schema)

if(PXCLONE_BUILD_TESTS AND PXCLONE_BUILD_DOCS)
    # The built pages lint clean and mention every command and flag of the binary's --help.
    add_test(NAME docs/man-pages
        COMMAND bash ${PROJECT_SOURCE_DIR}/tests/docs/man_pages.sh
            $<TARGET_FILE:pxclone> ${PXCLONE_MAN_DIR}
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
