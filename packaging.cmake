# What `cmake --install` puts where, and the Debian package `cpack -G DEB` makes from it.
# The executables find the data as <prefix>/share/ddim-studio (core/io/resources.h).
install(DIRECTORY resources/models resources/samples DESTINATION ${DDIM_DATA_SUBDIR})
install(FILES resources/desktop/ddim-studio.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES resources/desktop/ddim-studio.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME ddim-studio)
set(CPACK_PACKAGE_VENDOR "DDIM Studio")
set(CPACK_PACKAGE_CONTACT "DDIM Studio developers <ddim-studio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
# Library dependencies come from the binaries (dpkg-shlibdeps); OpenBLAS is loaded by LibTorch at
# run time, the OpenMP build of it is the one that does not fight LibTorch's threads.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-noto-color-emoji")
set(CPACK_STRIP_FILES ON)
include(CPack)
