# SPDX-License-Identifier: Apache-2.0
# The Debian package, libapache2-mod-cppcgi_<version>_<arch>.deb, made by
# CPack's DEB generator from the install rules (`cpack -G DEB` in the build
# directory), so the source tree keeps its layout: no debian/ directory and
# no second build system to keep in step. Included by CMakeLists.txt.

set(CPPCGI_DEB_DOC ${CMAKE_BINARY_DIR}/debian-doc)
file(MAKE_DIRECTORY ${CPPCGI_DEB_DOC})
configure_file(${CMAKE_SOURCE_DIR}/conf/debian/copyright ${CPPCGI_DEB_DOC}/copyright COPYONLY)
# A native package (no Debian revision): its changelog is changelog.gz.
configure_file(${CMAKE_SOURCE_DIR}/conf/debian/changelog.in ${CPPCGI_DEB_DOC}/changelog @ONLY)
add_custom_command(OUTPUT ${CPPCGI_DEB_DOC}/changelog.gz
                   COMMAND gzip -9n -c ${CPPCGI_DEB_DOC}/changelog > ${CPPCGI_DEB_DOC}/changelog.gz
                   DEPENDS ${CPPCGI_DEB_DOC}/changelog VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS ${CPPCGI_DEB_DOC}/changelog.gz)
install(FILES ${CPPCGI_DEB_DOC}/copyright ${CPPCGI_DEB_DOC}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/libapache2-mod-cppcgi)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libapache2-mod-cppcgi)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "mod_cppcgi developers <mod-cppcgi@example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/mod_cppcgi")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "CGI for Apache httpd from a pre-forked helper pool")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "mod_cppcgi runs CGI scripts (RFC 3875) as a drop-in replacement for
mod_cgi and mod_cgid: scripts are started by a small pool of helper
processes instead of by forking httpd, every script is checked before it
runs (permissions, its #! line, its interpreter) and a refusal names its
cause and fix in one error-log line. Includes cppcgi-doctor, which makes
the same checks from the command line.")
# What apache2-dev packages declare, and the libraries it links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "apache2-api-20120211")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "apache2")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
foreach(script postinst prerm postrm)
  configure_file(${CMAKE_SOURCE_DIR}/conf/debian/${script} ${CMAKE_BINARY_DIR}/debian-control/${script} COPYONLY)
endforeach()
# conffiles: what the administrator may edit; upgrades keep their edits.
file(WRITE ${CMAKE_BINARY_DIR}/debian-control/conffiles
     "/etc/apache2/mods-available/cppcgi.conf\n/etc/apache2/mods-available/cppcgi.load\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/debian-control/conffiles ${CMAKE_BINARY_DIR}/debian-control/postinst
    ${CMAKE_BINARY_DIR}/debian-control/prerm ${CMAKE_BINARY_DIR}/debian-control/postrm)
include(CPack)
