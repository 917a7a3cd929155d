# Finds every library pivot uses from Debian's packages. A missing one stops
# configure with the Debian package to install (scripts/install-deps does it).

macro(pivot_fail_missing what debian_pkg)
  message(FATAL_ERROR
    "${what} not found: install the Debian package '${debian_pkg}' "
    "(scripts/install-deps installs everything pivot needs)")
endmacro()

macro(pivot_find_config pkg debian_pkg)
  find_package(${pkg} ${ARGN} QUIET)
  if(NOT ${pkg}_FOUND)
    pivot_fail_missing("${pkg}" "${debian_pkg}")
  endif()
endmacro()

# The protocol library (and so the fuzz build) needs only msgpack-c.
find_package(msgpack-cxx CONFIG QUIET NAMES msgpack msgpack-cxx)
if(NOT TARGET msgpackc-cxx)
  pivot_fail_missing("msgpack-c (C++)" "libmsgpack-cxx-dev")
endif()

# The spec parser's fuzz target needs yaml-cpp too.
pivot_find_config(yaml-cpp libyaml-cpp-dev)

if(PIVOT_FUZZ_ONLY)
  return()
endif()

pivot_find_config(Boost libboost-dev 1.74)
pivot_find_config(cppzmq cppzmq-dev)
if(NOT TARGET cppzmq)
  pivot_fail_missing("cppzmq" "cppzmq-dev")
endif()
pivot_find_config(spdlog libspdlog-dev)
pivot_find_config(SQLite3 libsqlite3-dev)
pivot_find_config(nlohmann_json nlohmann-json3-dev 3)
pivot_find_config(CLI11 libcli11-dev)
pivot_find_config(Curses libncurses-dev)
pivot_find_config(Threads libc6-dev)

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  pivot_fail_missing("pkg-config" "pkg-config")
endif()
pkg_check_modules(SYSTEMD QUIET IMPORTED_TARGET libsystemd)
if(NOT SYSTEMD_FOUND)
  pivot_fail_missing("libsystemd" "libsystemd-dev")
endif()
pkg_check_modules(ZMQ QUIET IMPORTED_TARGET libzmq)
if(NOT ZMQ_FOUND)
  pivot_fail_missing("libzmq" "libzmq3-dev")
endif()

# Connector/C++ 1.1 ships neither a CMake config nor a .pc file.
find_path(MYSQLCPPCONN_INCLUDE_DIR mysql_driver.h PATH_SUFFIXES cppconn)
find_library(MYSQLCPPCONN_LIBRARY mysqlcppconn)
if(NOT MYSQLCPPCONN_INCLUDE_DIR OR NOT MYSQLCPPCONN_LIBRARY)
  pivot_fail_missing("MySQL Connector/C++ 1.1" "libmysqlcppconn-dev")
endif()
add_library(pivot::mysqlcppconn UNKNOWN IMPORTED)
set_target_properties(pivot::mysqlcppconn PROPERTIES
  IMPORTED_LOCATION "${MYSQLCPPCONN_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${MYSQLCPPCONN_INCLUDE_DIR}")

if(PIVOT_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND OR NOT TARGET GTest::gmock)
    pivot_fail_missing("GoogleTest/GoogleMock" "googletest libgtest-dev libgmock-dev")
  endif()
endif()
