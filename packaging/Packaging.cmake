# The three Debian packages, built by CPack from the project's one version:
#   cd build && cpack -G DEB       -> pivot-agent_V_ARCH.deb, pivotd_V_ARCH.deb, pivotctl_V_ARCH.deb
# Included from the top-level CMakeLists.txt (install() and CPack need its
# scope). Layout and maintainer scripts: packaging/README.md.

set(PIVOT_PKG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(PIVOT_PKG_OUT ${CMAKE_BINARY_DIR}/packaging)

# cpack installs the components without building `all` first (tests and
# benchmarks): build pivot-agent, pivotd and pivotctl, then run cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Paths below are relative to /: the packages install under /usr, /etc and /lib.
set(CPACK_PACKAGING_INSTALL_PREFIX "/")

# --- what each package holds ------------------------------------------------
# pivot-agent
install(TARGETS pivot-agent RUNTIME DESTINATION usr/bin COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/pivot-agent.service ${CMAKE_SOURCE_DIR}/systemd/pivot-agent@.service
        DESTINATION lib/systemd/system COMPONENT agent)
install(FILES ${PIVOT_PKG_DIR}/etc/agent.yaml DESTINATION etc/pivot COMPONENT agent)
install(FILES ${PIVOT_PKG_DIR}/pivot.sysusers DESTINATION usr/lib/sysusers.d RENAME pivot-agent.conf COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/docs/agent.md ${CMAKE_SOURCE_DIR}/docs/operations.md
        DESTINATION usr/share/doc/pivot-agent COMPONENT agent)
install(FILES ${PIVOT_PKG_DIR}/etc/agent.yaml ${PIVOT_PKG_DIR}/examples/mysql/pivot.cnf
        DESTINATION usr/share/doc/pivot-agent/examples COMPONENT agent)

# pivotd
install(TARGETS pivotd RUNTIME DESTINATION usr/bin COMPONENT pivotd)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/pivotd.service DESTINATION lib/systemd/system COMPONENT pivotd)
install(FILES ${PIVOT_PKG_DIR}/etc/pivotd.yaml DESTINATION etc/pivot COMPONENT pivotd)
install(FILES ${PIVOT_PKG_DIR}/pivot.sysusers DESTINATION usr/lib/sysusers.d RENAME pivotd.conf COMPONENT pivotd)
install(FILES ${CMAKE_SOURCE_DIR}/docs/pivotd.md ${CMAKE_SOURCE_DIR}/docs/cluster-spec.md
              ${CMAKE_SOURCE_DIR}/docs/api.md ${CMAKE_SOURCE_DIR}/docs/operations.md
        DESTINATION usr/share/doc/pivotd COMPONENT pivotd)
install(FILES ${PIVOT_PKG_DIR}/etc/pivotd.yaml ${PIVOT_PKG_DIR}/examples/tokens.example
              ${PIVOT_PKG_DIR}/examples/clusters/sms-1.yaml
        DESTINATION usr/share/doc/pivotd/examples COMPONENT pivotd)
install(PROGRAMS ${PIVOT_PKG_DIR}/examples/hooks/haproxy-switch ${PIVOT_PKG_DIR}/examples/hooks/vip-move
        DESTINATION usr/share/doc/pivotd/examples/hooks COMPONENT pivotd)
install(FILES ${PIVOT_PKG_DIR}/examples/hooks/haproxy-switch.conf ${PIVOT_PKG_DIR}/examples/hooks/vip-move.conf
        DESTINATION usr/share/doc/pivotd/examples/hooks COMPONENT pivotd)

# pivotctl
install(TARGETS pivotctl RUNTIME DESTINATION usr/bin COMPONENT pivotctl)
install(FILES ${CMAKE_SOURCE_DIR}/docs/cli.md DESTINATION usr/share/doc/pivotctl COMPONENT pivotctl)

# Every package: copyright and a Debian changelog (gzip -9n, as Debian wants).
string(TIMESTAMP PIVOT_PKG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PIVOT_PKG_DIR}/debian/changelog.in ${PIVOT_PKG_OUT}/changelog @ONLY)
execute_process(COMMAND gzip -9nf -k ${PIVOT_PKG_OUT}/changelog COMMAND_ERROR_IS_FATAL ANY)

# --- maintainer scripts, from one template per script -----------------------
# pivot_package_scripts(COMPONENT UNITS TEMPLATE STATE_DIR ETC_DIRS CONFFILES)
function(pivot_package_scripts comp pkg units template state_dir etc_dirs conffiles)
  set(PKG ${pkg})
  set(PKG_UNITS "${units}")
  set(PKG_TEMPLATE "${template}")
  set(PKG_STATE_DIR "${state_dir}")
  set(PKG_ETC_DIRS "${etc_dirs}")
  string(REPLACE " " ";" dirs "${etc_dirs}")
  list(REVERSE dirs)
  string(REPLACE ";" " " PKG_ETC_DIRS_REVERSED "${dirs}")
  set(PKG_SYSUSERS "${pkg}.conf")
  set(out ${PIVOT_PKG_OUT}/${pkg})
  foreach(script postinst prerm postrm)
    configure_file(${PIVOT_PKG_DIR}/debian/${script}.in ${out}/${script} @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  string(REPLACE ";" "\n" conffiles "${conffiles}")
  file(WRITE ${out}/conffiles "${conffiles}\n")
  string(TOUPPER ${comp} COMP)
  set(CPACK_DEBIAN_${COMP}_PACKAGE_CONTROL_EXTRA "${out}/postinst;${out}/prerm;${out}/postrm;${out}/conffiles" PARENT_SCOPE)
  install(FILES ${PIVOT_PKG_OUT}/changelog.gz ${PIVOT_PKG_DIR}/debian/copyright
          DESTINATION usr/share/doc/${pkg} COMPONENT ${comp})
endfunction()

pivot_package_scripts(agent pivot-agent "pivot-agent.service" "pivot-agent@.service"
  /var/lib/pivot-agent "" /etc/pivot/agent.yaml)
pivot_package_scripts(pivotd pivotd "pivotd.service" ""
  /var/lib/pivot "/etc/pivot/clusters.d /etc/pivot/agents.d /etc/pivot/hooks" /etc/pivot/pivotd.yaml)
install(FILES ${PIVOT_PKG_OUT}/changelog.gz ${PIVOT_PKG_DIR}/debian/copyright
        DESTINATION usr/share/doc/pivotctl COMPONENT pivotctl)

# --- CPack ------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pivot)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "pivot maintainers <maintainers@pivot.example.org>")
set(CPACK_PACKAGE_VENDOR "pivot")
set(CPACK_OUTPUT_FILE_PREFIX ${PIVOT_PKG_OUT})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent pivotd pivotctl)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_AGENT_PACKAGE_NAME pivot-agent)
set(CPACK_DEBIAN_PIVOTD_PACKAGE_NAME pivotd)
set(CPACK_DEBIAN_PIVOTCTL_PACKAGE_NAME pivotctl)
# systemd-sysusers, which the postinst calls (deb-systemd-helper is in the
# essential init-system-helpers).
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PIVOTD_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_AGENT_DESCRIPTION "pivot agent for a MySQL/MariaDB node
pivot-agent runs beside every mysqld of a replication cluster: it reports the
server's state to pivotd and runs the local steps of a pivot (planned
promotion) or failover that pivotd commands. It never decides anything.")
set(CPACK_DEBIAN_PIVOTD_DESCRIPTION "pivot controller for MySQL/MariaDB replica promotion
pivotd keeps the state of every cluster its agents report, says whether a
cluster may be pivoted, runs planned promotions and failovers step by step
through the agents, journals every job and serves a REST API.")
set(CPACK_DEBIAN_PIVOTCTL_DESCRIPTION "command-line client of the pivot controller
pivotctl asks pivotd for cluster state and pivot status, starts pivots and
failovers and follows their jobs, for operators and deployment pipelines.")
include(CPack)
